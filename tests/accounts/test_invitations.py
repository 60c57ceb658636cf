"""Invitations: single-use codes with an expiry, within a monthly allowance."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.factories import MemberFactory
from tribune.accounts.invitations import (
    InvitationInvalid,
    invitation_check,
    invitation_create,
    invitation_redeem,
    invitation_url,
    invitations_left,
    invitations_of,
)
from tribune.accounts.models import Access, Invitation, Member
from tribune.accounts.permissions import can_invite
from tribune.core.exceptions import Forbidden, RateLimited

DAY = 24 * 3600


def refused_code(code: str, member: Member | None = None) -> str:
    """The code of the refusal a sign-up with `code` gets."""
    if member is None:
        with pytest.raises(InvitationInvalid) as refused:
            invitation_check(code)
    else:
        with pytest.raises(InvitationInvalid) as refused:
            invitation_redeem(code=code, member=member)
    assert refused.value.status == 400
    assert str(refused.value.detail)  # a sentence for the person, not just a code
    return refused.value.code


@pytest.mark.django_db
def test_an_invitation_is_a_single_use_code_that_expires(settings, member):
    settings.TRIBUNE_INVITE_DAYS = 14
    invitation = invitation_create(actor=member)

    assert len(invitation.code) >= 16
    assert invitation.state == "open"
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=14)
    assert invitation_url(invitation) == f"/accounts/signup/?invite={invitation.code}"
    assert invitation_check(f"  {invitation.code} ") == invitation


@pytest.mark.django_db
def test_a_used_code_cannot_be_used_again(member):
    invitation = invitation_create(actor=member)
    first, second = MemberFactory.create(access=Access.WAITLISTED), MemberFactory.create()

    assert invitation_redeem(code=invitation.code, member=first).used_by == first

    assert refused_code(invitation.code) == "invite_used"
    assert refused_code(invitation.code, second) == "invite_used"
    invitation.refresh_from_db()
    assert invitation.used_by == first
    assert invitation.state == "used"  # until the friend confirms their e-mail


@pytest.mark.django_db
def test_an_expired_code_is_refused(member):
    invitation = invitation_create(actor=member)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    invitation.refresh_from_db()

    assert invitation.state == "expired"
    assert refused_code(invitation.code) == "invite_expired"
    assert refused_code(invitation.code, MemberFactory.create()) == "invite_expired"
    assert Invitation.objects.get(pk=invitation.pk).used_by is None


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["nosuchcode", "", "   ", "x" * 500])
def test_an_unknown_code_is_refused(member, code):
    invitation_create(actor=member)
    assert refused_code(code) == "invite_unknown"


@pytest.mark.django_db
def test_nobody_uses_their_own_invitation(member):
    invitation = invitation_create(actor=member)
    assert refused_code(invitation.code, member) == "invite_own"
    assert Invitation.objects.get(pk=invitation.pk).state == "open"


@pytest.mark.django_db
def test_a_suspended_members_codes_stop_working(member):
    invitation = invitation_create(actor=member)
    member.access = Access.SUSPENDED
    member.save()

    assert refused_code(invitation.code) == "invite_unknown"
    assert refused_code(invitation.code, MemberFactory.create()) == "invite_unknown"
    assert not can_invite(member)
    with pytest.raises(Forbidden):
        invitation_create(actor=member)


@pytest.mark.django_db
def test_a_waitlisted_member_may_invite(waitlisted):
    assert can_invite(waitlisted)
    assert invitation_create(actor=waitlisted).inviter == waitlisted


@pytest.mark.django_db
def test_the_monthly_allowance_is_enforced_with_the_wait_until_the_next(settings, member):
    settings.TRIBUNE_INVITES_PER_MONTH = 3
    oldest = invitation_create(actor=member)
    Invitation.objects.filter(pk=oldest.pk).update(
        created_at=timezone.now() - dt.timedelta(days=10)
    )
    invitation_create(actor=member)
    invitation_create(actor=member)
    assert invitations_left(member) == 0

    with pytest.raises(RateLimited) as refused:
        invitation_create(actor=member)

    # The oldest of the three leaves the 30-day window in 20 days.
    assert 20 * DAY - 60 <= refused.value.retry_after <= 20 * DAY
    assert refused.value.status == 429
    assert "3" in str(refused.value.detail)
    assert Invitation.objects.filter(inviter=member).count() == 3


@pytest.mark.django_db
def test_invitations_older_than_30_days_no_longer_count(settings, member):
    settings.TRIBUNE_INVITES_PER_MONTH = 2
    old = invitation_create(actor=member)
    invitation_create(actor=member)
    Invitation.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))

    assert invitations_left(member) == 1
    invitation_create(actor=member)
    assert invitations_left(member) == 0


@pytest.mark.django_db
def test_one_members_allowance_is_theirs_alone(settings, member, other_member):
    settings.TRIBUNE_INVITES_PER_MONTH = 1
    invitation_create(actor=member)
    assert invitations_left(other_member) == 1
    invitation_create(actor=other_member)


@pytest.mark.django_db
def test_a_members_invitations_newest_first_with_who_used_them(member, other_member):
    made = [invitation_create(actor=member) for _ in range(3)]
    invitation_create(actor=other_member)
    friend = MemberFactory.create()
    invitation_redeem(code=made[0].code, member=friend)

    page = invitations_of(member=member, limit=2)
    rest = invitations_of(member=member, cursor=page.next_cursor, limit=2)

    assert [i.pk for i in page.items + rest.items] == [i.pk for i in reversed(made)]
    assert rest.items[-1].used_by == friend
    assert rest.next_cursor is None


# --- Two sign-ups with one code at the same moment ------------------------------------


@pytest.mark.django_db(transaction=True)
def test_of_two_sign_ups_racing_for_one_code_exactly_one_gets_it():
    inviter = MemberFactory.create()
    invitation = invitation_create(actor=inviter)
    racers = [MemberFactory.create(access=Access.WAITLISTED) for _ in range(2)]
    barrier = threading.Barrier(len(racers))
    outcomes: dict[int, str] = {}

    def sign_up(member: Member) -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():  # the sign-up's own transaction
                invitation_redeem(code=invitation.code, member=member)
            outcomes[member.pk] = "redeemed"
        except InvitationInvalid as e:
            outcomes[member.pk] = e.code
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(m,)) for m in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes.values()) == ["invite_used", "redeemed"]
    winner = next(pk for pk, outcome in outcomes.items() if outcome == "redeemed")
    invitation.refresh_from_db()
    assert invitation.used_by_id == winner
    assert invitation.used_at is not None
