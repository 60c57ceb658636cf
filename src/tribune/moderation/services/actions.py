"""Taking a moderation action by name: the one door of the API and the queue."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.moderation.models import (
    ActionKind,
    ModerationAction,
)
from tribune.moderation.services.content import (
    content_remove,
    content_restore,
    post_lock,
    post_protect_for,
    post_unlock,
)
from tribune.moderation.services.log import ACTIONS, TIMED, clean_duration, field_error
from tribune.moderation.services.reports import report_dismiss
from tribune.moderation.services.reviews import (
    edits_rollback,
    revision_approve_logged,
    revision_patrol,
    revision_reject_logged,
)
from tribune.moderation.services.sanctions import (
    member_ban,
    member_suspend,
    member_unban,
    member_unsuspend,
)


def moderation_act(
    *,
    actor: Member,
    action: str,
    target: str,
    reason: str = "",
    duration_days: object = None,
    subwiki: str | None = None,
) -> ModerationAction:
    """Take one moderation action by name (the API's and the queue's one door to them)."""
    if action not in ACTIONS:
        raise field_error(
            "action",
            _("Unknown action. Choose one of: %(actions)s.") % {"actions": ", ".join(ACTIONS)},
            "invalid_action",
        )
    if duration_days not in (None, "") and action not in TIMED:
        clean_duration(action, duration_days)  # refuses it with a reason
    if subwiki and action not in {ActionKind.BAN, ActionKind.UNBAN}:
        raise field_error(
            "subwiki", _("Only a ban or an unban names a subwiki."), "invalid_subwiki"
        )
    simple: dict[str, Callable[..., ModerationAction]] = {
        ActionKind.REMOVE: content_remove,
        ActionKind.RESTORE: content_restore,
        ActionKind.LOCK: post_lock,
        ActionKind.UNLOCK: post_unlock,
        ActionKind.SUSPEND: member_suspend,
        ActionKind.UNSUSPEND: member_unsuspend,
        ActionKind.DISMISS: report_dismiss,
        ActionKind.APPROVE_REVISION: revision_approve_logged,
        ActionKind.REJECT_REVISION: revision_reject_logged,
        ActionKind.ROLLBACK: edits_rollback,
        ActionKind.PATROL: revision_patrol,
    }
    if action == ActionKind.PROTECT:
        return post_protect_for(
            actor=actor, target=target, reason=reason, duration_days=duration_days
        )
    if action == ActionKind.BAN:
        return member_ban(
            actor=actor,
            target=target,
            reason=reason,
            subwiki=subwiki,
            duration_days=duration_days,
        )
    if action == ActionKind.UNBAN:
        return member_unban(actor=actor, target=target, reason=reason, subwiki=subwiki)
    return simple[action](actor=actor, target=target, reason=reason)
