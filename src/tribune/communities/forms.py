"""Forms of the subwiki pages. They parse what was typed; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tribune.communities.models import EditPolicy, Role, Visibility
from tribune.communities.services import MAX_DESCRIPTION
from tribune.core.exceptions import ServiceError


class ServiceErrorsMixin:
    """Show a ServiceError's field errors next to their fields, and the rest at the top."""

    def add_service_error(self, error: ServiceError) -> None:
        form: forms.Form = self  # type: ignore[assignment]  # mixed into forms only
        placed = False
        for field, messages in (error.errors or {}).items():
            name = field if field in form.fields else None
            for message in messages:
                form.add_error(name, message)
                placed = True
        if not placed:
            form.add_error(None, str(error.detail))


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
