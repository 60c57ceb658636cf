"""Community notes' pages: a post's notes, a note with its ratings and history, and the
forms that write, edit and rate one. Thin views: notes holds every rule.

Rating is a plain POST form that comes back to the page it was on without JavaScript;
htmx swaps the note's rating block in place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer
from tribune.accounts.web import member_of, viewer_of
from tribune.core.markdown import render_markdown
from tribune.core.ratelimit import client_address
from tribune.core.web import (
    button_answer,
    form_submit,
    refused,
    requested_page,
    shows_problems,
)
from tribune.notes.forms import NoteEditForm, NoteForm
from tribune.notes.models import CommunityNote
from tribune.notes.permissions import (
    Refusal,
    note_edit_refusal,
    note_refusal,
    rating_refusal,
    refuse,
)
from tribune.notes.selectors import (
    RatingSummary,
    my_note,
    note_get,
    note_history,
    post_notes,
    rating_summary,
    status_explanation,
)
from tribune.notes.services import note_create, note_edit, note_rate
from tribune.posts.models import Post
from tribune.posts.selectors import post_get
from tribune.wiki.presentation import fold_unchanged

# --- What a page shows of a note --------------------------------------------------------


@dataclass(frozen=True)
class NoteRow:
    """A note as a page shows it, with what the viewer may do with it."""

    note: CommunityNote
    body_html: SafeString
    ratings: RatingSummary
    my_rating: str | None
    refusal: Refusal | None  # why the viewer may not rate it; None when they may
    can_edit: bool
    explanation: str

    @property
    def can_rate(self) -> bool:
        return self.refusal is None

    @property
    def is_own(self) -> bool:
        return self.refusal is not None and self.refusal.code == "own_note"


def note_rows(viewer: Viewer, notes: Iterable[CommunityNote], *, post: Post) -> list[NoteRow]:
    """Rows for notes of one post (from notes' selectors: no query per note)."""
    rows = []
    for note in notes:
        # The post the page fetched, with the viewer's membership of its subwiki already
        # looked up: the rules below read it without a query per note.
        note.post = post
        rows.append(
            NoteRow(
                note=note,
                body_html=render_markdown(note.body),
                ratings=rating_summary(note),
                my_rating=getattr(note, "my_rating", None),
                refusal=rating_refusal(viewer, note),
                can_edit=note_edit_refusal(viewer, note) is None,
                explanation=status_explanation(note),
            )
        )
    return rows


def _note_row(viewer: Viewer, note: CommunityNote) -> NoteRow:
    return note_rows(viewer, [note], post=note.post)[0]


# --- A post's notes ----------------------------------------------------------------------


@require_safe
def post_notes_page(request: HttpRequest, post_id: int) -> HttpResponse:
    """Every note of a post, newest first, with their status and the rating buttons."""
    viewer = viewer_of(request)
    post = post_get(viewer=viewer, post_id=post_id)
    requested = requested_page(request, partial(post_notes, viewer=viewer, post=post))
    rows = note_rows(viewer, requested.page.items, post=post)
    next_url = requested.next_url(reverse("notes:post_notes", args=[post.pk]))
    context = {
        "post": post,
        "rows": rows,
        "next_url": next_url,
        "refusal": note_refusal(viewer, post),
        "mine": my_note(viewer=viewer, post=post),
        "form": NoteForm(),
    }
    return render(request, "notes/post_notes.html", context, status=requested.status)


# --- Writing and editing a note ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@shows_problems
def note_new(request: HttpRequest, post_id: int) -> HttpResponse:
    """The form that adds a note to a post (members at trust level 1 or more)."""
    member = member_of(request)
    post = post_get(viewer=member, post_id=post_id)
    refuse(note_refusal(member, post))
    mine = my_note(viewer=member, post=post)
    if mine is not None and request.method == "GET":
        # One note per member per post: a second thought is an edit of the first.
        messages.info(request, _("You have already written a note on this post: edit it here."))
        return redirect("notes:note_edit", note_id=mine.pk)
    form = NoteForm(request.POST if request.method == "POST" else None)
    added = _(
        "Your note is added. It shows on the post once members who usually disagree with "
        "each other rate it helpful."
    )
    return _note_form_page(
        request,
        form,
        lambda data: note_create(
            actor=member, post_id=post.pk, address=client_address(request), **form.written()
        ),
        post=post,
        done=added,
    )


@login_required
@require_http_methods(["GET", "POST"])
@shows_problems
def note_change(request: HttpRequest, note_id: int) -> HttpResponse:
    """The form in which its author changes a note (every version is kept)."""
    member = member_of(request)
    note = note_get(viewer=member, note_id=note_id)
    refuse(note_edit_refusal(member, note))
    initial = {
        "classification": note.classification,
        "body": note.body,
        "sources": "\n".join(note.sources),
    }
    form = NoteEditForm(request.POST if request.method == "POST" else None, initial=initial)
    return _note_form_page(
        request,
        form,
        lambda data: note_edit(
            actor=member,
            note_id=note.pk,
            summary=data["summary"],
            address=client_address(request),
            **form.written(),
        ),
        post=note.post,
        editing=note,
        done=_("Your note is saved. Its history keeps every version."),
    )


def _note_form_page(
    request: HttpRequest,
    form: NoteForm,
    save: Callable[[dict[str, Any]], CommunityNote],
    *,
    post: Post,
    done: str,
    editing: CommunityNote | None = None,
) -> HttpResponse:
    """The form that writes or edits a note; once `save` took it, the note, saying `done`."""
    submitted = form_submit(request, form, save)
    if submitted.result is not None:
        messages.success(request, done)
        return redirect("notes:note", note_id=submitted.result.pk)
    context = {"post": post, "form": form, "editing": editing}
    response = render(request, "notes/note_form.html", context, status=submitted.status)
    return refused(request, response, submitted.error)


# --- Reading a note -------------------------------------------------------------------------


@require_safe
def note_page(request: HttpRequest, note_id: int) -> HttpResponse:
    """A note: its text, sources, status and why, its ratings, and the rating buttons."""
    viewer = viewer_of(request)
    # A removed note stays readable by its post's moderators (who may restore it).
    note = note_get(viewer=viewer, note_id=note_id, removed=True)
    context = {"post": note.post, "row": _note_row(viewer, note)}
    return render(request, "notes/note.html", context)


@require_safe
def note_history_page(request: HttpRequest, note_id: int) -> HttpResponse:
    """Every version of a note, newest first, each with what changed."""
    viewer = viewer_of(request)
    note = note_get(viewer=viewer, note_id=note_id, removed=True)
    versions = [
        (version, fold_unchanged(version.body_diff), render_markdown(version.revision.body))
        for version in note_history(note=note)
    ]
    context = {"post": note.post, "note": note, "versions": versions}
    return render(request, "notes/note_history.html", context)


# --- Rating a note -------------------------------------------------------------------------


def _rating_fragment(
    request: HttpRequest, row: NoteRow, *, error: str | None = None, saved: bool = False
) -> HttpResponse:
    context: dict[str, Any] = {
        "row": row,
        "back_url": request.POST.get("next", ""),
        "rating_error": error,
        "rating_saved": saved,
    }
    return render(request, "notes/_rating.html", context)


@require_POST
def note_rate_button(request: HttpRequest, note_id: int) -> HttpResponse:
    """Rate a note helpful, somewhat or not (rating again changes it)."""
    note_url = reverse("notes:note", args=[note_id])
    if not request.user.is_authenticated:
        # Whether the note exists is not told before logging in; the log-in comes back to it.
        return redirect_to_login(note_url)
    actor: Member = request.user

    def rating_block(error: str | None) -> HttpResponse:
        # Read again: after a rating, its counts include it.
        row = _note_row(actor, note_get(viewer=actor, note_id=note_id))
        return _rating_fragment(request, row, error=error, saved=error is None)

    return button_answer(
        request,
        partial(
            note_rate,
            actor=actor,
            note_id=note_id,
            helpful=request.POST.get("helpful", ""),
            address=client_address(request),
        ),
        fragment=rating_block,
        done=_("Your rating is saved. You can change it at any time."),
        back=note_url,
        anchor=f"note-{note_id}",
    )
