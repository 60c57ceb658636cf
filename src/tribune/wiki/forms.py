"""Forms shared by the revision pages. They parse what was typed; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tribune.core.exceptions import ServiceError

MAX_SUMMARY = 300


class ServiceErrorsMixin:
    """Show a ServiceError's field errors next to their fields, and the rest at the top.

    Errors about hidden fields (the base revision) go to the top too: nobody would
    see them beside a field they cannot see.
    """

    def add_service_error(self, error: ServiceError) -> None:
        form: forms.Form = self  # type: ignore[assignment]  # mixed into forms only
        placed = unseen = False
        for name, messages in (error.errors or {}).items():
            field = form.fields.get(name)
            if field is None or field.widget.is_hidden:
                unseen = True
                continue
            for message in messages:
                form.add_error(name, message)
                placed = True
        if unseen or not placed:
            # The error's own words say what went wrong with what the member cannot see.
            form.add_error(None, str(error.detail))


class MarkdownField(forms.CharField):
    """Multi-line Markdown as typed, with the browser's CRLF line ends made LF.

    Otherwise a save that changes nothing but line ends would make a revision whose
    diff shows nothing.
    """

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("strip", False)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def to_python(self, value: object) -> str:
        text = super().to_python(value) or ""
        return text.replace("\r\n", "\n").replace("\r", "\n")


class RevisionEditForm(ServiceErrorsMixin, forms.Form):
    """What every edit carries besides its text: a summary and the revision it started from."""

    summary = forms.CharField(
        label=_("Edit summary"),
        required=False,
        max_length=MAX_SUMMARY,
        help_text=_("Briefly say what you changed and why. Everyone can read it in the history."),
    )
    base_revision = forms.CharField(widget=forms.HiddenInput, required=False)

    def with_base(self, revision_id: int) -> dict[str, Any]:
        """The submitted data with another base revision.

        After a conflict the member has seen the current text, so saving again starts
        from it; everything they typed stays as it was.
        """
        data: dict[str, Any] = dict(self.data.items())
        data["base_revision"] = str(revision_id)
        return data


class DescriptionEditForm(RevisionEditForm):
    description = MarkdownField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Markdown: **bold**, *italic*, [links](https://example.org), lists."),
    )

    field_order = ["description", "summary", "base_revision"]


class RevertForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    summary = forms.CharField(label=_("Why restore it?"), required=False, max_length=MAX_SUMMARY)


class RollbackForm(forms.Form):
    username = forms.CharField(widget=forms.HiddenInput, max_length=150)
    summary = forms.CharField(label=_("Reason"), required=False, max_length=MAX_SUMMARY)
