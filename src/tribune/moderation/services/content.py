"""Actions on content: remove and restore posts, comments and community notes; lock,
unlock and protect posts.
"""

from __future__ import annotations

from django.db import transaction

from tribune.accounts.models import Member
from tribune.moderation.models import (
    ActionKind,
    ModerationAction,
)
from tribune.moderation.services.log import action_target, clean_duration, log_action_on
from tribune.moderation.targets import (
    Target,
)
from tribune.notes.services import note_set_removed
from tribune.posts.services import (
    post_protect,
    post_set_locked,
    post_set_removed,
)
from tribune.talk.services import comment_remove, comment_restore


def content_remove(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Remove a post (it answers 404 but to moderators), a comment (a tombstone stays) or a
    community note (off its post, the API and the scoring; its moderators still see it)."""
    found, reason = action_target(actor, ActionKind.REMOVE, target, reason)
    with transaction.atomic():
        if found.kind == "post":
            post_set_removed(actor=actor, post_id=found.obj.pk, removed=True)
        elif found.kind == "note":
            note_set_removed(actor=actor, note_id=found.obj.pk, removed=True)
        else:
            comment_remove(actor=actor, comment_id=found.obj.pk)
        return log_removal(actor, found, reason)


def log_removal(actor: Member, found: Target, reason: str) -> ModerationAction:
    """The log line of a removal, which upholds the open reports about what was removed."""
    return log_action_on(actor, ActionKind.REMOVE, found, reason, uphold=True)


def content_restore(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Put a removed post, comment or community note back where it was."""
    found, reason = action_target(actor, ActionKind.RESTORE, target, reason)
    with transaction.atomic():
        content_put_back(actor, found)
        return log_action_on(actor, ActionKind.RESTORE, found, reason)


def content_put_back(actor: Member, found: Target) -> None:
    if found.kind == "post":
        post_set_removed(actor=actor, post_id=found.obj.pk, removed=False)
    elif found.kind == "note":
        note_set_removed(actor=actor, note_id=found.obj.pk, removed=False)
    else:
        comment_restore(actor=actor, comment_id=found.obj.pk)


def post_lock(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Lock a post: nobody edits it or comments on it until it is unlocked."""
    found, reason = action_target(actor, ActionKind.LOCK, target, reason)
    with transaction.atomic():
        post_set_locked(actor=actor, post_id=found.obj.pk, locked=True)
        return log_action_on(actor, ActionKind.LOCK, found, reason, uphold=True)


def post_unlock(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Unlock a post: its edit policy and its talk apply again."""
    found, reason = action_target(actor, ActionKind.UNLOCK, target, reason)
    with transaction.atomic():
        post_set_locked(actor=actor, post_id=found.obj.pk, locked=False)
        return log_action_on(actor, ActionKind.UNLOCK, found, reason)


def post_protect_for(
    *, actor: Member, target: str, reason: str, duration_days: object = None
) -> ModerationAction:
    """Protect a post (only moderators edit it), for `duration_days` or until lifted."""
    found, reason = action_target(actor, ActionKind.PROTECT, target, reason)
    until = clean_duration(ActionKind.PROTECT, duration_days)
    with transaction.atomic():
        post = post_protect(actor=actor, post_id=found.obj.pk, until=until)
        return log_action_on(
            actor,
            ActionKind.PROTECT,
            found,
            reason,
            uphold=True,
            expires_at=until,
            details={"previous_policy": post.policy_before_protection},
        )
