"""Forms shared by the revision pages. They parse what was typed; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tribune.core.forms import ServiceErrorsMixin

MAX_SUMMARY = 300


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


class RevertForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    summary = forms.CharField(label=_("Why restore it?"), required=False, max_length=MAX_SUMMARY)


class RollbackForm(forms.Form):
    username = forms.CharField(widget=forms.HiddenInput, max_length=150)
    summary = forms.CharField(label=_("Reason"), required=False, max_length=MAX_SUMMARY)
