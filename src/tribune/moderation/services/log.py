"""What every moderation action shares: its limits and the targets it applies to,
the cleaning of its input, checking the actor may take it, the log line, and the e-mail
to the member concerned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.communities.models import Subwiki
from tribune.core.exceptions import Forbidden, ServiceError
from tribune.moderation.models import (
    ActionKind,
    ModerationAction,
    Report,
    ReportState,
)
from tribune.moderation.permissions import (
    APPEALABLE,
    can_act,
)
from tribune.moderation.selectors.appeals import appeal_link_token
from tribune.moderation.targets import (
    Target,
    TargetKind,
    target_get,
)

MAX_REASON = 2000


MAX_DETAILS = 2000


MAX_APPEAL = 4000


MAX_DURATION_DAYS = 3650


# What each action may be taken on.
ALL_KINDS: frozenset[TargetKind] = frozenset({"post", "comment", "revision", "note", "member"})


APPLIES_TO: dict[str, frozenset[TargetKind]] = {
    ActionKind.REMOVE: frozenset({"post", "comment", "note"}),
    ActionKind.RESTORE: frozenset({"post", "comment", "note"}),
    ActionKind.LOCK: frozenset({"post"}),
    ActionKind.UNLOCK: frozenset({"post"}),
    ActionKind.PROTECT: frozenset({"post"}),
    # A member, or the author of what is named.
    ActionKind.BAN: ALL_KINDS,
    ActionKind.UNBAN: ALL_KINDS,
    ActionKind.SUSPEND: ALL_KINDS,
    ActionKind.UNSUSPEND: ALL_KINDS,
    ActionKind.DISMISS: ALL_KINDS,
    ActionKind.APPROVE_REVISION: frozenset({"revision"}),
    ActionKind.REJECT_REVISION: frozenset({"revision"}),
    ActionKind.ROLLBACK: frozenset({"post", "revision"}),
    ActionKind.PATROL: frozenset({"revision"}),
}


# Every action the API and the queue take; appeal_decided is logged by appeal_decide.
ACTIONS = tuple(APPLIES_TO)


# Actions that take a duration: a ban and a protection may end by themselves.
TIMED = frozenset({ActionKind.BAN, ActionKind.PROTECT})


# Actions that only approve or check: a reason is welcome, not required.
REASON_OPTIONAL = frozenset({ActionKind.APPROVE_REVISION, ActionKind.PATROL})


REFUSALS: dict[str, str] = {
    ActionKind.SUSPEND: "staff",
    ActionKind.UNSUSPEND: "staff",
    ActionKind.APPROVE_REVISION: "trusted",
    ActionKind.REJECT_REVISION: "trusted",
    ActionKind.PATROL: "trusted",
}


def refusal_of(action: str) -> Forbidden:
    who = REFUSALS.get(action)
    if who == "staff":
        return Forbidden(_("Only staff may suspend accounts or lift a suspension."))
    if who == "trusted":
        return Forbidden(
            _("Only trusted members and moderators may review or patrol others' edits.")
        )
    return Forbidden(_("Only the moderators of this place may do this."))


def field_error(field: str, message: str, code: str = "invalid") -> ServiceError:
    return ServiceError(message, code=code, errors={field: [message]})


def clean_text(value: object, *, field: str, limit: int, required: bool) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise field_error(field, _("This text contains a NUL character."))
    if required and not text:
        raise field_error(field, _("Please say why."), code="reason_required")
    if len(text) > limit:
        raise field_error(field, _("Use at most %(n)d characters.") % {"n": limit})
    return text


def clean_duration(action: str, duration_days: object) -> dt.datetime | None:
    """When a ban or protection ends (None: until lifted); a duration elsewhere is refused."""
    if duration_days is None or duration_days == "":
        return None
    if action not in TIMED:
        raise field_error(
            "duration_days", _("Only a ban or a protection takes a duration."), "invalid_duration"
        )
    try:
        days = int(str(duration_days))
    except (TypeError, ValueError):
        days = 0
    if isinstance(duration_days, bool) or not 1 <= days <= MAX_DURATION_DAYS:
        raise field_error(
            "duration_days",
            _("Give a number of days from 1 to %(n)d.") % {"n": MAX_DURATION_DAYS},
            "invalid_duration",
        )
    return timezone.now() + dt.timedelta(days=days)


def target_details(target: Target) -> dict[str, Any]:
    """What the log keeps to name and link a target later without reading it again."""
    if target.post is not None:
        return {"post": target.post.pk, "title": target.post.title}
    if target.kind == "revision" and target.subwiki is not None:
        return {"description_of": target.subwiki.slug, "title": target.subwiki.name}
    return {}


def log_line(
    *,
    actor: Member,
    action: str,
    key: str,
    affected: Member | None,
    subwiki: Subwiki | None,
    reason: str,
    expires_at: dt.datetime | None = None,
    details: dict[str, Any] | None = None,
    notify: bool = True,
) -> ModerationAction:
    """Write one line of the log; the member concerned hears of it once it commits."""
    line = ModerationAction.objects.create(
        actor=actor,
        action=action,
        target=key,
        affected=affected,
        subwiki=subwiki,
        reason=reason,
        expires_at=expires_at,
        details=details or {},
    )
    if notify and affected is not None and affected.pk != actor.pk:
        transaction.on_commit(partial(action_notify, line.pk))
    return line


def reports_resolve(keys: Iterable[str], *, actor: Member, state: str) -> int:
    """Close the open reports about these targets as upheld or dismissed."""
    return Report.objects.filter(target__in=list(keys), state=ReportState.OPEN).update(
        state=state, resolved_at=timezone.now(), resolved_by=actor
    )


def action_target(actor: Member, action: str, target: str, reason: str) -> tuple[Target, str]:
    """The target of an action the actor may take, and the reason cleaned; or why not."""
    return action_checked(actor, action, target_get(viewer=actor, target=target), reason)


def action_checked(
    actor: Member, action: str, found: Target, reason: str, *, subwiki: Subwiki | None = None
) -> tuple[Target, str]:
    """The target again if the actor may take the action on it, with the reason cleaned."""
    if found.kind not in APPLIES_TO[action]:
        raise field_error(
            "target",
            _("This action does not apply to a %(kind)s.") % {"kind": found.kind},
            "invalid_target",
        )
    if not can_act(actor, action, found, subwiki):
        raise refusal_of(action)
    text = clean_text(
        reason, field="reason", limit=MAX_REASON, required=action not in REASON_OPTIONAL
    )
    return found, text


def log_action_on(
    actor: Member,
    action: str,
    found: Target,
    reason: str,
    *,
    uphold: bool = False,
    concerns_author: bool = True,
    expires_at: dt.datetime | None = None,
    details: dict[str, Any] | None = None,
) -> ModerationAction:
    """The log line of an action on `found`, with what it is among the details; `uphold`:
    the open reports about it are upheld, and counted; `concerns_author`: its author is
    the member concerned (and hears of it)."""
    written = {**target_details(found), **(details or {})}
    if uphold:
        written["reports"] = reports_resolve([found.key], actor=actor, state=ReportState.UPHELD)
    return log_line(
        actor=actor,
        action=action,
        key=found.key,
        affected=found.member if concerns_author else None,
        subwiki=found.subwiki,
        reason=reason,
        expires_at=expires_at,
        details=written,
    )


def action_notify(action_id: int) -> None:
    """E-mail the member an action concerns: what, why, and how to appeal."""
    line = (
        ModerationAction.objects.select_related("affected", "subwiki").filter(pk=action_id).first()
    )
    if line is None or line.affected is None or not line.affected.email:
        return
    member = line.affected
    appeal_url = None
    if line.action == ActionKind.SUSPEND:
        # A suspended member cannot log in: their link needs none.
        token = appeal_link_token(line)
        appeal_url = settings.SITE_URL + reverse("moderation:appeal_link", args=[token])
    elif line.action in APPEALABLE:
        appeal_url = settings.SITE_URL + reverse("moderation:appeal", args=[line.pk])
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "member": member,
            "line": line,
            "action_label": ActionKind(line.action).label,
            "subwiki": line.subwiki,
            "title": line.details.get("title", ""),
            "appeal_url": appeal_url,
            "appeal_by_link": line.action == ActionKind.SUSPEND,
            "granted": line.details.get("granted"),
            "log_url": settings.SITE_URL + reverse("moderation:log"),
            "site_name": settings.SITE_NAME,
        }
        template = "appeal" if line.action == ActionKind.APPEAL_DECIDED else "action"
        subject = render_to_string(f"moderation/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"moderation/email/{template}_message.txt", context)
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body,
        None,
        [member.email],
        fail_silently=True,  # the action stands even when the mail server is down
    )
