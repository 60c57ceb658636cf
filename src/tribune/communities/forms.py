"""Forms of the subwiki pages. They parse what was typed; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tribune.communities.models import EditPolicy, Role, Visibility
from tribune.communities.services import MAX_DESCRIPTION
from tribune.core.forms import MarkdownField, ServiceErrorsMixin
from tribune.wiki.forms import RevisionEditForm


class SubwikiCreateForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    slug = forms.CharField(
        label=_("Address"),
        max_length=50,
        help_text=_(
            "Its web address will be /s/ followed by this: lower-case letters, digits "
            "and hyphens. It cannot be changed later."
        ),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What the subwiki is about and what belongs in it, in Markdown. "
            "Members can improve it later; every change is kept."
        ),
    )
    visibility = forms.ChoiceField(
        label=_("Who can read it"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )


class SubwikiSettingsForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    visibility = forms.ChoiceField(
        label=_("Who can read it"), choices=Visibility.choices, widget=forms.RadioSelect
    )
    description_edit_policy = forms.ChoiceField(
        label=_("Who may edit the description"), choices=EditPolicy.choices
    )
    min_post_edit_policy = forms.ChoiceField(
        label=_("Most open edit policy a post may choose"),
        choices=EditPolicy.choices,
        help_text=_("Posts in this subwiki may be this open or more closed, never more open."),
    )


class InviteForm(ServiceErrorsMixin, forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("The member's username, as in their profile's address."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class DescriptionEditForm(RevisionEditForm):
    description = MarkdownField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Markdown: **bold**, *italic*, [links](https://example.org), lists."),
    )

    field_order = ["description", "summary", "base_revision"]
