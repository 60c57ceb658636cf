"""Community notes: writing, editing and rating them, reading them, and scoring them.

A note adds context to a post. Members at trust level 1 or more write them, one per
member per post; any admitted member who may read the post rates them helpful,
somewhat helpful or not helpful (not their own). The scorer (moderation.scoring)
decides which notes are shown on their post: only those that raters who usually
disagree both find helpful. Only ratings by members at trust level 1 or more count,
so a crowd of new accounts weighs nothing.

A note is as visible as its post: the selectors filter notes by the posts' one
visibility rule (posts.selectors.post_visibility_q), so a note on a post of a
private subwiki never reaches anyone outside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
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
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tribune.accounts.models import Access, Member
from tribune.communities.permissions import Viewer, is_banned
from tribune.core.exceptions import Conflict, Forbidden, NotFound, ServiceError
from tribune.core.pagination import Page as ListPage
from tribune.core.pagination import paginate_keyset
from tribune.core.ratelimit import rate_limit
from tribune.core.textmerge import DiffLine, diff_text
from tribune.moderation.models import (
    CommunityNote,
    Helpfulness,
    NoteClassification,
    NoteRating,
    NoteRevision,
    NoteStatus,
)
from tribune.moderation.note_cards import HAS_NOTES
from tribune.moderation.scoring import RATING_VALUES, Rating, score_notes
from tribune.posts.models import Post
from tribune.posts.permissions import can_moderate_post, can_view_post
from tribune.posts.selectors import post_get, post_visibility_q

# Writing a note takes some standing; so does a rating that counts in the scoring.
WRITER_TRUST_LEVEL = 1
RATER_TRUST_LEVEL = 1
MAX_BODY = 2000
MAX_SOURCES = 5
MAX_SOURCE_LENGTH = 2000
MAX_SUMMARY = 300
# How many notes the post's page lists (helpful ones first); the rest are on its notes page.
POST_PAGE_NOTES = 20

_URL = URLValidator(schemes=["http", "https"])
# Links written in a note's text: Markdown links and bare addresses alike.
_LINK = re.compile(r"https?://[^\s<>\"'()\[\]]+", re.IGNORECASE)


class NoteExists(Conflict):
    code = "note_exists"
    default_detail = gettext_lazy(
        "You have already written a note on this post: edit it instead of adding another."
    )


class Refusal(NamedTuple):
    """Why the viewer may not do something: a stable code and a message for a person."""

    code: str
    message: str


def refuse(refusal: Refusal | None) -> None:
    """Refuse what a refusal is about, with its reason and code; nothing if there is none."""
    if refusal is not None:
        raise Forbidden(refusal.message, code=refusal.code)


# --- Who may do what ---------------------------------------------------------------


def note_refusal(viewer: Viewer, post: Post) -> Refusal | None:
    """Why the viewer may not add a note to the post; None when they may.

    Admitted members at trust level 1 or more who may read the post and are not banned
    from its subwiki, while it is not removed.
    """
    denied = "permission_denied"
    if not viewer.is_authenticated:
        return Refusal(denied, _("Log in to add a note."))
    if viewer.is_suspended:
        return Refusal(denied, _("Your account is suspended: you cannot add notes."))
    if not viewer.is_admitted:
        return Refusal(
            denied, _("Your account is on the waitlist: you can add notes once it is admitted.")
        )
    if post.is_removed:
        return Refusal(denied, _("Moderators removed this post: it takes no more notes."))
    if not can_view_post(viewer, post):
        return Refusal(denied, _("You may not add a note to this post."))
    if post.subwiki is not None and is_banned(viewer, post.subwiki):
        return Refusal(denied, _("You are banned from this subwiki: you cannot add notes here."))
    if viewer.trust_level < WRITER_TRUST_LEVEL:
        return Refusal(
            "trust_level_too_low",
            _(
                "Notes are written by members at trust level 1 or more. Your level rises "
                "as you take part: edits and comments others keep, time, and vouches."
            ),
        )
    return None


def note_edit_refusal(viewer: Viewer, note: CommunityNote) -> Refusal | None:
    """Why the viewer may not edit the note; None when they may (its author, admitted)."""
    denied = "permission_denied"
    if not viewer.is_authenticated or viewer.pk != note.author_id:
        return Refusal(denied, _("Only its author may edit a note."))
    if not viewer.is_admitted:
        return Refusal(denied, _("Your account cannot edit notes now."))
    if note.is_removed or note.post.is_removed:
        return Refusal(denied, _("This note can no longer be edited."))
    if note.post.subwiki is not None and is_banned(viewer, note.post.subwiki):
        return Refusal(denied, _("You are banned from this subwiki: you cannot edit notes here."))
    return None


def rating_refusal(viewer: Viewer, note: CommunityNote) -> Refusal | None:
    """Why the viewer may not rate the note; None when they may.

    Admitted members who may read the post and are not banned from its subwiki, except
    the note's author.
    """
    denied = "permission_denied"
    if not viewer.is_authenticated:
        return Refusal(denied, _("Log in to rate notes."))
    if viewer.is_suspended:
        return Refusal(denied, _("Your account is suspended: you cannot rate notes."))
    if not viewer.is_admitted:
        return Refusal(
            denied, _("Your account is on the waitlist: you can rate notes once it is admitted.")
        )
    if note.is_removed or note.post.is_removed:
        return Refusal(denied, _("This note can no longer be rated."))
    if not can_view_post(viewer, note.post):
        return Refusal(denied, _("You may not rate this note."))
    if note.post.subwiki is not None and is_banned(viewer, note.post.subwiki):
        return Refusal(denied, _("You are banned from this subwiki: you cannot rate notes here."))
    if viewer.pk == note.author_id:
        return Refusal("own_note", _("You cannot rate your own note."))
    return None


def can_write_note(viewer: Viewer, post: Post) -> bool:
    return note_refusal(viewer, post) is None


def can_edit_note(viewer: Viewer, note: CommunityNote) -> bool:
    return note_edit_refusal(viewer, note) is None


def can_rate_note(viewer: Viewer, note: CommunityNote) -> bool:
    return rating_refusal(viewer, note) is None


# --- Input -----------------------------------------------------------------------------


def _clean_body(body: object, errors: dict[str, list[str]]) -> str:
    text = str(body or "").replace("\r\n", "\n").replace("\r", "\n").lstrip("\n").rstrip()
    if "\x00" in text:
        errors["body"] = [_("Remove the NUL character from the text.")]
    elif not text:
        errors["body"] = [_("Please write the note.")]
    elif len(text) > MAX_BODY:
        errors["body"] = [
            _("This is too long: %(n)d characters at most (you wrote %(m)d).")
            % {"n": MAX_BODY, "m": len(text)}
        ]
    return text


def _clean_classification(value: object, errors: dict[str, list[str]]) -> str:
    if value not in NoteClassification.values:
        errors["classification"] = [_("Say whether the post is misleading or not misleading.")]
        return ""
    return str(value)


def links_in(text: str) -> list[str]:
    """The http(s) addresses written in a note's text, in order, each once."""
    found = (match.group(0).rstrip(".,;:!?*_`") for match in _LINK.finditer(text))
    return list(dict.fromkeys(link for link in found if _is_url(link)))


def _is_url(value: str) -> bool:
    if len(value) > MAX_SOURCE_LENGTH:
        return False
    try:
        _URL(value)
    except ValidationError:
        return False
    return True


def _clean_sources(
    sources: Sequence[object] | None, text: str, errors: dict[str, list[str]]
) -> list[str]:
    """The note's source links: those given, or else the links in its text (five at most)."""
    given = [str(s).strip() for s in sources or () if str(s).strip()]
    if not given:
        return links_in(text)[:MAX_SOURCES]
    problems = []
    if len(given) > MAX_SOURCES:
        problems.append(_("Give %(n)d sources at most.") % {"n": MAX_SOURCES})
    for source in given:
        if not _is_url(source):
            problems.append(
                _("“%(source)s” is not a web address (http:// or https://).")
                % {"source": source[:100]}
            )
    if problems:
        errors["sources"] = problems
    return list(dict.fromkeys(given))


def _clean_note(
    classification: object, body: object, sources: Sequence[object] | None
) -> tuple[str, str, list[str]]:
    """A note's fields as stored, or one ServiceError naming every field that is wrong."""
    errors: dict[str, list[str]] = {}
    kind = _clean_classification(classification, errors)
    text = _clean_body(body, errors)
    links = _clean_sources(sources, text, errors)
    if errors:
        raise ServiceError(_("Some fields of the note are not valid."), errors=errors)
    return kind, text, links


def _clean_helpful(value: object) -> str:
    if value not in Helpfulness.values:
        message = _("Rate the note “yes”, “somewhat” or “no”.")
        raise ServiceError(message, code="invalid_rating", errors={"helpful": [message]})
    return str(value)


# --- Services ------------------------------------------------------------------------


def note_create(
    *,
    actor: Member,
    post_id: int | str,
    classification: str,
    body: str,
    sources: Sequence[object] | None = None,
    address: str | None = None,
) -> CommunityNote:
    """Add a note to a post (trust level 1+, once per post); its first version is kept.

    Without sources, the links in the text are the note's sources.
    """
    post = post_get(viewer=actor, post_id=post_id)
    refuse(note_refusal(actor, post))
    kind, text, links = _clean_note(classification, body, sources)
    if CommunityNote.objects.filter(post=post, author=actor).exists():
        raise NoteExists
    rate_limit("note", member=actor, address=address)
    try:
        with transaction.atomic():
            note = CommunityNote.objects.create(
                post=post, author=actor, classification=kind, body=text, sources=links
            )
            NoteRevision.objects.create(
                note=note,
                author=actor,
                created_at=note.created_at,
                classification=kind,
                body=text,
                sources=links,
            )
    except IntegrityError:
        # The same member's other request won the race for the one note per post.
        raise NoteExists from None
    return note


def note_edit(
    *,
    actor: Member,
    note_id: int | str,
    classification: str | None = None,
    body: str | None = None,
    sources: Sequence[object] | None = None,
    summary: str = "",
    address: str | None = None,
) -> CommunityNote:
    """Its author changes a note; the change is kept as a revision with a summary.

    A field left out (None) stays as it is; an empty list of sources takes the links in
    the text.
    """
    note = note_get(viewer=actor, note_id=note_id)
    refuse(note_edit_refusal(actor, note))
    kind, text, links = _clean_note(
        note.classification if classification is None else classification,
        note.body if body is None else body,
        note.sources if sources is None else sources,
    )
    summary = str(summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        message = _("The summary is too long: %(n)d characters at most.") % {"n": MAX_SUMMARY}
        raise ServiceError(message, errors={"summary": [message]})
    rate_limit("edit", member=actor, address=address)
    with transaction.atomic():
        locked = CommunityNote.objects.select_for_update().get(pk=note.pk)
        if (locked.classification, locked.body, locked.sources) == (kind, text, links):
            return note
        now = timezone.now()
        NoteRevision.objects.create(
            note=locked,
            author=actor,
            created_at=now,
            summary=summary,
            classification=kind,
            body=text,
            sources=links,
        )
        CommunityNote.objects.filter(pk=locked.pk).update(
            classification=kind, body=text, sources=links, edited_at=now
        )
    note.classification, note.body, note.sources, note.edited_at = kind, text, links, now
    return note


@dataclass(frozen=True)
class RatingResult:
    note: CommunityNote
    rating: NoteRating
    created: bool  # False when the member changed an earlier rating


def note_rate(
    *, actor: Member, note_id: int | str, helpful: str, address: str | None = None
) -> RatingResult:
    """Rate a note helpful, somewhat or not (once per member; rating again changes it)."""
    note = note_get(viewer=actor, note_id=note_id)
    refuse(rating_refusal(actor, note))
    value = _clean_helpful(helpful)
    rate_limit("note_rating", member=actor, address=address)
    now = timezone.now()
    with transaction.atomic():
        rating = NoteRating.objects.select_for_update().filter(note=note, rater=actor).first()
        created = rating is None
        if rating is None:
            try:
                with transaction.atomic():
                    rating = NoteRating.objects.create(
                        note=note, rater=actor, helpful=value, created_at=now, updated_at=now
                    )
            except IntegrityError:
                # A second request of the same member rated it meanwhile: this one changes it.
                rating = NoteRating.objects.select_for_update().get(note=note, rater=actor)
                created = False
        if not created and rating.helpful != value:
            rating.helpful, rating.updated_at = value, now
            rating.save(update_fields=["helpful", "updated_at"])
    note.my_rating = value  # type: ignore[attr-defined]  # as note_queryset annotates it
    return RatingResult(note=note, rating=rating, created=created)


# --- Selectors -----------------------------------------------------------------------


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


def note_set_removed(*, actor: Member, note_id: int | str, removed: bool) -> CommunityNote:
    """Moderators: take a note off its post, lists, the API and the scoring, or put it back
    (moderation.services logs each)."""
    note = note_get(viewer=actor, note_id=note_id, removed=True)
    if not can_moderate_post(actor, note.post):
        raise Forbidden(_("Only moderators may do this."))
    changed = CommunityNote.objects.filter(pk=note.pk, is_removed=not removed).update(
        is_removed=removed
    )
    if not changed:
        raise Conflict(
            _("This note is removed already.") if removed else _("This note is not removed."),
            code="no_change",
        )
    note.is_removed = removed
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


# --- Scoring ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRun:
    """What a run of the scorer did."""

    scored: int  # notes with at least one rating
    changed: int  # notes whose status changed
    helpful: int  # notes helpful after the run


def eligible_raters() -> set[int]:
    """Members whose ratings count: trust level 1 or more, and not suspended."""
    raters = NoteRating.objects.values("rater_id")
    return set(
        Member.objects.filter(pk__in=raters, trust_level__gte=RATER_TRUST_LEVEL, is_active=True)
        .exclude(access=Access.SUSPENDED)
        .values_list("pk", flat=True)
    )


def notes_score() -> ScoreRun:
    """Score every note from every rating (moderation.scoring) and store the results.

    Ratings by members below trust level 1 are left out of the model (their notes still
    count them on their pages, but they move no status).
    """
    rows = (
        NoteRating.objects.filter(note__is_removed=False)
        .order_by()
        .values_list("rater_id", "note_id", "helpful")
    )
    ratings = [
        Rating(rater, note, RATING_VALUES[helpful])
        for rater, note, helpful in rows.iterator(chunk_size=5000)
    ]
    scores = score_notes(ratings, eligible=eligible_raters())
    now = timezone.now()
    fields = ["status", "intercept", "factor", "rating_count", "scored_at"]
    to_write: list[CommunityNote] = []
    changed = 0
    notes = CommunityNote.objects.filter(is_removed=False).only("pk", *fields)
    for note in notes.iterator(chunk_size=2000):
        score = scores.get(note.pk)
        if score is None:
            if note.scored_at is None:
                continue  # never rated: nothing to write
            status: str = NoteStatus.NEEDS_MORE_RATINGS
            intercept, factor, count = None, None, 0
        else:
            status, intercept, factor, count = (
                score.status,
                score.intercept,
                score.factor,
                score.ratings,
            )
        if note.status != status:
            changed += 1
        note.status, note.intercept, note.factor = status, intercept, factor
        note.rating_count, note.scored_at = count, now
        to_write.append(note)
    with transaction.atomic():
        CommunityNote.objects.bulk_update(to_write, fields, batch_size=500)
    helpful = CommunityNote.objects.filter(status=NoteStatus.HELPFUL, is_removed=False).count()
    return ScoreRun(scored=len(scores), changed=changed, helpful=helpful)


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
