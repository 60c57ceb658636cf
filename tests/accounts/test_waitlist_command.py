"""`tribune waitlist show` and `tribune waitlist admit N`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from tests.factories import MemberFactory
from tribune.accounts.models import Access, AccessMode, Member
from tribune.accounts.waitlist import member_email_verified, waitlist_length, waitlist_position

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _waitlist_site(settings) -> None:
    settings.TRIBUNE_ACCESS_MODE = AccessMode.WAITLIST
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def in_line(count: int) -> list[Member]:
    members = [MemberFactory.create(access=Access.WAITLISTED) for _ in range(count)]
    for member in members:
        member_email_verified(member=member)
    return members


def run(*args: str) -> str:
    out = StringIO()
    call_command("waitlist", *args, stdout=out)
    return out.getvalue()


def test_show_prints_the_mode_the_length_and_the_first_in_line():
    members = in_line(4)

    out = run("show", "--first", "2")

    assert out.splitlines() == [
        "Access mode: waitlist.",
        "4 members waiting in line.",
        f"1. {members[0].username} <{members[0].email}>",
        f"2. {members[1].username} <{members[1].email}>",
    ]


def test_show_with_nobody_in_line():
    assert run("show").splitlines() == ["Access mode: waitlist.", "0 members waiting in line."]


def test_admit_lets_in_the_first_n_prints_them_and_mails_them(django_capture_on_commit_callbacks):
    first, second, third = in_line(3)

    with django_capture_on_commit_callbacks(execute=True):
        out = run("admit", "2")

    assert out.splitlines() == [
        f"Admitted {first.username} <{first.email}>",
        f"Admitted {second.username} <{second.email}>",
        "Admitted 2 members; 1 still waiting.",
    ]
    assert [Member.objects.get(pk=m.pk).access for m in (first, second, third)] == [
        Access.ADMITTED,
        Access.ADMITTED,
        Access.WAITLISTED,
    ]
    assert waitlist_position(Member.objects.get(pk=third.pk)) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, second.email])


def test_admitting_more_than_wait_admits_everyone():
    in_line(2)

    out = run("admit", "5")

    assert out.splitlines()[-1] == "Admitted 2 members; 0 still waiting."
    assert waitlist_length() == 0


def test_admit_with_nobody_in_line_says_so():
    assert run("admit", "3").strip() == "Nobody is waiting in line: nobody was admitted."


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ("0", "N must be at least 1, not 0."),
        ("-2", "N must be at least 1, not -2."),
        ("three", "N must be a whole number, not 'three'."),
    ],
)
def test_a_bad_n_is_refused_clearly_and_admits_nobody(count, message):
    (member,) = in_line(1)

    with pytest.raises(CommandError, match=message):
        run("admit", count)

    assert Member.objects.get(pk=member.pk).access == Access.WAITLISTED


def test_an_action_is_required():
    with pytest.raises(CommandError, match="ACTION"):
        run()
