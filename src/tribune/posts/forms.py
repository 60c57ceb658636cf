"""Forms of the post pages. They parse what was typed; the services hold the rules.

Which fields a form has, and which are required, follows the kind of post, so that
each kind asks only for what it uses and marks as optional only what is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tribune.communities.models import EditPolicy, Subwiki, policy_at_least
from tribune.core.forms import MarkdownField, ServiceErrorsMixin
from tribune.posts.models import PostKind
from tribune.posts.services import MAX_ALT, MAX_TITLE
from tribune.wiki.forms import RevisionEditForm

# The fields each kind of post has, in the order the form shows them.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    PostKind.LINK: ("url", "title", "body"),
    PostKind.ARTICLE: ("title", "body"),
    PostKind.IMAGE: ("image", "image_alt", "title", "body"),
    PostKind.TEXT: ("body", "title"),
}
# The fields each kind cannot do without (the services check them too).
KIND_REQUIRED: dict[str, frozenset[str]] = {
    PostKind.LINK: frozenset({"url", "title"}),
    PostKind.ARTICLE: frozenset({"title", "body"}),
    PostKind.IMAGE: frozenset({"image", "image_alt", "title"}),
    PostKind.TEXT: frozenset({"body"}),
}
BODY_LABELS: dict[str, str | Promise] = {
    PostKind.LINK: _("Why it is worth reading"),
    PostKind.ARTICLE: _("Article"),
    PostKind.IMAGE: _("Caption"),
    PostKind.TEXT: _("What do you want to say?"),
}
MARKDOWN_HELP = _("Markdown: **bold**, *italic*, [links](https://example.org), lists, > quotes.")


def policy_choices(subwiki: Subwiki | None) -> list[tuple[str, str | Promise]]:
    """The edit policies a post may choose: as strict as its subwiki asks, or stricter."""
    floor = subwiki.min_post_edit_policy if subwiki is not None else EditPolicy.OPEN
    return [(value, label) for value, label in EditPolicy.choices if policy_at_least(value, floor)]


class PostFieldsMixin:
    """The editable fields of a post, trimmed to those of one kind."""

    def _set_up_kind(self, kind: str) -> None:
        form: forms.Form = self  # type: ignore[assignment]  # mixed into forms only
        wanted = KIND_FIELDS.get(kind, KIND_FIELDS[PostKind.ARTICLE])
        required = KIND_REQUIRED.get(kind, frozenset())
        for name in ("title", "url", "body", "image", "image_alt"):
            if name not in form.fields:
                continue
            if name not in wanted:
                del form.fields[name]
            else:
                form.fields[name].required = name in required
        if "body" in form.fields:
            form.fields["body"].label = str(BODY_LABELS.get(kind, _("Text")))
            if kind in {PostKind.LINK, PostKind.IMAGE}:
                # A comment or a caption, not an article: a smaller box says so.
                form.fields["body"].widget.attrs["rows"] = 5
        if kind == PostKind.TEXT and "title" in form.fields:
            form.fields["title"].help_text = _("Leave it empty to use the start of your text.")
        form.order_fields(["subwiki", *wanted, "summary", "edit_policy"])


def _title_field() -> forms.CharField:
    return forms.CharField(label=_("Title"), max_length=MAX_TITLE)


def _url_field() -> forms.CharField:
    return forms.CharField(
        label=_("Link"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
        help_text=_("We fetch its title, description and picture for a preview."),
    )


def _body_field() -> MarkdownField:
    return MarkdownField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 14}), help_text=MARKDOWN_HELP
    )


def _alt_field() -> forms.CharField:
    return forms.CharField(
        label=_("Image description (alt text)"),
        max_length=MAX_ALT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say what the image shows, for people who cannot see it."),
    )


class PostCreateForm(PostFieldsMixin, ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(choices=PostKind.choices, widget=forms.HiddenInput)
    subwiki = forms.ChoiceField(
        label=_("Where to post"),
        required=False,
        help_text=_("The subwikis you belong to or follow, or your own profile."),
    )
    url = _url_field()
    image = forms.FileField(
        label=_("Image"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
        help_text=_("JPEG, PNG, GIF or WebP. We remove location and camera details."),
    )
    image_alt = _alt_field()
    title = _title_field()
    body = _body_field()
    edit_policy = forms.ChoiceField(
        label=_("Who may edit it"),
        error_messages={
            "invalid_choice": _(
                "This subwiki asks for a stricter edit policy: choose one from the list."
            )
        },
    )

    def __init__(
        self,
        *args: Any,
        kind: str,
        subwikis: Sequence[Subwiki],
        policies: list[tuple[str, str | Promise]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set_up_kind(kind)
        where: list[tuple[str, str | Promise]] = [("", _("My profile"))]
        where += [(subwiki.slug, subwiki.name) for subwiki in subwikis]
        self.fields["subwiki"].choices = where  # type: ignore[attr-defined]
        self.fields["edit_policy"].choices = policies  # type: ignore[attr-defined]


class PostEditForm(PostFieldsMixin, RevisionEditForm):
    title = _title_field()
    url = _url_field()
    body = _body_field()
    image_alt = _alt_field()
    edit_policy = forms.ChoiceField(
        label=_("Who may edit it"),
        error_messages={
            "invalid_choice": _(
                "This subwiki asks for a stricter edit policy: choose one from the list."
            )
        },
    )

    def __init__(
        self,
        *args: Any,
        kind: str,
        policies: list[tuple[str, str | Promise]] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set_up_kind(kind)
        if "image" in self.fields:  # the picture itself is not wiki-edited
            del self.fields["image"]
        if policies is None:
            # Only the author and moderators choose who may edit.
            del self.fields["edit_policy"]
        else:
            self.fields["edit_policy"].choices = policies  # type: ignore[attr-defined]
            if self.is_bound and "edit_policy" not in self.data:
                # Sent without it (not from this form): the policy stays as it is.
                self.fields["edit_policy"].required = False

    def changes(self) -> dict[str, str]:
        """The post's fields as typed, for posts.services.post_edit."""
        return {
            name: self.cleaned_data[name]
            for name in ("title", "body", "url", "image_alt")
            if name in self.fields
        }
