"""The waitlist through the real services: who gets in, in what order, and who moves.

The property test drives many members through random sequences of sign-ups,
confirmations, invitations, admissions, donations and mode changes, and checks
after every step that the line is exactly what the rules say (DESIGN.md, Access).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.accounts.test_signup import mailbox, signup_data, text_of
from tests.factories import MemberFactory
from tribune.accounts.invitations import invitation_create, invitation_redeem
from tribune.accounts.models import Access, AccessMode, Invitation, Member
from tribune.accounts.waitlist import (
    access_mode,
    access_mode_set,
    member_admit,
    member_email_verified,
    waitlist_admit_next,
    waitlist_in_order,
    waitlist_join,
    waitlist_length,
    waitlist_position,
)
from tribune.core.exceptions import Forbidden, ServiceError
from tribune.funding.services import donation_confirm, donation_create

pytestmark = pytest.mark.django_db

# Small, so that a few dozen members show every kind of move (past the front too).
PLACES = 3


@pytest.fixture(autouse=True)
def _waitlist_site(settings) -> None:
    settings.TRIBUNE_ACCESS_MODE = AccessMode.WAITLIST
    settings.TRIBUNE_WAITLIST_INVITE_PLACES = PLACES
    settings.TRIBUNE_INVITES_PER_MONTH = 10_000


def sign_up(*, invited_by: Member | None = None) -> Member:
    """A new member as the sign-up form leaves them: access by the mode, code redeemed."""
    admitted = access_mode() == AccessMode.OPEN
    member = MemberFactory.create(access=Access.ADMITTED if admitted else Access.WAITLISTED)
    if invited_by is not None:
        invitation = invitation_create(actor=invited_by)
        invitation_redeem(code=invitation.code, member=member)
    return member


def confirm(member: Member) -> None:
    """What allauth does when the member follows the confirmation link."""
    address = EmailAddress.objects.get_primary(member)
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)


def joined(count: int) -> list[Member]:
    members = [sign_up() for _ in range(count)]
    for member in members:
        confirm(member)
    return members


def line() -> list[int]:
    """Who waits, first first (by the sort key: cheap enough to read after every step)."""
    waiting = Member.objects.filter(waitlist_key__isnull=False).order_by("waitlist_key")
    return list(waiting.values_list("pk", flat=True))


def position(member: Member) -> int | None:
    """The member's place now (the instance in hand may predate the last move)."""
    return waitlist_position(Member.objects.get(pk=member.pk))


def positions(members: list[Member]) -> list[int | None]:
    return [position(m) for m in members]


def access_of(member: Member) -> str:
    return Member.objects.values_list("access", flat=True).get(pk=member.pk)


def donate_and_confirm(member: Member, staff: Member) -> None:
    donation, _instructions = donation_create(
        member=member, amount="13", currency="EUR", interval="month", success_url="", cancel_url=""
    )
    donation_confirm(actor=staff, donation_id=donation.pk)


# --- Modes -------------------------------------------------------------------------


def test_in_open_mode_a_member_is_admitted_on_confirming_their_email(settings, staff):
    member = sign_up()  # signed up while the site still had a waitlist
    access_mode_set(actor=staff, mode=AccessMode.OPEN)

    confirm(member)

    member.refresh_from_db()
    assert member.access == Access.ADMITTED
    assert member.admitted_at is not None
    assert waitlist_position(member) is None
    assert waitlist_length() == 0


def test_in_waitlist_mode_members_queue_in_the_order_they_confirm():
    first, second, third = sign_up(), sign_up(), sign_up()
    for member in (second, first, third):
        confirm(member)

    assert positions([first, second, third]) == [2, 1, 3]
    assert {access_of(m) for m in (first, second, third)} == {Access.WAITLISTED}
    assert waitlist_length() == 3


def test_an_unconfirmed_member_has_no_place_yet():
    member = sign_up()
    assert waitlist_position(member) is None
    assert waitlist_length() == 0


def test_invite_only_queues_everyone_not_invited_by_an_admitted_member(settings, member):
    settings.TRIBUNE_ACCESS_MODE = AccessMode.INVITE_ONLY
    (waiting,) = joined(1)
    stranger = sign_up()
    friend_of_waiting = sign_up(invited_by=waiting)
    friend_of_admitted = sign_up(invited_by=member)
    for newcomer in (stranger, friend_of_waiting, friend_of_admitted):
        confirm(newcomer)

    assert access_of(stranger) == Access.WAITLISTED
    assert access_of(friend_of_waiting) == Access.WAITLISTED
    assert access_of(friend_of_admitted) == Access.ADMITTED
    # The waitlisted inviter moved to the front, past the stranger who came later anyway.
    assert line() == [waiting.pk, stranger.pk, friend_of_waiting.pk]


def test_an_admitted_members_invitation_admits_the_friend_at_once(member):
    joined(4)
    friend = sign_up(invited_by=member)
    assert access_of(friend) == Access.WAITLISTED  # until the e-mail is confirmed

    confirm(friend)

    friend.refresh_from_db()
    assert friend.access == Access.ADMITTED
    assert waitlist_position(friend) is None
    assert waitlist_length() == 4
    assert Invitation.objects.get(used_by=friend).state == "accepted"


def test_a_waitlisted_inviter_moves_up_the_settings_number_of_places():
    members = joined(6)
    inviter = members[5]
    friend = sign_up(invited_by=inviter)
    assert position(inviter) == 6  # nothing moves until the friend confirms

    confirm(friend)

    assert position(inviter) == 6 - PLACES
    # The three passed each moved one place down; the others stayed; the friend queues last.
    ids = [m.pk for m in members]
    assert line() == [*ids[:2], inviter.pk, *ids[2:5], friend.pk]


def test_an_inviter_near_the_front_moves_to_the_front():
    members = joined(3)
    friend = sign_up(invited_by=members[1])
    confirm(friend)
    assert line() == [members[1].pk, members[0].pk, members[2].pk, friend.pk]


def test_the_first_in_line_stays_first_when_their_friend_joins():
    members = joined(3)
    confirm(sign_up(invited_by=members[0]))
    assert line()[:3] == [m.pk for m in members]


def test_confirming_again_changes_nothing():
    members = joined(5)
    friend = sign_up(invited_by=members[4])
    confirm(friend)
    before = line()

    confirm(friend)  # the signal sent again
    second = EmailAddress.objects.create(
        user=friend, email="second@example.org", primary=False, verified=True
    )
    email_confirmed.send(sender=EmailAddress, request=None, email_address=second)
    member_email_verified(member=members[0])

    assert line() == before
    assert position(members[4]) == 5 - PLACES


def test_confirming_again_never_takes_an_admitted_member_back_into_line(member):
    confirm(member)
    assert access_of(member) == Access.ADMITTED
    assert waitlist_length() == 0


def test_a_supporter_skips_the_line(staff):
    members = joined(4)

    donate_and_confirm(members[2], staff)

    assert access_of(members[2]) == Access.ADMITTED
    assert line() == [members[0].pk, members[1].pk, members[3].pk]
    assert Member.objects.get(pk=members[2].pk).is_supporter


def test_a_supporter_who_has_not_confirmed_yet_is_admitted_and_never_queues(staff):
    member = sign_up()
    donate_and_confirm(member, staff)
    confirm(member)
    assert access_of(member) == Access.ADMITTED
    assert waitlist_length() == 0


def test_the_demo_puts_a_waitlisted_member_in_line_whatever_the_mode(settings, member):
    settings.TRIBUNE_ACCESS_MODE = AccessMode.OPEN
    joined(2)  # admitted at once: the site is open
    waiting = MemberFactory.create(access=Access.WAITLISTED)

    assert waitlist_join(member=waiting) == 1
    assert waitlist_join(member=waiting) == 1  # already in line: stays put
    assert waitlist_join(member=member) is None  # admitted members never queue
    assert line() == [waiting.pk]


# --- Admitting ---------------------------------------------------------------------


def test_admitting_the_next_n_takes_them_from_the_front_in_order(staff):
    members = joined(5)

    admitted = waitlist_admit_next(actor=staff, count=2)

    assert [m.pk for m in admitted] == [members[0].pk, members[1].pk]
    assert all(access_of(m) == Access.ADMITTED for m in members[:2])
    assert positions(members[2:]) == [1, 2, 3]


def test_admitting_more_than_are_waiting_admits_everyone(staff):
    members = joined(2)
    assert len(waitlist_admit_next(actor=None, count=10)) == 2
    assert waitlist_length() == 0
    assert all(access_of(m) == Access.ADMITTED for m in members)


def test_admitting_one_member_moves_only_those_behind_them(staff):
    members = joined(4)
    assert member_admit(actor=staff, member=members[1]) is True
    assert positions(members) == [1, None, 2, 3]
    assert member_admit(actor=staff, member=members[1]) is False  # already admitted


@pytest.mark.parametrize("count", [0, -1])
def test_admitting_fewer_than_one_is_refused(staff, count):
    joined(2)
    with pytest.raises(ServiceError) as refused:
        waitlist_admit_next(actor=staff, count=count)
    assert refused.value.status == 400
    assert refused.value.errors is not None and "count" in refused.value.errors
    assert waitlist_length() == 2


def test_members_who_are_not_staff_may_not_admit_or_change_the_mode(member, moderator):
    members = joined(2)
    for actor in (member, moderator, members[1]):
        with pytest.raises(Forbidden):
            waitlist_admit_next(actor=actor, count=1)
        with pytest.raises(Forbidden):
            member_admit(actor=actor, member=members[0])
        with pytest.raises(Forbidden):
            access_mode_set(actor=actor, mode=AccessMode.OPEN)
    assert line() == [m.pk for m in members]
    assert access_mode() == AccessMode.WAITLIST


def test_the_admitted_get_an_email_in_english_whatever_language_staff_use(
    settings, staff, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    members = joined(3)

    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        waitlist_admit_next(actor=staff, count=2)

    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members[:2])
    message = mail.outbox[0]
    assert "You are in" in message.subject
    assert "now admitted" in message.body
    assert members[0].display_name in " ".join(str(m.body) for m in mail.outbox)


# --- The access mode ----------------------------------------------------------------


def test_staff_change_the_mode_and_empty_follows_the_setting(settings, staff):
    assert access_mode_set(actor=staff, mode=AccessMode.INVITE_ONLY) == AccessMode.INVITE_ONLY
    assert access_mode() == AccessMode.INVITE_ONLY
    assert access_mode_set(actor=None, mode="") == AccessMode.WAITLIST  # the setting


def test_an_unknown_mode_is_refused(staff):
    with pytest.raises(ServiceError) as refused:
        access_mode_set(actor=staff, mode="closed")
    assert refused.value.errors == {"mode": ["Unknown mode."]}
    assert access_mode() == AccessMode.WAITLIST


def test_changing_the_mode_moves_nobody(staff):
    members = joined(5)
    before = line()
    for mode in (AccessMode.OPEN, AccessMode.INVITE_ONLY, "", AccessMode.WAITLIST):
        access_mode_set(actor=staff, mode=mode)
        assert line() == before
    assert positions(members) == [1, 2, 3, 4, 5]


# --- Through the sign-up page -------------------------------------------------------


def confirmation_path(settings, address: str) -> str:
    (message,) = [m for m in mailbox(settings) if m["To"] == address]
    found = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", text_of(message))
    assert found is not None
    return found.group(1)


def test_signing_up_and_confirming_in_waitlist_mode_gives_the_last_place(client, settings):
    joined(2)
    response = client.post("/accounts/signup/", signup_data())
    assert response.status_code == 302
    member = Member.objects.get(username="ada")
    assert member.access == Access.WAITLISTED
    assert waitlist_position(member) is None

    client.post(confirmation_path(settings, "ada@example.org"))

    assert position(member) == 3


def test_signing_up_with_an_admitted_members_code_admits_on_confirmation(client, settings, member):
    settings.TRIBUNE_ACCESS_MODE = AccessMode.INVITE_ONLY
    invitation = invitation_create(actor=member)

    client.post("/accounts/signup/", signup_data(invite=invitation.code))
    client.post(confirmation_path(settings, "ada@example.org"))

    newcomer = Member.objects.get(username="ada")
    assert newcomer.access == Access.ADMITTED
    invitation.refresh_from_db()
    assert invitation.used_by == newcomer
    assert invitation.state == "accepted"


# --- The property: many members, any sequence of events -----------------------------


@dataclass
class Line:
    """What the rules say the line should be, kept beside the database."""

    mode: str = ""  # empty: the setting (waitlist)
    order: list[int] = field(default_factory=list)
    access: dict[int, str] = field(default_factory=dict)
    # Signed up, e-mail not yet confirmed: (member, who invited them).
    pending: list[tuple[int, int | None]] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.mode == AccessMode.OPEN

    def admitted(self) -> list[int]:
        return sorted(m for m, a in self.access.items() if a == Access.ADMITTED)


def assert_line_is(expected: Line) -> None:
    """The order and everyone's access are those of the model."""
    assert line() == expected.order
    assert waitlist_length() == len(expected.order)
    assert dict(Member.objects.values_list("pk", "access")) == expected.access


def assert_positions_are_a_permutation(expected: Line) -> None:
    """Each member's own position, as they see it: exactly 1..N in the model's order."""
    assert [m.pk for m in waitlist_in_order()] == expected.order
    members = Member.objects.in_bulk()
    got = [waitlist_position(members[pk]) for pk in expected.order]
    assert got == list(range(1, len(expected.order) + 1))
    assert all(
        waitlist_position(m) is None for pk, m in members.items() if pk not in expected.order
    )


def assert_nobody_moved(before: list[int], after: list[int]) -> None:
    assert after[: len(before)] == before  # newcomers only at the end


def assert_admission_kept_the_order(before: list[int], after: list[int]) -> None:
    remaining = set(after)
    assert [m for m in before if m in remaining] == after
    assert remaining <= set(before)


def assert_credit(before: list[int], after: list[int], inviter: int) -> None:
    """The inviter moved up PLACES places or to the front; others at most one place down."""
    was = {m: i + 1 for i, m in enumerate(before)}
    now = {m: i + 1 for i, m in enumerate(after)}
    assert now[inviter] == max(1, was[inviter] - PLACES)
    for m, position in was.items():
        if m != inviter:
            assert now[m] - position in (0, 1), (m, position, now[m])
    assert all(now[m] > len(before) for m in now if m not in was)  # newcomers last


picks = st.integers(0, 10_000)
# Invitations from members in line are what move people; they come up most often.
action_kinds = {
    "invite": st.tuples(st.just("sign_up"), st.just("waiting"), picks, st.just(True)),
    "sign_up": st.tuples(
        st.just("sign_up"), st.sampled_from(["nobody", "waiting", "admitted"]), picks, st.booleans()
    ),
    "confirm": st.tuples(st.just("confirm"), picks),
    "confirm_again": st.tuples(st.just("confirm_again"), picks),
    "admit_next": st.tuples(st.just("admit_next"), st.integers(1, 4)),
    "admit_one": st.tuples(st.just("admit_one"), picks),
    "support": st.tuples(st.just("support"), picks),
    "mode": st.tuples(st.just("mode"), st.sampled_from(["", *AccessMode.values])),
}
actions = st.sampled_from(["invite"] * 5 + list(action_kinds)).flatmap(lambda k: action_kinds[k])


class Run:
    """Applies one action through the services and to the model, checking each move."""

    def __init__(self) -> None:
        self.staff = MemberFactory.create(is_staff=True)
        self.host = MemberFactory.create()  # an admitted member who invites
        self.model = Line(access={self.staff.pk: Access.ADMITTED, self.host.pk: Access.ADMITTED})
        self.members = {self.staff.pk: self.staff, self.host.pk: self.host}

    def sign_up(self, inviter_kind: str, pick: int, confirm_now: bool) -> None:
        inviter: Member | None = None
        if inviter_kind == "waiting" and self.model.order:
            inviter = self.members[self.model.order[pick % len(self.model.order)]]
        elif inviter_kind == "admitted":
            admitted = self.model.admitted()
            inviter = self.members[admitted[pick % len(admitted)]]
        before = line()
        member = sign_up(invited_by=inviter)
        assert_nobody_moved(before, line())
        self.members[member.pk] = member
        self.model.access[member.pk] = Access.ADMITTED if self.model.open else Access.WAITLISTED
        self.model.pending.append((member.pk, inviter.pk if inviter else None))
        if confirm_now:
            self.confirm(len(self.model.pending) - 1)

    def confirm(self, pick: int) -> None:
        if not self.model.pending:
            return
        pk, inviter = self.model.pending.pop(pick % len(self.model.pending))
        before = line()
        member_email_verified(member=self.members[pk])
        after = line()
        model = self.model
        if model.access[pk] == Access.WAITLISTED:
            if model.open or (inviter is not None and model.access[inviter] == Access.ADMITTED):
                model.access[pk] = Access.ADMITTED
            else:
                model.order.append(pk)
        if inviter is not None and inviter in model.order:
            place = model.order.index(inviter)
            model.order.remove(inviter)
            model.order.insert(max(0, place - PLACES), inviter)
            assert_credit(before, after, inviter)
        else:
            assert_nobody_moved(before, after)

    def confirm_again(self, pick: int) -> None:
        pending = {pk for pk, _inviter in self.model.pending}
        confirmed = sorted(pk for pk in self.model.access if pk not in pending)
        before = line()
        member_email_verified(member=self.members[confirmed[pick % len(confirmed)]])
        assert line() == before

    def admit_next(self, count: int) -> None:
        before = line()
        admitted = waitlist_admit_next(actor=self.staff, count=count)
        assert [m.pk for m in admitted] == self.model.order[:count]
        self._admitted(self.model.order[:count])
        assert_admission_kept_the_order(before, line())

    def admit_one(self, pick: int) -> None:
        if not self.model.order:
            return
        pk = self.model.order[pick % len(self.model.order)]
        before = line()
        assert member_admit(actor=self.staff, member=self.members[pk]) is True
        self._admitted([pk])
        assert_admission_kept_the_order(before, line())

    def support(self, pick: int) -> None:
        # Anyone still waiting, in line or not yet confirmed.
        waiting = sorted(m for m, a in self.model.access.items() if a == Access.WAITLISTED)
        if not waiting:
            return
        pk = waiting[pick % len(waiting)]
        before = line()
        donate_and_confirm(self.members[pk], self.staff)
        self._admitted([pk])
        assert_admission_kept_the_order(before, line())

    def mode(self, mode: str) -> None:
        before = line()
        access_mode_set(actor=self.staff, mode=mode)
        self.model.mode = mode
        assert line() == before

    def _admitted(self, pks: list[int]) -> None:
        for pk in pks:
            self.model.access[pk] = Access.ADMITTED
            if pk in self.model.order:
                self.model.order.remove(pk)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(
    first=st.integers(min_value=0, max_value=45),
    steps=st.lists(actions, max_size=40),
)
def test_the_line_stays_a_permutation_and_moves_only_as_the_rules_say(first, steps):
    with transaction.atomic():
        cache.clear()  # the mode is cached, and every example starts from the setting
        run = Run()
        for _ in range(first):
            run.sign_up("nobody", 0, confirm_now=True)
        assert_line_is(run.model)
        for name, *args in steps:
            getattr(run, name)(*args)
            assert_line_is(run.model)
        assert_positions_are_a_permutation(run.model)
        transaction.set_rollback(True)
