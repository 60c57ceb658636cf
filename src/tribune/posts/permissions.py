"""Who may do what with posts. One function per action; anything not listed is denied."""

from __future__ import annotations

from collections.abc import Set

from django.conf import settings

from tribune.accounts.permissions import (
    ROLLBACK_LEVEL,
    Viewer,
    has_trust_level,
    is_admitted,
    is_sandboxed,
    is_site_moderator,
    is_staff,
)
from tribune.communities.models import Subwiki
from tribune.communities.permissions import (
    EditDecision,
    can_post_in,
    can_view_subwiki,
    edit_decision,
    is_subwiki_moderator,
    is_trusted_editor,
)
from tribune.posts.models import Post


def can_view_post(viewer: Viewer, post: Post) -> bool:
    # Whoever may read its subwiki; a profile post is as public as profiles.
    # Removed posts are for moderators only.
    if post.is_removed and not can_moderate_post(viewer, post):
        return False
    if post.subwiki is None:
        return settings.TRIBUNE_PUBLIC_READ or viewer.is_authenticated
    return can_view_subwiki(viewer, post.subwiki)


def can_create_post(viewer: Viewer, subwiki: Subwiki | None) -> bool:
    # Admitted members, on their profile or in a subwiki they may post in.
    if not is_admitted(viewer):
        return False
    return subwiki is None or can_post_in(viewer, subwiki)


def can_post_links(viewer: Viewer, links: Set[str], before: Set[str] | None = None) -> bool:
    # Any number: members out of the sandbox (accounts.permissions.is_sandboxed). Sandboxed
    # members: up to TRIBUNE_SANDBOX_MAX_LINKS addresses, or an edit that adds none (so
    # that they may fix a typo in a post others filled with links).
    if not viewer.is_authenticated:
        return False
    if not is_sandboxed(viewer) or len(links) <= int(settings.TRIBUNE_SANDBOX_MAX_LINKS):
        return True
    return before is not None and links <= before


def post_edit_decision(viewer: Viewer, post: Post) -> EditDecision:
    # By the post's edit policy in force (communities.permissions.edit_decision); nobody
    # while moderators have locked it.
    if post.locked_at is not None:
        return EditDecision.DENIED
    return edit_decision(
        viewer, policy=post.effective_edit_policy, subwiki=post.subwiki, author=post.author
    )


def can_change_edit_policy(viewer: Viewer, post: Post) -> bool:
    # The author (within what the subwiki allows) and moderators.
    if not is_admitted(viewer):
        return False
    return viewer.pk == post.author_id or can_moderate_post(viewer, post)


def can_moderate_post(viewer: Viewer, post: Post) -> bool:
    # The subwiki's moderators, site moderators and staff; for profile posts, site moderators.
    if not viewer.is_authenticated or viewer.is_suspended:
        return False
    if post.subwiki is None:
        return is_staff(viewer) or is_site_moderator(viewer)
    return is_subwiki_moderator(viewer, post.subwiki)


def can_review_revisions(viewer: Viewer, post: Post) -> bool:
    # Approve or reject pending revisions: trusted editors of the post.
    if not is_admitted(viewer):
        return False
    return is_trusted_editor(viewer, post.subwiki, post.author)


def can_rollback(viewer: Viewer, post: Post) -> bool:
    # Roll back a member's consecutive edits: moderators, and members at ROLLBACK_LEVEL
    # wherever their own edits go live (a rollback is a quicker revert).
    if can_moderate_post(viewer, post):
        return True
    return (
        has_trust_level(viewer, ROLLBACK_LEVEL)
        and post_edit_decision(viewer, post) is EditDecision.LIVE
    )


def can_revert(viewer: Viewer, post: Post) -> bool:
    # Restore an old revision: whoever may edit the post live.
    return post_edit_decision(viewer, post) is EditDecision.LIVE


def can_react(viewer: Viewer, post: Post) -> bool:
    # Upvote (or take one back): admitted members who may read the post, not on removed posts.
    if not is_admitted(viewer) or post.is_removed:
        return False
    return can_view_post(viewer, post)
