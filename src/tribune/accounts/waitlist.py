"""Who gets in: the access mode, the waitlist's order, admission and suspension.

The waitlist is an order over waitlisted members with a confirmed e-mail, kept as
a sort key on each (`Member.waitlist_key`, unique among those waiting, not dense).
A position is one plus the number of keys ahead. Every change to the order runs
inside `waitlist_lock()`, so that two moves never interleave:

- joining takes the key after the last one;
- moving up k places shifts the keys of the members one passes by one, and takes
  the key of the member who was k places ahead: those members each move one
  place down, nobody else moves;
- admission clears the key: everyone behind moves up, nobody changes order.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tribune.accounts.models import (
    Access,
    AccessMode,
    AccessSettings,
    Invitation,
    Member,
)
from tribune.accounts.permissions import can_admit_members, can_change_access_mode
from tribune.core.exceptions import Forbidden, ServiceError

_MODE_CACHE_KEY = "tribune:access-mode"
# Every process shares the cache and a change deletes the entry; the expiry bounds
# what a read racing with the change may have stored.
_MODE_CACHE_SECONDS = 60


# --- The access mode -------------------------------------------------------------


def access_mode() -> str:
    """The mode in force: the one staff chose in the admin, else TRIBUNE_ACCESS_MODE."""
    mode: str | None = cache.get(_MODE_CACHE_KEY)
    if mode is None:
        chosen = AccessSettings.objects.filter(pk=1).values_list("mode", flat=True).first()
        mode = chosen or settings.TRIBUNE_ACCESS_MODE
        cache.set(_MODE_CACHE_KEY, mode, _MODE_CACHE_SECONDS)
    return mode


def access_mode_set(*, actor: Member | None, mode: str) -> str:
    """Change the mode (staff; None for the operator's command); empty follows the setting.

    Nobody's place changes: the mode only decides what happens to the next members
    who confirm their e-mail.
    """
    if actor is not None and not can_change_access_mode(actor):
        raise Forbidden
    if mode and mode not in AccessMode.values:
        raise ServiceError(
            _("Choose open, waitlist or invite-only."), errors={"mode": [_("Unknown mode.")]}
        )
    with transaction.atomic():
        row = waitlist_lock()
        row.mode = mode
        row.save(update_fields=["mode", "updated_at"])
    cache.delete(_MODE_CACHE_KEY)
    return access_mode()


def waitlist_lock() -> AccessSettings:
    """Take the lock that serialises changes to the waitlist (call inside a transaction)."""
    AccessSettings.objects.get_or_create(pk=1)
    return AccessSettings.objects.select_for_update().get(pk=1)


# --- Reading the line ----------------------------------------------------------


def waitlist_position(member: Member) -> int | None:
    """1 for the next member to be admitted; None for anyone not waiting in line."""
    if member.access != Access.WAITLISTED or member.waitlist_key is None:
        return None
    ahead = Member.objects.filter(waitlist_key__lt=member.waitlist_key).count()
    return ahead + 1


def waitlist_length() -> int:
    """How many members wait in line."""
    return Member.objects.filter(waitlist_key__isnull=False).count()


def waitlist_in_order(*, limit: int | None = None) -> list[Member]:
    """Everyone in line, first first, or the first `limit` of them (staff pages, tests)."""
    line = Member.objects.filter(waitlist_key__isnull=False).order_by("waitlist_key")
    return list(line if limit is None else line[:limit])


# --- Changing it ------------------------------------------------------------------


def _join_line(member: Member) -> None:
    """Put a locked, waitlisted member at the end of the line (under waitlist_lock)."""
    last = Member.objects.aggregate(last=Max("waitlist_key"))["last"]
    member.waitlist_key = (last or 0) + 1
    member.save(update_fields=["waitlist_key"])


def _move_up(member: Member, places: int) -> None:
    """Move a member in line up `places` places, or to the front (under waitlist_lock)."""
    key = member.waitlist_key
    if key is None or places <= 0:
        return
    passed = list(
        Member.objects.filter(waitlist_key__lt=key)
        .order_by("-waitlist_key")
        .values_list("waitlist_key", flat=True)[:places]
    )
    if not passed:
        return  # already first
    new_key = passed[-1]
    Member.objects.filter(waitlist_key__gte=new_key, waitlist_key__lt=key).update(
        waitlist_key=F("waitlist_key") + 1
    )
    member.waitlist_key = new_key
    member.save(update_fields=["waitlist_key"])


def _admit(member: Member) -> bool:
    """Admit a locked member (under waitlist_lock); True if they were waiting."""
    if member.access != Access.WAITLISTED:
        return False
    member.access = Access.ADMITTED
    member.waitlist_key = None
    member.admitted_at = timezone.now()
    member.save(update_fields=["access", "waitlist_key", "admitted_at"])
    _send_admission_mail(member)
    return True


def _send_admission_mail(member: Member) -> None:
    member_id = member.pk

    def send() -> None:
        fresh = Member.objects.filter(pk=member_id).first()
        if fresh is None:
            return
        with translation.override(settings.LANGUAGE_CODE):
            context = {"member": fresh, "site_name": settings.SITE_NAME}
            subject = render_to_string("accounts/email/admitted_subject.txt", context).strip()
            body = render_to_string("accounts/email/admitted_message.txt", context)
        send_mail(
            settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
            body,
            None,
            [fresh.email],
            fail_silently=True,  # an admission stands even when the mail server is down
        )

    transaction.on_commit(send)


def _locked(member_id: int) -> Member:
    return Member.objects.select_for_update().get(pk=member_id)


def member_email_verified(*, member: Member) -> Member:
    """Settle a member's access when they confirm their e-mail (idempotent).

    Under `open`, or invited by an admitted member, or a supporter, they are admitted;
    otherwise they take their place at the end of the line. If an invitation brought
    them and its inviter waits in line, the inviter moves up.
    """
    with transaction.atomic():
        waitlist_lock()
        member = _locked(member.pk)
        invitation = (
            Invitation.objects.select_for_update()
            .filter(used_by=member, accepted_at__isnull=True)
            .first()
        )
        inviter = None
        if invitation is not None:
            invitation.accepted_at = timezone.now()
            invitation.save(update_fields=["accepted_at"])
            inviter = _locked(invitation.inviter_id)
        if member.access == Access.WAITLISTED and member.waitlist_key is None:
            if (
                access_mode() == AccessMode.OPEN
                or member.is_supporter
                or (inviter is not None and inviter.is_admitted)
            ):
                _admit(member)
            else:
                _join_line(member)
        if inviter is not None and inviter.is_waitlisted:
            _move_up(inviter, settings.TRIBUNE_WAITLIST_INVITE_PLACES)
    return member


def member_admit(*, actor: Member | None, member: Member) -> bool:
    """Admit one waitlisted member now (staff, or None for the system); True if admitted."""
    if actor is not None and not can_admit_members(actor):
        raise Forbidden
    with transaction.atomic():
        waitlist_lock()
        return _admit(_locked(member.pk))


def member_admit_supporter(*, member_id: int) -> bool:
    """Supporters skip the line (funding calls this when a payment lands)."""
    with transaction.atomic():
        waitlist_lock()
        return _admit(_locked(member_id))


def waitlist_admit_next(*, actor: Member | None, count: int) -> list[Member]:
    """Admit the first `count` members in line (staff, or None for the operator's command)."""
    if actor is not None and not can_admit_members(actor):
        raise Forbidden
    if count < 1:
        raise ServiceError(
            _("Admit at least one member."), errors={"count": [_("Enter 1 or more.")]}
        )
    with transaction.atomic():
        waitlist_lock()
        first = list(
            Member.objects.select_for_update()
            .filter(waitlist_key__isnull=False)
            .order_by("waitlist_key")[:count]
        )
        admitted = [m for m in first if _admit(m)]
    return admitted


def waitlist_leave(*, member: Member) -> None:
    """Take a member out of line without admitting them (suspension, erasure)."""
    with transaction.atomic():
        waitlist_lock()
        Member.objects.filter(pk=member.pk).update(waitlist_key=None)
    member.waitlist_key = None


def member_access_suspend(*, member: Member) -> str | None:
    """Suspend an account (moderation decides when): it leaves the line if it was in it.

    The access it had before, or None when it was suspended already. Call inside the
    transaction that logs why.
    """
    with transaction.atomic():
        waitlist_lock()  # first, as every change to the line takes it: no deadlock
        locked = _locked(member.pk)
        if locked.access == Access.SUSPENDED:
            return None
        previous = locked.access
        Member.objects.filter(pk=member.pk).update(access=Access.SUSPENDED, waitlist_key=None)
    member.access, member.waitlist_key = Access.SUSPENDED, None
    return previous


def member_access_unsuspend(*, member: Member) -> bool:
    """Lift a suspension: the account is admitted. False when it was not suspended."""
    with transaction.atomic():
        locked = _locked(member.pk)
        if locked.access != Access.SUSPENDED:
            return False
        admitted_at = locked.admitted_at or timezone.now()
        Member.objects.filter(pk=member.pk).update(access=Access.ADMITTED, admitted_at=admitted_at)
    member.access, member.admitted_at = Access.ADMITTED, admitted_at
    return True


def waitlist_join(*, member: Member) -> int | None:
    """Put a waitlisted member at the end of the line whatever the mode (the demo); their place."""
    with transaction.atomic():
        waitlist_lock()
        locked = _locked(member.pk)
        if locked.access == Access.WAITLISTED and locked.waitlist_key is None:
            _join_line(locked)
    member.waitlist_key = locked.waitlist_key
    return waitlist_position(locked)
