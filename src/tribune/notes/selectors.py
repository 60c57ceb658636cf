"""Reads of community notes: a post's notes, one note with its ratings, its history.

A note is as visible as its post: every read starts from note_queryset, which filters
notes by the posts' one visibility rule (posts.selectors.post_visibility_q), so a note
on a post of a private subwiki never reaches anyone outside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from tribune.accounts.permissions import Viewer
from tribune.core.exceptions import NotFound
from tribune.core.pagination import Page as ListPage
from tribune.core.pagination import paginate_keyset
from tribune.core.textmerge import DiffLine, diff_text
from tribune.notes.annotations import HAS_NOTES
from tribune.notes.models import CommunityNote, Helpfulness, NoteRating, NoteRevision, NoteStatus
from tribune.posts.models import Post
from tribune.posts.permissions import can_moderate_post
from tribune.posts.selectors import post_visibility_q

# How many notes the post's page lists (helpful ones first); the rest are on its notes page.
POST_PAGE_NOTES = 20


def _count_of(value: str) -> Coalesce:
    counted = (
        NoteRating.objects.filter(note=OuterRef("pk"), helpful=value)
        .order_by()
        .values("note")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _rating_annotations(viewer: Viewer) -> dict[str, Any]:
    mine: Any = Value(None, output_field=CharField())
    if viewer.is_authenticated:
        mine = Subquery(
            NoteRating.objects.filter(note=OuterRef("pk"), rater_id=viewer.pk).values("helpful")[:1]
        )
    return {
        "ratings_yes": _count_of(Helpfulness.YES),
        "ratings_somewhat": _count_of(Helpfulness.SOMEWHAT),
        "ratings_no": _count_of(Helpfulness.NO),
        "my_rating": mine,
    }


def note_queryset(viewer: Viewer, *, removed: bool = False) -> QuerySet[CommunityNote]:
    """The base of every note read: notes on posts the viewer may read, not removed (unless
    asked), with their author and post, their rating counts and the viewer's own rating."""
    notes = CommunityNote.objects.filter(post_visibility_q(viewer, prefix="post__"))
    if not removed:
        notes = notes.filter(is_removed=False)
    return notes.select_related("author", "post__subwiki", "post__author").annotate(
        **_rating_annotations(viewer)
    )


def note_get(*, viewer: Viewer, note_id: int | str, removed: bool = False) -> CommunityNote:
    """A note with its ratings summary; NotFound if the viewer may not read its post.

    A note moderators removed is not found, except with `removed=True` by those who
    moderate its post (its page, reports and moderation actions): the API, lists and
    ratings never see it.
    """
    try:
        pk = int(note_id)
    except (TypeError, ValueError):
        raise NotFound from None
    if not -(2**63) <= pk < 2**63:
        raise NotFound
    note = note_queryset(viewer, removed=removed).filter(pk=pk).first()
    if note is None or (note.is_removed and not can_moderate_post(viewer, note.post)):
        raise NotFound
    return note


def post_notes(
    *, viewer: Viewer, post: Post, cursor: str | None = None, limit: int | str | None = None
) -> ListPage[CommunityNote]:
    """A post's notes, newest first (the caller fetched the post with post_get)."""
    return paginate_keyset(note_queryset(viewer).filter(post=post), cursor=cursor, limit=limit)


@dataclass(frozen=True)
class PostNotes:
    """What a post's page shows of its notes (one query)."""

    notes: list[CommunityNote]  # helpful ones first, then the viewer's, then the newest
    more: bool  # whether the post has more notes than these

    @property
    def helpful(self) -> list[CommunityNote]:
        return [note for note in self.notes if note.status == NoteStatus.HELPFUL]

    def mine(self, viewer: Viewer) -> CommunityNote | None:
        if not viewer.is_authenticated:
            return None
        return next((note for note in self.notes if note.author_id == viewer.pk), None)


def post_page_notes(*, viewer: Viewer, post: Post, limit: int = POST_PAGE_NOTES) -> PostNotes:
    """The notes a post's page lists: helpful ones first, then the viewer's own, then the
    newest (the caller fetched the post with post_get).

    No query for a post that post_get found to have no notes.
    """
    if getattr(post, HAS_NOTES, True) is False:
        return PostNotes(notes=[], more=False)
    mine: Case | Value = Value(0)
    if viewer.is_authenticated:
        mine = Case(When(author_id=viewer.pk, then=Value(1)), default=Value(0))
    helpful = Case(When(status=NoteStatus.HELPFUL, then=Value(1)), default=Value(0))
    rows: list[CommunityNote] = list(
        note_queryset(viewer)
        .filter(post=post)
        .annotate(shown_first=helpful, own=mine)
        .order_by("-shown_first", "-own", "-intercept", "-created_at", "-id")[: limit + 1]
    )
    return PostNotes(notes=rows[:limit], more=len(rows) > limit)


def my_note(*, viewer: Viewer, post: Post) -> CommunityNote | None:
    """The viewer's own note on the post, if they wrote one (removed or not: one per post)."""
    if not viewer.is_authenticated:
        return None
    return CommunityNote.objects.filter(post=post, author_id=viewer.pk).first()


def helpful_notes(*, viewer: Viewer, post_ids: Iterable[int]) -> dict[int, CommunityNote]:
    """Each listed post's helpful note (the highest intercept), by post id, in one query."""
    ids = list(post_ids)
    if not ids:
        return {}
    found: dict[int, CommunityNote] = {}
    notes = (
        CommunityNote.objects.filter(
            post_visibility_q(viewer, prefix="post__"),
            post_id__in=ids,
            status=NoteStatus.HELPFUL,
            is_removed=False,
        )
        .select_related("author")
        .order_by("post_id", "-intercept", "id")
    )
    for note in notes:
        found.setdefault(note.post_id, note)
    return found


def note_my_rating(*, viewer: Viewer, note: CommunityNote) -> str | None:
    """The viewer's rating of the note ("yes", "somewhat", "no"), or None."""
    if hasattr(note, "my_rating"):
        return note.my_rating  # type: ignore[no-any-return]  # as note_queryset annotates it
    if not viewer.is_authenticated:
        return None
    return (
        NoteRating.objects.filter(note=note, rater_id=viewer.pk)
        .values_list("helpful", flat=True)
        .first()
    )


@dataclass(frozen=True)
class RatingSummary:
    yes: int
    somewhat: int
    no: int

    @property
    def total(self) -> int:
        return self.yes + self.somewhat + self.no


def rating_summary(note: CommunityNote) -> RatingSummary:
    """How many members rated the note helpful, somewhat, not (from note_queryset)."""
    return RatingSummary(
        yes=getattr(note, "ratings_yes", 0),
        somewhat=getattr(note, "ratings_somewhat", 0),
        no=getattr(note, "ratings_no", 0),
    )


@dataclass(frozen=True)
class NoteVersion:
    """One version in a note's history, with what changed from the one before."""

    revision: NoteRevision
    previous: NoteRevision | None
    body_diff: list[DiffLine]
    sources_added: list[str]
    sources_removed: list[str]

    @property
    def classification_changed(self) -> bool:
        return self.previous is not None and (
            self.previous.classification != self.revision.classification
        )


def note_history(*, note: CommunityNote) -> list[NoteVersion]:
    """Every version of a note, newest first, each with its change (the caller fetched the
    note with note_get)."""
    revisions = list(
        NoteRevision.objects.filter(note=note).select_related("author").order_by("created_at", "id")
    )
    versions = []
    previous: NoteRevision | None = None
    for revision in revisions:
        old_sources = previous.sources if previous is not None else []
        versions.append(
            NoteVersion(
                revision=revision,
                previous=previous,
                body_diff=diff_text(previous.body if previous is not None else "", revision.body),
                sources_added=[s for s in revision.sources if s not in old_sources],
                sources_removed=[s for s in old_sources if s not in revision.sources],
            )
        )
        previous = revision
    versions.reverse()
    return versions


# Explanations shown with a note's status, on its page and the post's.
STATUS_EXPLANATIONS: dict[str, Promise] = {
    NoteStatus.HELPFUL: gettext_lazy(
        "Shown on the post because members who usually disagree with each other rated it "
        "helpful: raters on different sides of past notes agreed on this one."
    ),
    NoteStatus.NEEDS_MORE_RATINGS: gettext_lazy(
        "Not shown on the post yet: it needs more ratings, from members who usually "
        "disagree with each other."
    ),
    NoteStatus.NOT_HELPFUL: gettext_lazy(
        "Not shown on the post: raters, including some who usually disagree, found it not helpful."
    ),
}


def status_explanation(note: CommunityNote) -> str:
    """Why the note is, or is not, shown on its post, for a person."""
    return str(STATUS_EXPLANATIONS.get(note.status, ""))
