"""Appeals: the member an action concerns asks staff to reconsider it, once; staff grant
(undoing the action where it can be undone) or deny it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.core.exceptions import Conflict, Forbidden, NotFound, ServiceError
from tribune.moderation.models import (
    ActionKind,
    Appeal,
    AppealState,
    ModerationAction,
)
from tribune.moderation.permissions import (
    can_appeal,
    can_decide_appeal,
)
from tribune.moderation.selectors.log import log_entry_get
from tribune.moderation.services.content import content_put_back
from tribune.moderation.services.log import MAX_APPEAL, MAX_REASON, clean_text, log_line
from tribune.moderation.services.sanctions import ban_lift, concerned_member, suspension_lift
from tribune.moderation.targets import (
    target_from_key,
)
from tribune.posts.services import (
    post_set_locked,
    post_unprotect,
)


def appeal_create(*, member: Member, action_id: int | str, text: str) -> Appeal:
    """The member an action concerns asks staff to reconsider it, once."""
    action = log_entry_get(viewer=member, action_id=action_id)
    if not can_appeal(member, action):
        if action.affected_id != member.pk:
            raise Forbidden(_("Only the member concerned may appeal this action."))
        raise ServiceError(
            _("This action took nothing from you: there is nothing to appeal."),
            code="not_appealable",
        )
    cleaned = clean_text(text, field="text", limit=MAX_APPEAL, required=True)
    if Appeal.objects.filter(action=action).exists():
        raise _already_appealed()
    try:
        with transaction.atomic():
            return Appeal.objects.create(action=action, appellant=member, text=cleaned)
    except IntegrityError:  # two appeals sent at once
        raise _already_appealed() from None


def _already_appealed() -> Conflict:
    return Conflict(
        _("You appealed this action already: each action may be appealed once."),
        code="already_appealed",
    )


def appeal_decide(*, actor: Member, appeal_id: int | str, grant: bool, decision: str) -> Appeal:
    """Staff: grant an appeal (the action is undone where it can be) or deny it; logged."""
    if not can_decide_appeal(actor):
        raise Forbidden(_("Only staff decide appeals."))
    text = clean_text(decision, field="decision", limit=MAX_REASON, required=True)
    with transaction.atomic():
        try:
            appeal = (
                Appeal.objects.select_for_update(of=("self",))
                .select_related("action", "appellant")
                .get(pk=int(appeal_id))
            )
        except (TypeError, ValueError, OverflowError, Appeal.DoesNotExist):
            raise NotFound from None
        if appeal.state != AppealState.PENDING:
            raise Conflict(_("This appeal has been decided already."), code="already_decided")
        undone = _undo(actor, appeal.action, text) if grant else False
        appeal.state = AppealState.GRANTED if grant else AppealState.DENIED
        appeal.decided_by = actor
        appeal.decided_at = timezone.now()
        appeal.decision = text
        appeal.save(update_fields=["state", "decided_by", "decided_at", "decision"])
        log_line(
            actor=actor,
            action=ActionKind.APPEAL_DECIDED,
            key=appeal.action.target,
            affected=appeal.appellant,
            subwiki=appeal.action.subwiki,
            reason=text,
            details={
                **{k: v for k, v in appeal.action.details.items() if k != "reports"},
                "appeal": appeal.pk,
                "action": appeal.action.pk,
                "appealed": appeal.action.action,
                "granted": grant,
                "undone": undone,
            },
        )
    return appeal


def _undo(actor: Member, action: ModerationAction, reason: str) -> bool:
    """Undo a granted appeal's action where that can be done; whether it was.

    A removal is restored, a lock lifted, a protection ended, a ban lifted and a
    suspension ended; a rejected revision or a rollback is left to the members, who
    can edit again (the appeal's decision says so in the log).
    """
    try:
        target = target_from_key(viewer=actor, key=action.target)
    except (NotFound, ServiceError):
        return False
    try:
        with transaction.atomic():
            if action.action == ActionKind.REMOVE:
                content_put_back(actor, target)
            elif action.action == ActionKind.LOCK:
                post_set_locked(actor=actor, post_id=target.obj.pk, locked=False)
            elif action.action == ActionKind.PROTECT:
                post_unprotect(actor=actor, post_id=target.obj.pk)
            elif action.action == ActionKind.BAN and action.subwiki is not None:
                if (
                    ban_lift(actor, action.subwiki, concerned_member(target), reason, notify=False)
                    is None
                ):
                    return False
            elif action.action == ActionKind.SUSPEND:
                if suspension_lift(actor, concerned_member(target), reason, notify=False) is None:
                    return False
            else:
                return False
    except Conflict:
        return False  # undone meanwhile by other hands
    return True
