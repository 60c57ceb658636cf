"""Invitations: single-use codes members share with friends (DESIGN.md, Access).

An admitted member's invitation admits the friend once they confirm their e-mail;
a waitlisted member's moves the inviter up the line instead (accounts.waitlist).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tribune.accounts.models import Invitation, Member
from tribune.accounts.permissions import can_invite
from tribune.core.exceptions import Forbidden, RateLimited, ServiceError
from tribune.core.pagination import Page, paginate_keyset

# The allowance counts the invitations made in the last 30 days.
ALLOWANCE_WINDOW = dt.timedelta(days=30)


class InvitationInvalid(ServiceError):
    code = "invite_invalid"


def invitation_url(invitation: Invitation) -> str:
    """The sign-up address that fills the code in (a path; callers add the host)."""
    return f"{reverse('account_signup')}?{urlencode({'invite': invitation.code})}"


def invitations_left(member: Member) -> int:
    """How many invitations the member may still make this month."""
    since = timezone.now() - ALLOWANCE_WINDOW
    made = Invitation.objects.filter(inviter=member, created_at__gt=since).count()
    return max(0, settings.TRIBUNE_INVITES_PER_MONTH - made)


def invitation_create(*, actor: Member) -> Invitation:
    """Make a single-use invitation, within the member's monthly allowance."""
    if not can_invite(actor):
        raise Forbidden(_("Your account cannot make invitations."))
    with transaction.atomic():
        # Lock the inviter so that two requests at once cannot both take the last one.
        Member.objects.select_for_update().filter(pk=actor.pk).first()
        since = timezone.now() - ALLOWANCE_WINDOW
        recent = list(
            Invitation.objects.filter(inviter=actor, created_at__gt=since)
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        if len(recent) >= settings.TRIBUNE_INVITES_PER_MONTH:
            oldest = recent[len(recent) - settings.TRIBUNE_INVITES_PER_MONTH]
            wait = oldest + ALLOWANCE_WINDOW - timezone.now()
            raise RateLimited(
                retry_after=max(1, int(wait.total_seconds())),
                detail=_(
                    "You have made %(count)d invitations in the last 30 days, the most "
                    "allowed. You can make another on %(date)s."
                )
                % {
                    "count": settings.TRIBUNE_INVITES_PER_MONTH,
                    "date": timezone.localtime(oldest + ALLOWANCE_WINDOW).date().isoformat(),
                },
            )
        now = timezone.now()
        return Invitation.objects.create(
            code=secrets.token_urlsafe(12),
            inviter=actor,
            created_at=now,
            expires_at=now + dt.timedelta(days=settings.TRIBUNE_INVITE_DAYS),
        )


def invitation_check(code: str) -> Invitation:
    """The invitation behind a code, if it can still be used; else a clear refusal."""
    code = code.strip()
    invitation = (
        Invitation.objects.select_related("inviter").filter(code=code).first() if code else None
    )
    if invitation is None:
        raise InvitationInvalid(
            _("This invitation code is unknown. Check it, or ask your friend for a new one."),
            code="invite_unknown",
        )
    if invitation.used_at is not None:
        raise InvitationInvalid(
            _("This invitation has already been used. Ask your friend for a new one."),
            code="invite_used",
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid(
            _("This invitation has expired. Ask your friend for a new one."),
            code="invite_expired",
        )
    if not can_invite(invitation.inviter):
        raise InvitationInvalid(_("This invitation can no longer be used."), code="invite_unknown")
    return invitation


def invitation_redeem(*, code: str, member: Member) -> Invitation:
    """Mark an invitation used by a member who just signed up (call in their transaction).

    The update is conditional, so of two sign-ups with one code only one gets it.
    """
    invitation = invitation_check(code)
    if invitation.inviter_id == member.pk:
        raise InvitationInvalid(_("You cannot use your own invitation."), code="invite_own")
    taken = Invitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, used_by__isnull=True
    ).update(used_by=member, used_at=timezone.now())
    if not taken:
        raise InvitationInvalid(
            _("This invitation has already been used. Ask your friend for a new one."),
            code="invite_used",
        )
    invitation.refresh_from_db()
    return invitation


def invitations_of(
    *, member: Member, cursor: str | None = None, limit: int | str | None = None
) -> Page[Invitation]:
    """A member's invitations, newest first, with who used them."""
    queryset: QuerySet[Invitation] = Invitation.objects.filter(inviter=member).select_related(
        "used_by"
    )
    return paginate_keyset(queryset, cursor=cursor, limit=limit)
