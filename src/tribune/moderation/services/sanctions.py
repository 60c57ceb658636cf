"""Sanctions on members: bans from a subwiki and suspensions of an account, and lifting
them.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.accounts.waitlist import member_access_suspend, member_access_unsuspend
from tribune.communities.models import Subwiki
from tribune.communities.permissions import bans_changed
from tribune.communities.selectors import subwiki_get
from tribune.core.exceptions import Conflict
from tribune.moderation.models import (
    ActionKind,
    Ban,
    ModerationAction,
    ReportState,
)
from tribune.moderation.services.log import (
    action_checked,
    action_target,
    clean_duration,
    field_error,
    log_line,
    reports_resolve,
)
from tribune.moderation.targets import (
    Target,
    target_get,
)


def _ban_place(actor: Member, found: Target, subwiki: str | None) -> Subwiki:
    if subwiki:
        return subwiki_get(viewer=actor, slug=str(subwiki))
    if found.subwiki is None:
        raise field_error("subwiki", _("Name the subwiki the ban is about."), "subwiki_required")
    return found.subwiki


def concerned_member(found: Target) -> Member:
    if found.member is None:
        raise field_error("target", _("This account no longer exists."), "invalid_target")
    return found.member


def _lift_ended_bans(place: Subwiki, member: Member) -> None:
    # A ban that ran out still holds its place in "one standing ban per member and
    # subwiki": it is marked lifted when it ended.
    Ban.objects.filter(
        subwiki=place, member=member, lifted_at__isnull=True, expires_at__lte=timezone.now()
    ).update(lifted_at=timezone.now())


def member_ban(
    *,
    actor: Member,
    target: str,
    reason: str,
    subwiki: str | None = None,
    duration_days: object = None,
) -> ModerationAction:
    """Ban a member (or the author of what is named) from a subwiki: no posts, edits or
    comments there, for `duration_days` or until lifted."""
    found = target_get(viewer=actor, target=target)
    member = concerned_member(found)
    place = _ban_place(actor, found, subwiki)
    found, reason = action_checked(actor, ActionKind.BAN, found, reason, subwiki=place)
    until = clean_duration(ActionKind.BAN, duration_days)
    key = f"member:{member.pk}"
    with transaction.atomic():
        _lift_ended_bans(place, member)
        if Ban.objects.filter(subwiki=place, member=member, lifted_at__isnull=True).exists():
            raise Conflict(_("This member is banned from this subwiki already."), code="no_change")
        upheld = reports_resolve({found.key, key}, actor=actor, state=ReportState.UPHELD)
        line = log_line(
            actor=actor,
            action=ActionKind.BAN,
            key=key,
            affected=member,
            subwiki=place,
            reason=reason,
            expires_at=until,
            details={"subwiki": place.slug, "reports": upheld},
        )
        Ban.objects.create(subwiki=place, member=member, action=line, expires_at=until)
        transaction.on_commit(bans_changed)
    bans_changed()
    return line


def member_unban(
    *, actor: Member, target: str, reason: str, subwiki: str | None = None
) -> ModerationAction:
    """Lift a member's ban from a subwiki."""
    found = target_get(viewer=actor, target=target)
    member = concerned_member(found)
    place = _ban_place(actor, found, subwiki)
    found, reason = action_checked(actor, ActionKind.UNBAN, found, reason, subwiki=place)
    with transaction.atomic():
        line = ban_lift(actor, place, member, reason)
        if line is None:
            raise Conflict(_("This member is not banned from this subwiki."), code="no_change")
    bans_changed()
    return line


def ban_lift(
    actor: Member, place: Subwiki, member: Member, reason: str, *, notify: bool = True
) -> ModerationAction | None:
    """Lift the standing ban, if any, and log it (inside the caller's transaction)."""
    _lift_ended_bans(place, member)
    lifted = Ban.objects.filter(subwiki=place, member=member, lifted_at__isnull=True).update(
        lifted_at=timezone.now()
    )
    if not lifted:
        return None
    transaction.on_commit(bans_changed)
    return log_line(
        actor=actor,
        action=ActionKind.UNBAN,
        key=f"member:{member.pk}",
        affected=member,
        subwiki=place,
        reason=reason,
        details={"subwiki": place.slug},
        notify=notify,
    )


def member_suspend(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Staff: suspend an account site-wide (it leaves the waitlist if it was in line)."""
    found, reason = action_target(actor, ActionKind.SUSPEND, target, reason)
    member = concerned_member(found)
    key = f"member:{member.pk}"
    with transaction.atomic():
        previous = member_access_suspend(member=member)
        if previous is None:
            raise Conflict(_("This account is suspended already."), code="no_change")
        upheld = reports_resolve({found.key, key}, actor=actor, state=ReportState.UPHELD)
        return log_line(
            actor=actor,
            action=ActionKind.SUSPEND,
            key=key,
            affected=member,
            subwiki=None,
            reason=reason,
            details={"previous_access": previous, "reports": upheld},
        )


def member_unsuspend(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Staff: lift a suspension; the account is admitted."""
    found, reason = action_target(actor, ActionKind.UNSUSPEND, target, reason)
    member = concerned_member(found)
    with transaction.atomic():
        line = suspension_lift(actor, member, reason)
        if line is None:
            raise Conflict(_("This account is not suspended."), code="no_change")
    return line


def suspension_lift(
    actor: Member, member: Member, reason: str, *, notify: bool = True
) -> ModerationAction | None:
    if not member_access_unsuspend(member=member):
        return None
    return log_line(
        actor=actor,
        action=ActionKind.UNSUSPEND,
        key=f"member:{member.pk}",
        affected=member,
        subwiki=None,
        reason=reason,
        notify=notify,
    )
