"""Forms of the community-note pages. They parse what was typed; notes' services hold
the rules (and its errors are put back beside their fields)."""

from __future__ import annotations

from typing import Any, TypedDict

from django import forms
from django.utils.translation import gettext_lazy as _

from tribune.core.forms import MarkdownField, ServiceErrorsMixin
from tribune.notes.models import NoteClassification
from tribune.notes.services import MAX_BODY, MAX_SOURCES, MAX_SUMMARY


class WrittenNote(TypedDict):
    """What the author of a note wrote, as notes' services take it."""

    classification: str
    body: str
    sources: list[str]


class NoteForm(ServiceErrorsMixin, forms.Form):
    """A note as its author writes it: is the post misleading, the note, its sources."""

    classification = forms.ChoiceField(
        label=_("Is the post misleading?"),
        choices=NoteClassification.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    body = MarkdownField(
        label=_("Your note"),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_BODY}),
        help_text=_(
            "Context that people who disagree would both find useful: facts, not opinions. "
            "Markdown: **bold**, *italic*, [links](https://example.org). 2,000 characters "
            "at most."
        ),
    )
    sources = forms.CharField(
        label=_("Sources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Links that back the note up, one per line, %(n)d at most. Left empty, the links "
            "in the note are its sources."
        )
        % {"n": MAX_SOURCES},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Ids of their own: the form shares the post's page with the talk's forms.
        kwargs.setdefault("auto_id", "note-%s")
        super().__init__(*args, **kwargs)

    def written(self) -> WrittenNote:
        """The note as its author wrote it, for note_create or note_edit (once valid)."""
        text = self.cleaned_data.get("sources") or ""
        return WrittenNote(
            classification=self.cleaned_data["classification"],
            body=self.cleaned_data["body"],
            # One a line; empty lines left out.
            sources=[line.strip() for line in text.splitlines() if line.strip()],
        )


class NoteEditForm(NoteForm):
    summary = forms.CharField(
        label=_("Edit summary"),
        required=False,
        max_length=MAX_SUMMARY,
        help_text=_("Briefly say what you changed and why. Everyone can read it in the history."),
    )
