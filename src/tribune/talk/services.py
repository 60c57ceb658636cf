"""Every write to a post's talk: comment, reply, edit (history kept), delete, remove.

A comment is never taken out of its thread: deleting or removing it leaves a
tombstone in its place, so that the replies under it keep their shape.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.core.exceptions import Conflict, Forbidden, ServiceError
from tribune.core.ratelimit import rate_limit
from tribune.posts.models import Post
from tribune.posts.permissions import can_moderate_post
from tribune.posts.selectors import post_get
from tribune.talk.models import Comment, CommentRevision, CommentState
from tribune.talk.permissions import (
    can_delete_comment,
    can_remove_comment,
    comment_edit_refusal,
    comment_refusal,
)
from tribune.talk.selectors import as_id, comment_get, comment_mentioned_readers
from tribune.talk.signals import comment_posted

MAX_BODY = 10_000
# The deepest a reply sits (a comment on the post is at depth 0). A reply to a comment
# this deep joins that comment's parent: a long back-and-forth goes on at this depth
# instead of drifting off the side of a phone's screen.
MAX_DEPTH = 8


def clean_body(body: object) -> str:
    """A comment's Markdown as it will be stored (LF line ends), or a ServiceError on `body`."""
    text = str(body).replace("\r\n", "\n").replace("\r", "\n")
    # Leading spaces may be Markdown (an indented code block): only blank lines go.
    text = text.lstrip("\n").rstrip()
    if "\x00" in text:
        raise ServiceError(
            _("This text contains a NUL character."),
            errors={"body": [_("Remove the NUL character from the text.")]},
        )
    if not text:
        raise ServiceError(
            _("Please write something."), errors={"body": [_("Please write something.")]}
        )
    if len(text) > MAX_BODY:
        message = _("This is too long: %(n)d characters at most (you wrote %(m)d).") % {
            "n": MAX_BODY,
            "m": len(text),
        }
        raise ServiceError(message, errors={"body": [message]})
    return text


def _parent_for(post: Post, parent_id: object) -> Comment:
    """The comment a reply goes under: one of the post's, still there, not too deep."""
    pk = as_id(parent_id)
    parent = (
        Comment.objects.select_related("parent").filter(pk=pk, post=post).first()
        if pk is not None
        else None
    )
    if parent is None:
        raise ServiceError(
            _("The comment you reply to is not part of this post's talk."),
            code="invalid_parent",
            errors={"parent": [_("Unknown comment.")]},
        )
    if not parent.is_visible:
        message = _("This comment was deleted or removed: it can no longer be replied to.")
        raise ServiceError(message, code="parent_gone", errors={"parent": [message]})
    while parent.depth >= MAX_DEPTH and parent.parent is not None:
        parent = parent.parent
    return parent


def comment_create(
    *,
    author: Member,
    post_id: int | str,
    body: str,
    parent_id: int | str | None = None,
    address: str | None = None,
) -> Comment:
    """Comment on a post, or reply to one of its comments (`parent_id`)."""
    post = post_get(viewer=author, post_id=post_id)
    refusal = comment_refusal(author, post)
    if refusal is not None:
        raise Forbidden(refusal)
    text = clean_body(body)
    parent = _parent_for(post, parent_id) if parent_id not in (None, "") else None
    rate_limit("comment", member=author, address=address)
    with transaction.atomic():
        comment = Comment.objects.create(
            post=post,
            subwiki_id=post.subwiki_id,
            parent=parent,
            author=author,
            body=text,
            depth=parent.depth + 1 if parent is not None else 0,
        )
        Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
        transaction.on_commit(partial(_announce, comment.pk))
    return comment


def _announce(comment_id: int) -> None:
    """Tell the receivers of comment_posted about a committed comment and whom it mentions."""
    if not comment_posted.has_listeners(Comment):
        return
    comment = Comment.objects.select_related("author", "post__subwiki", "parent__author").get(
        pk=comment_id
    )
    mentioned = comment_mentioned_readers(comment=comment)
    # Notifications (a later issue) plug in here, as a receiver: replies and mentions.
    comment_posted.send(sender=Comment, comment=comment, mentioned=mentioned)


def comment_edit(
    *, actor: Member, comment_id: int | str, body: str, address: str | None = None
) -> Comment:
    """Change one's comment; the text it replaces is kept as an earlier version."""
    comment = comment_get(viewer=actor, comment_id=comment_id)
    refusal = comment_edit_refusal(actor, comment)
    if refusal is not None:
        raise Forbidden(refusal)
    text = clean_body(body)
    rate_limit("comment", member=actor, address=address)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if not locked.is_visible:
            raise Conflict(_("This comment was deleted meanwhile: it can no longer be edited."))
        if locked.body == text:
            return comment
        CommentRevision.objects.create(
            comment=locked, body=locked.body, created_at=locked.edited_at or locked.created_at
        )
        comment.body = text
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "edited_at"])
    return comment


def _retire(comment: Comment, state: CommentState, **changes: object) -> bool:
    """Turn a visible comment into a tombstone; False if it was one already (a race)."""
    with transaction.atomic():
        changed = Comment.objects.filter(pk=comment.pk, state=CommentState.VISIBLE).update(
            state=state, **changes
        )
        if changed:
            Post.objects.filter(pk=comment.post_id, comment_count__gt=0).update(
                comment_count=F("comment_count") - 1
            )
    if changed:
        comment.state = state
        for name, value in changes.items():
            setattr(comment, name, value)
    return bool(changed)


def comment_delete(*, actor: Member, comment_id: int | str) -> Comment:
    """Withdraw one's comment: its text and earlier texts are erased, a tombstone stays."""
    comment = comment_get(viewer=actor, comment_id=comment_id)
    if not can_delete_comment(actor, comment):
        if comment.author_id != actor.pk:
            raise Forbidden(_("Only its author may delete a comment; moderators may remove it."))
        raise Conflict(_("This comment is already deleted or removed."), code="already_gone")
    with transaction.atomic():
        if not _retire(comment, CommentState.DELETED, body=""):
            raise Conflict(_("This comment is already deleted or removed."), code="already_gone")
        # What the author withdrew is theirs: no earlier version of it stays either.
        CommentRevision.objects.filter(comment=comment).delete()
    return comment


def comment_remove(*, actor: Member, comment_id: int | str) -> Comment:
    """Moderators: take a comment out of the talk; a tombstone stays, the text is kept."""
    comment = comment_get(viewer=actor, comment_id=comment_id)
    if not can_moderate_post(actor, comment.post):
        raise Forbidden(_("Only moderators may remove comments."))
    if not can_remove_comment(actor, comment):
        raise Conflict(_("This comment is already deleted or removed."), code="already_gone")
    if not _retire(comment, CommentState.REMOVED):
        raise Conflict(_("This comment is already deleted or removed."), code="already_gone")
    return comment


def comment_restore(*, actor: Member, comment_id: int | str) -> Comment:
    """Moderators: put a comment they removed back in the talk, as it was."""
    comment = comment_get(viewer=actor, comment_id=comment_id)
    if not can_moderate_post(actor, comment.post):
        raise Forbidden(_("Only moderators may restore comments."))
    with transaction.atomic():
        changed = Comment.objects.filter(pk=comment.pk, state=CommentState.REMOVED).update(
            state=CommentState.VISIBLE
        )
        if changed:
            Post.objects.filter(pk=comment.post_id).update(comment_count=F("comment_count") + 1)
    if not changed:
        # A comment its author deleted is gone with its text: only removals are undone.
        raise Conflict(_("Only a comment removed by moderators can be restored."), code="no_change")
    comment.state = CommentState.VISIBLE
    return comment
