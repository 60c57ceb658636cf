from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tribune.accounts.invitations import InvitationInvalid, invitation_check
from tribune.accounts.models import Member, age_on

OLDEST_AGE = 130


class DateInput(forms.DateInput):
    input_type = "date"


def validate_birth_date(born: dt.date) -> None:
    today = timezone.localdate()
    if born > today:
        raise forms.ValidationError(_("Your date of birth cannot be in the future."))
    age = age_on(born, today)
    if age > OLDEST_AGE:
        raise forms.ValidationError(_("Please check your date of birth."))
    if age < settings.TRIBUNE_MIN_AGE:
        raise forms.ValidationError(
            _("You must be at least %(age)d years old to join.")
            % {"age": settings.TRIBUNE_MIN_AGE},
            code="under_age",
        )


class SignupDetailsForm(forms.Form):
    """The fields Tribune adds to allauth's sign-up form: a name and the age gate.

    A refused date of birth fails validation, so nothing is stored for that person.
    """

    display_name = forms.CharField(
        label=_("Name"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("How others see you. You can change it later."),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=DateInput(attrs={"autocomplete": "bday"}),
        help_text=_("Only used to check your age; never shown to anyone."),
    )

    invite = forms.CharField(
        label=_("Invitation code"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Optional. A friend's invitation lets you in sooner."),
    )

    field_order = [
        "display_name",
        "username",
        "email",
        "date_of_birth",
        "password1",
        "password2",
        "invite",
    ]

    def clean_display_name(self) -> str:
        name: str = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter a name."))
        return name

    def clean_date_of_birth(self) -> dt.date:
        born: dt.date = self.cleaned_data["date_of_birth"]
        validate_birth_date(born)
        return born

    def clean_invite(self) -> str:
        code: str = self.cleaned_data.get("invite", "").strip()
        if code:
            try:
                invitation_check(code)
            except InvitationInvalid as e:
                raise forms.ValidationError(str(e.detail), code=e.code) from None
        return code

    def signup(self, request: HttpRequest, user: Member) -> None:
        """Required by allauth; the fields are set by AccountAdapter.save_user."""


def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(zoneinfo.available_timezones())
    return [("", str(_("UTC (default)"))), *[(z, z.replace("_", " ")) for z in zones]]


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=80)
    bio = forms.CharField(
        label=_("Bio"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("A few words about you, shown on your profile. Markdown is not rendered."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()  # type: ignore[attr-defined]  # ChoiceField

    def clean_display_name(self) -> str:
        name: str = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter a name."))
        return name


class SupporterBadgeForm(forms.Form):
    """The settings page's toggle of one's supporter badge."""

    # Which of the settings page's forms was sent.
    name = "supporter_badge"

    show_supporter_badge = forms.BooleanField(
        label=_("Show my supporter badge"),
        required=False,
        help_text=_(
            "While you support the site, a badge says so on your profile. Nothing else "
            "changes if you hide it."
        ),
    )
