"""Forms of the moderation pages: reports, actions, appeals and decisions.

They parse what was typed; moderation.services holds the rules.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tribune.core.forms import ServiceErrorsMixin
from tribune.moderation.models import ReportReason
from tribune.moderation.services.log import (
    ACTIONS,
    MAX_APPEAL,
    MAX_DETAILS,
    MAX_DURATION_DAYS,
    MAX_REASON,
)


class ReportForm(ServiceErrorsMixin, forms.Form):
    target = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = forms.ChoiceField(
        label=_("What is wrong with it?"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
    )
    details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=MAX_DETAILS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What moderators should know: where the problem is, links to sources."),
    )


class ActionForm(ServiceErrorsMixin, forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)
    target = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,  # the service says which actions need one
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in the public moderation log and to the member concerned."),
    )
    duration_days = forms.IntegerField(
        label=_("For how many days"),
        required=False,
        min_value=1,
        max_value=MAX_DURATION_DAYS,
        help_text=_("Leave empty: until lifted."),
    )
    subwiki = forms.CharField(required=False, widget=forms.HiddenInput, max_length=50)
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)


class AppealForm(ServiceErrorsMixin, forms.Form):
    text = forms.CharField(
        label=_("Why should staff reconsider it?"),
        max_length=MAX_APPEAL,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class DecisionForm(ServiceErrorsMixin, forms.Form):
    decision = forms.CharField(
        label=_("Decision"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Told to the member and shown in the public log."),
    )
    # Sent by the button pressed ("Grant" or "Deny"), not rendered as a field.
    grant = forms.ChoiceField(choices=[("yes", _("Grant")), ("no", _("Deny"))])
