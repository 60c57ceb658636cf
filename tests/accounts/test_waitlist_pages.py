"""The waitlist as members see it: their place, the banner, where they land, the sign-up page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.accounts.test_signup import SIGNUP, mailbox, main_text, signup_data, text_of
from tests.factories import PASSWORD, MemberFactory
from tribune.accounts.invitations import invitation_create, invitation_redeem
from tribune.accounts.models import Access, AccessMode, Invitation, Member
from tribune.accounts.waitlist import access_mode_set, member_email_verified, waitlist_position

pytestmark = pytest.mark.django_db

WAITLIST = reverse("accounts:waitlist")


@pytest.fixture(autouse=True)
def _waitlist_site(settings) -> None:
    settings.TRIBUNE_ACCESS_MODE = AccessMode.WAITLIST
    settings.TRIBUNE_WAITLIST_INVITE_PLACES = 100


def in_line(count: int) -> list[Member]:
    """`count` members who signed up and confirmed their e-mail, in that order."""
    members = [MemberFactory.create(access=Access.WAITLISTED) for _ in range(count)]
    for member in members:
        member_email_verified(member=member)
    return [Member.objects.get(pk=m.pk) for m in members]


def words(response) -> str:
    """The words of <main>, punctuation back against the link it follows."""
    return re.sub(r" ([:.,])", r"\1", main_text(response))


# --- The waitlist page ---------------------------------------------------------------


def test_visitors_are_sent_to_log_in(client):
    response = client.get(WAITLIST)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={WAITLIST}"


def test_a_member_in_line_sees_their_place_and_how_to_move_up(client):
    _first, second, _third = in_line(3)
    client.force_login(second)

    response = client.get(WAITLIST)

    text = words(response)
    assert "You are number 2 of 3 in line." in text
    assert "we send an e-mail to " + second.email in text
    assert "moves you up 100 places" in text
    assert "Become a supporter: supporters are let in at once." in text
    assert "You can read everything that is public." in text
    html = response.content.decode()
    assert f'href="{reverse("accounts:invitations")}"' in html
    assert 'href="/donate/"' in html
    assert f'href="{reverse("communities:list")}"' in html


def test_one_place_is_said_in_the_singular(client, settings):
    settings.TRIBUNE_WAITLIST_INVITE_PLACES = 1
    (member,) = in_line(1)
    client.force_login(member)

    assert "moves you up 1 place." in words(client.get(WAITLIST))


def test_a_waitlisted_member_who_has_not_confirmed_is_asked_to(client, waitlisted):
    client.force_login(waitlisted)

    text = words(client.get(WAITLIST))

    assert "Confirm your e-mail address to take your place in line." in text
    assert "in line." in text
    assert "You are number" not in text


def test_an_admitted_member_is_told_they_are_in(client, member):
    client.force_login(member)

    response = client.get(WAITLIST)

    text = words(response)
    assert "You are in" in text
    assert "Invite friends" in text
    assert f'href="{reverse("accounts:invitations")}"' in response.content.decode()
    assert "You are number" not in text


def test_a_suspended_member_is_told_they_are_not_in_line(client, suspended):
    client.force_login(suspended)

    assert "Your account is suspended" in words(client.get(WAITLIST))


def test_the_page_follows_the_member_up_the_line(client, settings):
    settings.TRIBUNE_INVITES_PER_MONTH = 10
    ahead = in_line(3)
    (member,) = in_line(1)
    client.force_login(member)
    assert "You are number 4 of 4 in line." in words(client.get(WAITLIST))

    friend = MemberFactory.create(access=Access.WAITLISTED)
    invitation_redeem(code=invitation_create(actor=member).code, member=friend)
    member_email_verified(member=friend)

    assert "You are number 1 of 5 in line." in words(client.get(WAITLIST))
    assert [waitlist_position(Member.objects.get(pk=m.pk)) for m in ahead] == [2, 3, 4]


# --- The banner on every page ---------------------------------------------------------


def test_members_in_line_see_the_banner_on_every_page(client):
    _first, member = in_line(2)
    client.force_login(member)

    for url in ["/", reverse("communities:list"), reverse("posts:recent_changes")]:
        html = client.get(url).content.decode()
        assert "You are number 2 in line." in html, url
        assert f'<a href="{WAITLIST}">How to move up</a>' in html, url


def test_the_banner_is_not_repeated_on_the_waitlist_page(client):
    (member,) = in_line(1)
    client.force_login(member)

    assert "waitlist-banner" not in client.get(WAITLIST).content.decode()


def test_admitted_members_and_visitors_see_no_banner(client, member):
    assert "waitlist-banner" not in client.get("/").content.decode()
    client.force_login(member)
    assert "waitlist-banner" not in client.get("/").content.decode()


BANNER = Template("{% load access_tags %}{% waitlist_banner %}")


def render_banner(user) -> str:
    request = RequestFactory().get("/s/")
    request.user = user
    return BANNER.render(Context({"user": user, "request": request}))


def test_the_banner_costs_one_query_for_members_in_line_and_none_for_anyone_else(
    member, waitlisted, django_assert_num_queries
):
    from django.contrib.auth.models import AnonymousUser

    (in_line_member,) = in_line(1)

    with django_assert_num_queries(1):
        assert "You are number 1 in line." in render_banner(in_line_member)
    with django_assert_num_queries(0):
        assert "Confirm your e-mail address" in render_banner(waitlisted)
    with django_assert_num_queries(0):
        assert render_banner(member).strip() == ""
    with django_assert_num_queries(0):
        assert render_banner(AnonymousUser()).strip() == ""


# --- Where a waitlisted member lands -------------------------------------------------


def confirm_from_the_mail(client, settings, address: str):
    (message,) = [m for m in mailbox(settings) if m["To"] == address]
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", text_of(message))
    assert link is not None
    return client.post(link.group(1))


def test_confirming_the_email_in_waitlist_mode_lands_on_the_place_in_line(client, settings):
    in_line(2)
    client.post(SIGNUP, signup_data())

    response = confirm_from_the_mail(client, settings, "ada@example.org")

    assert response.status_code == 302
    assert response["Location"] == WAITLIST
    page = client.get(WAITLIST)
    assert "You are number 3 of 3 in line." in words(page)
    assert "You have confirmed ada@example.org" in words(page)


def test_confirming_the_email_in_open_mode_lands_on_the_home_page(client, settings, staff):
    access_mode_set(actor=staff, mode=AccessMode.OPEN)
    client.post(SIGNUP, signup_data())

    response = confirm_from_the_mail(client, settings, "ada@example.org")

    assert response["Location"] == reverse("home")
    assert Member.objects.get(username="ada").access == Access.ADMITTED


def test_a_friend_invited_by_an_admitted_member_lands_on_the_home_page(client, settings, member):
    invitation = invitation_create(actor=member)
    client.post(SIGNUP, signup_data(invite=invitation.code))

    response = confirm_from_the_mail(client, settings, "ada@example.org")

    assert response["Location"] == reverse("home")
    assert Member.objects.get(username="ada").is_admitted


def test_a_waitlisted_member_who_logs_in_lands_on_their_place_in_line(client):
    (member,) = in_line(1)

    response = client.post(
        reverse("account_login"), {"login": member.username, "password": PASSWORD}
    )

    assert response["Location"] == WAITLIST


def test_an_admitted_member_who_logs_in_lands_on_the_home_page(client, member):
    response = client.post(
        reverse("account_login"), {"login": member.username, "password": PASSWORD}
    )

    assert response["Location"] == reverse("home")


# --- The sign-up page -------------------------------------------------------------------


def invite_value(response) -> str | None:
    found = re.search(r'<input[^>]+name="invite"[^>]*>', response.content.decode())
    assert found is not None
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else None


def test_an_invitation_link_fills_in_the_code_and_names_the_friend(client, member):
    invitation = invitation_create(actor=member)

    response = client.get(f"{SIGNUP}?invite={invitation.code}")

    assert invite_value(response) == invitation.code
    text = words(response)
    assert f"{member.name} invited you." in text
    assert "With this invitation you are in as soon as you confirm your e-mail address." in text


def test_an_invitation_from_a_waitlisted_member_says_both_wait(client):
    (inviter,) = in_line(1)
    invitation = invitation_create(actor=inviter)

    text = words(client.get(f"{SIGNUP}?invite={invitation.code}"))

    assert "Your friend is waiting in line too" in text


@pytest.mark.parametrize(
    ("mode", "sentence"),
    [
        (AccessMode.OPEN, "You are in as soon as you confirm your e-mail address."),
        (AccessMode.WAITLIST, "Once you confirm your e-mail address, you get a place in line"),
        (AccessMode.INVITE_ONLY, "Joining is by invitation"),
    ],
)
def test_the_sign_up_page_says_what_happens_under_the_mode(client, staff, mode, sentence):
    access_mode_set(actor=staff, mode=mode)

    assert sentence in words(client.get(SIGNUP))


def used(member: Member) -> Invitation:
    invitation = invitation_create(actor=member)
    invitation_redeem(code=invitation.code, member=MemberFactory.create(access=Access.WAITLISTED))
    return invitation


def expired(member: Member) -> Invitation:
    invitation = invitation_create(actor=member)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    return invitation


BAD_CODES = [
    pytest.param(lambda m: "no-such-code", "This invitation code is unknown.", id="unknown"),
    pytest.param(lambda m: used(m).code, "This invitation has already been used.", id="used"),
    pytest.param(lambda m: expired(m).code, "This invitation has expired.", id="expired"),
]


@pytest.mark.parametrize(("code_of", "message"), BAD_CODES)
def test_a_link_with_a_bad_code_says_so_at_once(client, member, code_of, message):
    code = code_of(member)

    response = client.get(f"{SIGNUP}?invite={code}")

    assert message in words(response)
    assert invite_value(response) == code
    assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize(("code_of", "message"), BAD_CODES)
def test_a_bad_code_is_refused_with_everything_else_kept(client, member, code_of, message):
    code = code_of(member)

    response = client.post(SIGNUP, signup_data(invite=code))

    assert response.status_code == 200
    assert not Member.objects.filter(username="ada").exists()
    html = response.content.decode()
    error = re.search(r'<ul class="errorlist" id="id_invite_error"><li>([^<]+)</li>', html)
    assert error is not None and message in error.group(1)
    for name, value in [
        ("display_name", "Ada Lovelace"),
        ("username", "ada"),
        ("email", "ada@example.org"),
        ("date_of_birth", "1990-12-10"),
        ("invite", code),
    ]:
        assert re.search(rf'<input[^>]+name="{name}"[^>]+value="{re.escape(value)}"', html), name
    # Said next to the field only, not once more above the form.
    assert html.count(message) == 1 + ('class="error-summary' in html)
