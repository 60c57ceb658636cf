"""`tribune demo` shows a line (one member moved up by a friend's sign-up) and an
admitted member's invitations in every state, and runs again harmlessly."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from tribune.accounts.demo_access import CAMILLES_FRIENDS, INVITER, KWAMES_FRIEND, WAITING
from tribune.accounts.models import Access, AccessMode, Invitation, Member
from tribune.accounts.waitlist import waitlist_in_order, waitlist_position
from tribune.core.demo import DEMO_MODULES, demo_run, demo_steps

pytestmark = pytest.mark.django_db

MODULES = ("tribune.accounts.demo", "tribune.accounts.demo_access")


def load() -> int:
    """Run the access demo (and the members it builds on); how many steps created something."""
    return sum(created for _step, created in demo_run(demo_steps(MODULES)))


def snapshot() -> tuple[object, ...]:
    return (
        list(
            Member.objects.order_by("pk").values_list(
                "username", "access", "waitlist_key", "admitted_at"
            )
        ),
        list(
            Invitation.objects.order_by("pk").values_list(
                "inviter__username", "used_by__username", "expires_at"
            )
        ),
        EmailAddress.objects.count(),
    )


def test_the_access_demo_is_loaded_by_tribune_demo_after_the_members():
    assert DEMO_MODULES.index("tribune.accounts.demo_access") > DEMO_MODULES.index(
        "tribune.accounts.demo"
    )


@pytest.mark.parametrize("mode", [AccessMode.OPEN, AccessMode.WAITLIST])
def test_the_demo_line_has_a_member_moved_up_by_an_invitation(settings, mode):
    settings.TRIBUNE_ACCESS_MODE = mode
    load()

    waiting = [m.username for m in waitlist_in_order()]
    # Kwame joined fourth; his friend's sign-up moved him to the front.
    expected = ["kwame", "ines", "mateo", "yuki", "elena"]
    if mode == AccessMode.WAITLIST:
        expected.append(KWAMES_FRIEND.username)  # the friend waits too
    assert waiting == expected
    assert [waitlist_position(m) for m in waitlist_in_order()] == list(range(1, len(waiting) + 1))
    for spec in WAITING:
        member = Member.objects.get(username=spec.username)
        assert member.access == Access.WAITLISTED
        assert EmailAddress.objects.get(user=member, primary=True).verified
    friend = Member.objects.get(username=KWAMES_FRIEND.username)
    assert friend.access == (Access.ADMITTED if mode == AccessMode.OPEN else Access.WAITLISTED)
    assert Invitation.objects.get(used_by=friend).inviter.username == "kwame"


def test_an_admitted_member_has_invitations_in_every_state():
    load()

    invitations = Invitation.objects.filter(inviter__username=INVITER)
    assert sorted(i.state for i in invitations) == ["accepted", "expired", "open", "used"]
    (accepted_by, _), (used_by, _) = CAMILLES_FRIENDS
    joined = Member.objects.get(username=accepted_by.username)
    assert joined.access == Access.ADMITTED  # an admitted member's invitation admits
    not_yet = Member.objects.get(username=used_by.username)
    assert not_yet.access == Access.WAITLISTED
    assert not EmailAddress.objects.get(user=not_yet).verified
    assert waitlist_position(not_yet) is None


def test_running_the_access_demo_twice_changes_nothing():
    first = load()
    before = snapshot()

    assert load() == 0
    assert snapshot() == before
    assert first == len(demo_steps(MODULES))
