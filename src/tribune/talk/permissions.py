"""Who may do what in a post's talk. One function per action; anything not listed is denied.

Every function takes the comment with its post loaded (the selectors load it), so
that a thread of any length costs no query per comment.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tribune.accounts.permissions import Viewer
from tribune.communities.permissions import is_banned
from tribune.posts.models import Post
from tribune.posts.permissions import can_moderate_post, can_view_post
from tribune.talk.models import Comment


def comment_refusal(viewer: Viewer, post: Post) -> str | None:
    """Why the viewer may not comment on the post, for a person; None when they may."""
    if not viewer.is_authenticated:
        return _("Log in to take part in the talk.")
    if viewer.is_suspended:
        return _("Your account is suspended: you cannot comment.")
    if not viewer.is_admitted:
        return _("Your account is on the waitlist: you can comment once it is admitted.")
    if post.is_removed:
        return _("Moderators removed this post: its talk is closed.")
    if not can_view_post(viewer, post):
        return _("You may not comment on this post.")
    if post.locked_at is not None:
        return _("Moderators locked this post: its talk is closed.")
    if post.subwiki is not None and is_banned(viewer, post.subwiki):
        return _("You are banned from this subwiki: you cannot comment here.")
    return None


def can_comment(viewer: Viewer, post: Post) -> bool:
    # Admitted members who may read the post, while the post is neither removed nor locked,
    # and who are not banned from its subwiki.
    return comment_refusal(viewer, post) is None


def can_view_comment(viewer: Viewer, comment: Comment) -> bool:
    # Whoever may read its post (a tombstone shows no text, whoever reads it).
    return can_view_post(viewer, comment.post)


def comment_edit_refusal(viewer: Viewer, comment: Comment) -> str | None:
    """Why the viewer may not edit the comment, for a person; None when they may."""
    if not viewer.is_authenticated or viewer.pk != comment.author_id:
        return _("Only its author may edit a comment.")
    if not comment.is_visible:
        return _("This comment was deleted or removed: it can no longer be edited.")
    if not viewer.is_admitted:
        return _("Your account cannot edit comments now.")
    if comment.post.locked_at is not None:
        return _("Moderators locked this post: its talk is closed.")
    if comment.post.subwiki is not None and is_banned(viewer, comment.post.subwiki):
        return _("You are banned from this subwiki: you cannot edit comments here.")
    return None


def can_edit_comment(viewer: Viewer, comment: Comment) -> bool:
    # Its author, admitted, while the comment is visible, the post not locked and the
    # author not banned from its subwiki.
    return comment_edit_refusal(viewer, comment) is None


def can_delete_comment(viewer: Viewer, comment: Comment) -> bool:
    # Its author, whatever their access (what one wrote is one's own to withdraw).
    return viewer.is_authenticated and viewer.pk == comment.author_id and comment.is_visible


def can_remove_comment(viewer: Viewer, comment: Comment) -> bool:
    # The post's moderators (tribune.posts.permissions.can_moderate_post).
    return comment.is_visible and can_moderate_post(viewer, comment.post)
