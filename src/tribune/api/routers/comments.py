"""A post's talk: threaded comments, replies, edits (history kept), deletes and removals.

The endpoints are thin: the talk's services and selectors hold every rule (who may
comment, edit, delete or remove; what a private post's talk shows to whom).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field, PlainValidator
from pydantic_core import PydanticCustomError

from tribune.accounts.permissions import Viewer
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
from tribune.core.ratelimit import client_address
from tribune.moderation.services.reviews import comment_remove_logged
from tribune.posts.selectors import post_get
from tribune.talk.models import Comment
from tribune.talk.selectors import comment_get, comment_revisions, comments_html, comments_page
from tribune.talk.selectors import texts_html as render_texts
from tribune.talk.services import (
    MAX_BODY,
    comment_create,
    comment_delete,
    comment_edit,
)

router = Router(tags=["talk"])


class CommentOut(Schema):
    id: str
    post: str
    parent: str | None = Field(description="The comment this one replies to; null for a thread.")
    depth: int = Field(
        description="0 for a comment on the post, 1 for a reply to it, ... (8 at most)."
    )
    author: AuthorOut | None = Field(description="Null when the comment is deleted or removed.")
    body: str = Field(description="Markdown; empty when the comment is deleted or removed.")
    body_html: str = Field(
        description="The body rendered and sanitised, @mentions linked to profiles."
    )
    state: Literal["visible", "deleted", "removed"] = Field(
        description=(
            "`deleted` by its author or `removed` by a moderator: a tombstone that keeps "
            "the thread's shape."
        )
    )
    created_at: dt.datetime
    edited_at: dt.datetime | None = Field(description="When its author last changed it.")


class CommentRevisionOut(Schema):
    body: str = Field(description="An earlier text of the comment (Markdown).")
    body_html: str
    created_at: dt.datetime = Field(description="When this text was written.")


def comment_out(comment: Comment, body_html: str) -> CommentOut:
    """A comment as the API shows it (a tombstone shows neither author nor text)."""
    visible = comment.is_visible
    return CommentOut(
        id=str(comment.pk),
        post=str(comment.post_id),
        parent=str(comment.parent_id) if comment.parent_id is not None else None,
        depth=comment.depth,
        author=(
            AuthorOut(
                id=str(comment.author.pk),
                username=comment.author.username,
                name=comment.author.name,
            )
            if visible
            else None
        ),
        body=comment.body if visible else "",
        body_html=body_html if visible else "",
        state=comment.state,  # type: ignore[arg-type]  # CommentState values
        created_at=comment.created_at,
        edited_at=comment.edited_at,
    )


def comments_out(viewer: Viewer, comments: Sequence[Comment]) -> list[CommentOut]:
    html = comments_html(viewer=viewer, comments=comments)
    return [comment_out(c, str(html.get(c.pk, ""))) for c in comments]


def _comment_id(value: object) -> int | str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PydanticCustomError(
            "comment_id", gettext("Send a comment id: a number, or a string of digits.")
        )
    return value


# A comment id as a client sends it: a string as in answers, or a number.
CommentId = Annotated[int | str, PlainValidator(_comment_id, json_schema_input_type=int | str)]


LIST_DESCRIPTION = """The post's talk as a flat list in thread order: each comment is
followed by its replies (oldest first at every level), with `parent` and `depth` to
rebuild the threads. Deleted and removed comments stay as tombstones (`state`), without
author or text, so that their replies keep their place.

The cursor pages over that flat list (`limit`, 1 to 100, counts comments): `next_cursor`
names the last comment given, and the next page starts right after it. Comments are
never taken out of a talk, so paging never skips or repeats one; a reply posted
meanwhile to a thread you already paged past is not in the later pages (read the talk
again to see it)."""


@router.get(
    "/posts/{post_id}/comments",
    response={200: ListOut[CommentOut], **ERRORS},
    auth=optional_auth,
    description=LIST_DESCRIPTION,
)
def list_comments(
    request: HttpRequest, post_id: str, params: Query[ListParams]
) -> ListOut[CommentOut]:
    """A post's talk, in thread order."""
    viewer = viewer_of(request)
    post = post_get(viewer=viewer, post_id=post_id)
    page = comments_page(viewer=viewer, post=post, cursor=params.cursor, limit=params.limit)
    return ListOut[CommentOut](items=comments_out(viewer, page.items), next_cursor=page.next_cursor)


class CommentIn(InSchema):
    body: str = Field(
        description="Markdown, up to 10,000 characters; `@username` mentions a member.",
        json_schema_extra={"maxLength": MAX_BODY},
    )
    parent: CommentId | None = Field(
        None,
        description=(
            "The comment to reply to (of the same post); null or left out for a new thread. "
            "Replies nest 8 deep at most: a reply to a comment that deep joins its parent."
        ),
    )


@router.post(
    "/posts/{post_id}/comments",
    response={201: CommentOut, **ERRORS},
    auth=admitted_auth,
    description=(
        "Comment on a post, or reply to one of its comments with `parent`. Admitted members "
        "who may read the post may comment. A reply to a deleted or removed comment answers "
        "400 with code `parent_gone`; a `parent` of another post, `invalid_parent`."
    ),
)
def create_comment(request: HttpRequest, post_id: str, payload: CommentIn) -> Status[CommentOut]:
    """Comment on a post, or reply."""
    member = member_of(request)
    comment = comment_create(
        author=member,
        post_id=post_get(viewer=member, post_id=post_id).pk,
        body=payload.body,
        parent_id=payload.parent,
        address=client_address(request),
    )
    return Status(201, comments_out(member, [comment])[0])


@router.get(
    "/comments/{comment_id}",
    response={200: CommentOut, **ERRORS},
    auth=optional_auth,
)
def get_comment(request: HttpRequest, comment_id: str) -> CommentOut:
    """One comment."""
    viewer = viewer_of(request)
    return comments_out(viewer, [comment_get(viewer=viewer, comment_id=comment_id)])[0]


@router.get(
    "/comments/{comment_id}/revisions",
    response={200: list[CommentRevisionOut], **ERRORS},
    auth=optional_auth,
    description=(
        "The earlier texts of an edited comment, newest first (the current text is the "
        "comment's `body`). Empty for a comment never edited, and for a tombstone."
    ),
)
def list_comment_revisions(request: HttpRequest, comment_id: str) -> list[CommentRevisionOut]:
    """A comment's earlier texts."""
    viewer = viewer_of(request)
    comment = comment_get(viewer=viewer, comment_id=comment_id)
    revisions = comment_revisions(comment=comment) if comment.is_visible else []
    html = render_texts(viewer=viewer, texts=[r.body for r in revisions])
    return [
        CommentRevisionOut(body=r.body, body_html=str(h), created_at=r.created_at)
        for r, h in zip(revisions, html, strict=True)
    ]


class CommentPatchIn(InSchema):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(
        description="The new text (Markdown); the old one is kept as an earlier version.",
        json_schema_extra={"maxLength": MAX_BODY},
    )


@router.patch(
    "/comments/{comment_id}",
    response={200: CommentOut, **ERRORS_AND_CONFLICT},
    auth=admitted_auth,
    description=(
        "Its author edits a comment; the text it replaces stays readable in "
        "`/comments/{id}/revisions`, and `edited_at` says when. A deleted or removed "
        "comment cannot be edited."
    ),
)
def edit_comment(request: HttpRequest, comment_id: str, payload: CommentPatchIn) -> CommentOut:
    """Edit one's comment."""
    member = member_of(request)
    comment = comment_edit(
        actor=member, comment_id=comment_id, body=payload.body, address=client_address(request)
    )
    return comments_out(member, [comment])[0]


@router.delete(
    "/comments/{comment_id}",
    response={200: CommentOut, **ERRORS_AND_CONFLICT},
    auth=admitted_auth,
    description=(
        "Its author deletes a comment (`state` becomes `deleted`: its text and earlier texts "
        "are erased); the post's moderators remove someone else's (`state` becomes "
        "`removed`). Either way a tombstone keeps the thread's shape. `409` with code "
        "`already_gone` when it is deleted or removed already."
    ),
)
def delete_comment(request: HttpRequest, comment_id: str) -> CommentOut:
    """Delete one's comment, or remove someone else's (moderators)."""
    member = member_of(request)
    comment = comment_get(viewer=member, comment_id=comment_id)
    if comment.author_id == member.pk:
        comment = comment_delete(actor=member, comment_id=comment.pk)
    else:
        comment = comment_remove_logged(actor=member, comment_id=comment.pk)
    return comments_out(member, [comment])[0]
