"""Community notes: a post's notes, adding one, rating one (API.md), and as additions one
note and its author's edit.

The endpoints are thin: notes holds every rule (who may write, edit and rate,
one note per member per post, what a private post's notes show to whom).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from tribune.api.auth import admitted_auth, optional_auth
from tribune.api.helpers import member_of, viewer_of
from tribune.api.schemas import (
    ERRORS,
    ERRORS_AND_CONFLICT,
    AuthorOut,
    InSchema,
    ListOut,
    ListParams,
)
from tribune.core.markdown import render_markdown
from tribune.core.ratelimit import client_address
from tribune.notes.models import CommunityNote, Helpfulness, NoteClassification
from tribune.notes.selectors import note_get, post_notes, rating_summary
from tribune.notes.services import (
    MAX_BODY,
    MAX_SOURCES,
    MAX_SUMMARY,
    note_create,
    note_edit,
    note_rate,
)
from tribune.posts.selectors import post_get

router = Router(tags=["community notes"])

ClassificationName = Literal["misleading", "not_misleading"]
StatusName = Literal["needs_more_ratings", "helpful", "not_helpful"]
HelpfulName = Literal["yes", "somewhat", "no"]


class RatingCountsOut(Schema):
    yes: int = Field(description="Members who rated it helpful.")
    somewhat: int = Field(description="Members who rated it somewhat helpful.")
    no: int = Field(description="Members who rated it not helpful.")


class NoteOut(Schema):
    id: str
    post: str = Field(description="The post's id.")
    author: AuthorOut
    classification: ClassificationName = Field(description="What the note says of the post.")
    body: str = Field(description="Markdown.")
    body_html: str = Field(description="The body rendered and sanitised.")
    sources: list[str] = Field(description="The note's source links (http or https).")
    status: StatusName = Field(
        description=(
            "`helpful` once members who usually disagree both rate it helpful (then it is "
            "shown on the post); `not_helpful` when raters find it unhelpful; else "
            "`needs_more_ratings`. Set by the scorer, which runs every 15 minutes."
        )
    )
    rating_count: int = Field(description="How many members rated it.")
    ratings: RatingCountsOut = Field(description="Addition: the ratings, by answer.")
    my_rating: HelpfulName | None = Field(
        description="Addition: your rating of it, or null (always null without a token)."
    )
    created_at: dt.datetime
    edited_at: dt.datetime | None = Field(description="Addition: when its author last edited it.")
    scored_at: dt.datetime | None = Field(
        description="Addition: when the scorer last set its status; null before any rating."
    )


def note_out(note: CommunityNote) -> NoteOut:
    """A note as the API shows it (from notes' selectors, with its counts)."""
    counts = rating_summary(note)
    return NoteOut(
        id=str(note.pk),
        post=str(note.post_id),
        author=AuthorOut(
            id=str(note.author.pk), username=note.author.username, name=note.author.name
        ),
        classification=note.classification,  # type: ignore[arg-type]  # NoteClassification
        body=note.body,
        body_html=str(render_markdown(note.body)),
        sources=list(note.sources),
        status=note.status,  # type: ignore[arg-type]  # NoteStatus values
        rating_count=counts.total,
        ratings=RatingCountsOut(yes=counts.yes, somewhat=counts.somewhat, no=counts.no),
        my_rating=getattr(note, "my_rating", None),
        created_at=note.created_at,
        edited_at=note.edited_at,
        scored_at=note.scored_at,
    )


RULES = (
    "A note is as visible as its post: a post one may not read answers `404`. Members at "
    "trust level 1 or more who may read the post write notes (a lower level answers `403` "
    "with code `trust_level_too_low`), one per member per post (`409` with code "
    "`note_exists`: edit it instead)."
)


@router.get(
    "/posts/{post_id}/notes",
    response={200: ListOut[NoteOut], **ERRORS},
    auth=optional_auth,
    description="A post's community notes, newest first, each with its status. " + RULES,
)
def list_notes(request: HttpRequest, post_id: str, params: Query[ListParams]) -> ListOut[NoteOut]:
    """A post's community notes."""
    viewer = viewer_of(request)
    post = post_get(viewer=viewer, post_id=post_id)
    page = post_notes(viewer=viewer, post=post, cursor=params.cursor, limit=params.limit)
    return ListOut[NoteOut].from_page(page, note_out)


class NoteIn(InSchema):
    body: str = Field(
        description="The note, in Markdown: context people who disagree would both find useful.",
        json_schema_extra={"maxLength": MAX_BODY},
    )
    # Read as text so that an unknown value gets the service's own field error.
    classification: str = Field(
        description="Whether the post is `misleading` or `not_misleading`.",
        json_schema_extra={"enum": list(NoteClassification.values)},
    )
    sources: list[str] | None = Field(
        None,
        description=(
            f"Addition: up to {MAX_SOURCES} source links (http or https). Left out or empty, "
            "the links in the body are the note's sources."
        ),
        json_schema_extra={"maxItems": MAX_SOURCES},
    )


@router.post(
    "/posts/{post_id}/notes",
    response={201: NoteOut, **ERRORS_AND_CONFLICT},
    auth=admitted_auth,
    description="Add a community note to a post. " + RULES,
)
def create_note(request: HttpRequest, post_id: str, payload: NoteIn) -> Status[NoteOut]:
    """Add a note to a post."""
    member = member_of(request)
    note = note_create(
        actor=member,
        post_id=post_get(viewer=member, post_id=post_id).pk,
        classification=payload.classification,
        body=payload.body,
        sources=payload.sources,
        address=client_address(request),
    )
    return Status(201, note_out(note_get(viewer=member, note_id=note.pk)))


@router.get(
    "/notes/{note_id}",
    response={200: NoteOut, **ERRORS},
    auth=optional_auth,
    description="Addition: one community note, with its ratings. " + RULES,
)
def get_note(request: HttpRequest, note_id: str) -> NoteOut:
    """One community note."""
    return note_out(note_get(viewer=viewer_of(request), note_id=note_id))


class NotePatchIn(InSchema):
    model_config = ConfigDict(extra="forbid")

    body: str | None = Field(None, json_schema_extra={"maxLength": MAX_BODY})
    classification: str | None = Field(
        None, json_schema_extra={"enum": list(NoteClassification.values)}
    )
    sources: list[str] | None = Field(
        None,
        description="The new source links; empty takes the links in the body.",
        json_schema_extra={"maxItems": MAX_SOURCES},
    )
    summary: str = Field(
        "",
        description="What changed and why, for the note's history.",
        json_schema_extra={"maxLength": MAX_SUMMARY},
    )


@router.patch(
    "/notes/{note_id}",
    response={200: NoteOut, **ERRORS},
    auth=admitted_auth,
    description=(
        "Addition: its author edits a note (fields left out stay as they are); every "
        "version is kept in the note's history. Anyone else answers `403`."
    ),
)
def edit_note(request: HttpRequest, note_id: str, payload: NotePatchIn) -> NoteOut:
    """Edit one's note."""
    member = member_of(request)
    note = note_edit(
        actor=member,
        note_id=note_id,
        classification=payload.classification,
        body=payload.body,
        sources=payload.sources,
        summary=payload.summary,
        address=client_address(request),
    )
    return note_out(note_get(viewer=member, note_id=note.pk))


class RatingIn(InSchema):
    # Read as text so that an unknown answer gets the service's `invalid_rating`.
    helpful: str = Field(
        description="`yes`, `somewhat` or `no`.",
        json_schema_extra={"enum": list(Helpfulness.values)},
    )


class RatingOut(Schema):
    note: str = Field(description="The note's id.")
    helpful: HelpfulName
    created_at: dt.datetime = Field(description="When you first rated the note.")
    updated_at: dt.datetime = Field(description="When you last changed your rating.")


@router.post(
    "/notes/{note_id}/ratings",
    response={200: RatingOut, 201: RatingOut, **ERRORS},
    auth=admitted_auth,
    description=(
        "Rate a note: one rating per member, which rating again changes (`201` the first "
        "time, `200` after). Admitted members who may read the post rate notes, except "
        "their own (`403` with code `own_note`); an unknown answer is `400` with code "
        "`invalid_rating`. Only ratings by members at trust level 1 or more count in the "
        "scoring."
    ),
)
def rate_note(request: HttpRequest, note_id: str, payload: RatingIn) -> Status[RatingOut]:
    """Rate a note (or change one's rating)."""
    result = note_rate(
        actor=member_of(request),
        note_id=note_id,
        helpful=payload.helpful,
        address=client_address(request),
    )
    rating = result.rating
    out = RatingOut(
        note=str(result.note.pk),
        helpful=rating.helpful,  # type: ignore[arg-type]  # Helpfulness values
        created_at=rating.created_at,
        updated_at=rating.updated_at,
    )
    return Status(201 if result.created else 200, out)
