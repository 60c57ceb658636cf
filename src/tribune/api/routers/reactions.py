"""Upvotes: `POST` / `DELETE /api/v1/posts/{id}/reactions` with `{"kind": "upvote"}` (API.md).

Thin endpoints over posts.reactions, which holds the rules: one upvote per member
per post, counted once however often it is sent, never used to order a feed.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from tribune.api.auth import admitted_auth
from tribune.api.routers.posts import member_of
from tribune.api.schemas import ERRORS, InSchema
from tribune.posts.models import ReactionKind
from tribune.posts.reactions import ReactionResult, reaction_add, reaction_remove

router = Router(tags=["posts"])


class ReactionIn(InSchema):
    # Read as text so that an unknown kind gets the service's own answer (`invalid_kind`).
    kind: str = Field(
        description="`upvote`, the one kind there is (no downvotes).",
        json_schema_extra={"enum": [ReactionKind.UPVOTE.value]},
    )


class ReactionOut(Schema):
    post: str = Field(description="The post's id.")
    kind: Literal["upvote"]
    upvoted: bool = Field(description="Whether you upvote the post now.")
    upvote_count: int = Field(description="How many members upvote the post.")


def reaction_out(result: ReactionResult) -> ReactionOut:
    return ReactionOut(
        post=str(result.post.pk),
        kind=result.kind,  # type: ignore[arg-type]  # ReactionKind values
        upvoted=result.upvoted,
        upvote_count=result.upvote_count,
    )


REACTION_RULES = (
    "Upvotes count once per member however often they are sent, are shown on posts, and "
    "never order the chronological feeds. A post one may not read answers `404`; a removed "
    "post `403` with code `post_removed`; an unknown kind `400` with code `invalid_kind`."
)


@router.post(
    "/posts/{post_id}/reactions",
    response={200: ReactionOut, **ERRORS},
    auth=admitted_auth,
    description="Upvote a post (idempotent). " + REACTION_RULES,
)
def add_reaction(request: HttpRequest, post_id: str, payload: ReactionIn) -> ReactionOut:
    """Upvote a post."""
    return reaction_out(reaction_add(actor=member_of(request), post_id=post_id, kind=payload.kind))


@router.delete(
    "/posts/{post_id}/reactions",
    response={200: ReactionOut, **ERRORS},
    auth=admitted_auth,
    description="Take your upvote back (idempotent). " + REACTION_RULES,
)
def remove_reaction(request: HttpRequest, post_id: str, payload: ReactionIn) -> ReactionOut:
    """Take an upvote back."""
    return reaction_out(
        reaction_remove(actor=member_of(request), post_id=post_id, kind=payload.kind)
    )
