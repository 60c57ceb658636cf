"""Community notes: writing, editing, rating and removing them, and scoring them.

A note adds context to a post. Members at trust level 1 or more write them, one per
member per post; any admitted member who may read the post rates them helpful,
somewhat helpful or not helpful (not their own). The scorer (notes.scoring) decides
which notes are shown on their post: only those that raters who usually disagree both
find helpful. Only ratings by members at trust level 1 or more count, so a crowd of
new accounts weighs nothing. Who may do what is in notes.permissions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tribune.accounts.models import Access, Member
from tribune.accounts.permissions import RATER_TRUST_LEVEL
from tribune.core.exceptions import Conflict, Forbidden, ServiceError
from tribune.core.ratelimit import rate_limit
from tribune.notes.models import (
    CommunityNote,
    Helpfulness,
    NoteClassification,
    NoteRating,
    NoteRevision,
    NoteStatus,
)
from tribune.notes.permissions import (
    can_remove_note,
    note_edit_refusal,
    note_refusal,
    rating_refusal,
    refuse,
)
from tribune.notes.scoring import RATING_VALUES, Rating, score_notes
from tribune.notes.selectors import note_get
from tribune.posts.selectors import post_get

MAX_BODY = 2000
MAX_SOURCES = 5
MAX_SOURCE_LENGTH = 2000
MAX_SUMMARY = 300

_URL = URLValidator(schemes=["http", "https"])
# Links written in a note's text: Markdown links and bare addresses alike.
_LINK = re.compile(r"https?://[^\s<>\"'()\[\]]+", re.IGNORECASE)


class NoteExists(Conflict):
    code = "note_exists"
    default_detail = gettext_lazy(
        "You have already written a note on this post: edit it instead of adding another."
    )


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


# --- Writes -------------------------------------------------------------------------


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


def note_set_removed(*, actor: Member, note_id: int | str, removed: bool) -> CommunityNote:
    """Moderators: take a note off its post, lists, the API and the scoring, or put it back
    (moderation.services logs each)."""
    note = note_get(viewer=actor, note_id=note_id, removed=True)
    if not can_remove_note(actor, note):
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
    """Score every note from every rating (notes.scoring) and store the results.

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
