"""Reports: members flag what moderators should look at; moderators dismiss them."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.core.exceptions import Conflict, Forbidden
from tribune.core.ratelimit import rate_limit
from tribune.moderation.models import (
    ActionKind,
    ModerationAction,
    Report,
    ReportReason,
    ReportState,
)
from tribune.moderation.permissions import (
    can_report,
)
from tribune.moderation.services.log import (
    MAX_DETAILS,
    action_target,
    clean_text,
    field_error,
    log_action_on,
    reports_resolve,
)
from tribune.moderation.targets import (
    target_get,
)


def report_create(
    *,
    reporter: Member,
    target: str,
    reason: str,
    details: str = "",
    address: str | None = None,
) -> Report:
    """Flag a post, comment, revision or member for the moderators whose queue it is."""
    found = target_get(viewer=reporter, target=target)
    if not can_report(reporter, found):
        if found.kind == "member" and found.obj.pk == reporter.pk:
            raise field_error("target", _("You cannot report yourself."), "cannot_report_self")
        raise Forbidden(_("Only admitted members can report."))
    if reason not in ReportReason.values:
        raise field_error(
            "reason",
            _("Choose a reason: spam, misleading, abuse, vandalism or other."),
            "invalid_reason",
        )
    text = clean_text(details, field="details", limit=MAX_DETAILS, required=False)
    if Report.objects.filter(reporter=reporter, target=found.key, state=ReportState.OPEN).exists():
        raise _already_reported()
    rate_limit("report", member=reporter, address=address)
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter,
                target=found.key,
                target_member=found.member,
                subwiki=found.subwiki,
                reason=reason,
                details=text,
            )
    except IntegrityError:  # the same report sent twice at once
        raise _already_reported() from None


def _already_reported() -> Conflict:
    return Conflict(
        _("You reported this already: moderators have your report and will look at it."),
        code="already_reported",
    )


def report_dismiss(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Dismiss the open reports about a target: nothing to act on."""
    found, reason = action_target(actor, ActionKind.DISMISS, target, reason)
    with transaction.atomic():
        dismissed = reports_resolve([found.key], actor=actor, state=ReportState.DISMISSED)
        if not dismissed:
            raise Conflict(_("There is no open report about this."), code="no_open_reports")
        return log_action_on(
            actor,
            ActionKind.DISMISS,
            found,
            reason,
            concerns_author=False,
            details={"reports": dismissed},
        )
