"""Account services: creating members (operators, the demo) and editing one's profile."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from tests.factories import MemberFactory
from tribune.accounts.models import Access, Member
from tribune.accounts.services import member_create, member_update_profile
from tribune.core.exceptions import Forbidden, ServiceError

pytestmark = pytest.mark.django_db


# --- member_create ---------------------------------------------------------------------------


def test_a_created_member_is_admitted_and_can_log_in_with_the_password_given():
    member, password = member_create(
        username="ada", email="Ada@Example.org", display_name="Ada Lovelace", password="s3cret pw"
    )
    assert password == "s3cret pw"
    member.refresh_from_db()
    assert member.access == Access.ADMITTED
    assert member.name == "Ada Lovelace"
    assert member.email == "ada@example.org"
    assert member.check_password("s3cret pw")
    assert not (member.is_staff or member.is_moderator or member.is_superuser)


def test_without_a_password_one_is_made_and_returned():
    member, password = member_create(username="grace", email="grace@example.org")
    assert len(password) >= 16
    assert Member.objects.get(pk=member.pk).check_password(password)
    assert member.name == "grace"  # the username stands in for a missing name


@pytest.mark.parametrize("confirmed", [True, False])
def test_the_email_is_verified_only_when_confirmed(confirmed):
    member, _ = member_create(username="linus", email="linus@example.org", confirmed=confirmed)
    address = EmailAddress.objects.get(user=member)
    assert address.primary
    assert address.verified is confirmed


@pytest.mark.parametrize(
    ("role", "moderator", "staff"),
    [("member", False, False), ("moderator", True, False), ("staff", True, True)],
)
def test_roles(role, moderator, staff):
    member, _ = member_create(username="someone", email="someone@example.org", role=role)
    assert (member.is_moderator, member.is_staff, member.is_superuser) == (moderator, staff, staff)


@pytest.mark.parametrize("username", ["ab", "has space", "x" * 31, "émile", "a-b", ""])
def test_a_bad_username_is_refused_with_a_reason(username):
    with pytest.raises(ServiceError) as refused:
        member_create(username=username, email="new@example.org")
    assert refused.value.status == 400
    assert refused.value.errors is not None
    assert set(refused.value.errors) == {"username"}
    assert not Member.objects.filter(email="new@example.org").exists()


@pytest.mark.parametrize("address", ["not-an-email", "a@", "@example.org", ""])
def test_a_bad_email_is_refused_with_a_reason(address):
    with pytest.raises(ServiceError) as refused:
        member_create(username="newcomer", email=address)
    assert set(refused.value.errors or {}) == {"email"}
    assert not Member.objects.filter(username="newcomer").exists()


def test_an_unknown_role_is_refused():
    with pytest.raises(ServiceError) as refused:
        member_create(username="newcomer", email="new@example.org", role="admin")
    assert (refused.value.errors or {})["role"] == ["Choose member, moderator or staff."]


def test_taken_usernames_and_emails_are_refused_whatever_their_case(member):
    with pytest.raises(ServiceError) as refused:
        member_create(username=member.username.upper(), email=member.email.upper())
    errors = refused.value.errors or {}
    assert errors["username"] == ["This username is taken."]
    assert errors["email"] == ["This e-mail address is in use."]
    assert Member.objects.count() == 1


def test_every_problem_is_reported_at_once():
    with pytest.raises(ServiceError) as refused:
        member_create(username="?", email="nope", role="king")
    assert set(refused.value.errors or {}) == {"username", "email", "role"}
    assert Member.objects.count() == 0


# --- member_update_profile -------------------------------------------------------------------


def test_a_member_edits_their_own_profile(member):
    member_update_profile(
        actor=member,
        member=member,
        display_name="  Ada Lovelace ",
        bio=" Counting engines.\n",
        time_zone="Europe/Paris",
    )
    member.refresh_from_db()
    assert (member.display_name, member.bio, member.time_zone) == (
        "Ada Lovelace",
        "Counting engines.",
        "Europe/Paris",
    )


@pytest.mark.parametrize("actor", ["other_member", "moderator", "staff"])
def test_nobody_else_edits_a_profile(actor, member, request):
    before = (member.display_name, member.bio)
    with pytest.raises(Forbidden):
        member_update_profile(
            actor=request.getfixturevalue(actor),
            member=member,
            display_name="Vandal",
            bio="Defaced.",
            time_zone="",
        )
    member.refresh_from_db()
    assert (member.display_name, member.bio) == before


def test_a_suspended_member_cannot_edit_their_profile(suspended):
    with pytest.raises(Forbidden):
        member_update_profile(
            actor=suspended, member=suspended, display_name="New", bio="", time_zone=""
        )
    suspended.refresh_from_db()
    assert suspended.display_name != "New"


def test_a_waitlisted_member_edits_their_profile(waitlisted):
    member_update_profile(
        actor=waitlisted, member=waitlisted, display_name="Patient", bio="", time_zone=""
    )
    waitlisted.refresh_from_db()
    assert waitlisted.display_name == "Patient"


def test_the_settings_page_saves_the_profile_and_refuses_a_suspended_member(client, suspended):
    active = MemberFactory.create()
    client.force_login(active)
    form = {"display_name": "Grace Hopper", "bio": "Compilers.", "time_zone": "UTC"}
    assert client.post("/settings/", form).status_code == 302
    active.refresh_from_db()
    assert active.display_name == "Grace Hopper"
    client.force_login(suspended)
    assert client.post("/settings/", form).status_code == 403
