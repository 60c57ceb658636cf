"""Joining a site with a waitlist, and inviting a friend, in a real browser."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    OpenPage,
    click_through,
    fill_sign_up,
    first_link,
    header,
    log_in_as,
    mail_text,
    main,
    read_mail,
    visit,
)
from tests.factories import MemberFactory
from tribune.accounts.invitations import invitation_create
from tribune.accounts.models import Access, AccessMode, Member
from tribune.accounts.waitlist import access_mode_set, member_email_verified

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _waitlist_site(transactional_db, settings) -> None:
    """Staff chose the waitlist in the admin (the live server reads the same row)."""
    access_mode_set(actor=None, mode=AccessMode.WAITLIST)
    settings.TRIBUNE_WAITLIST_INVITE_PLACES = 2


def in_line(count: int) -> list[Member]:
    members = [MemberFactory.create(access=Access.WAITLISTED) for _ in range(count)]
    for member in members:
        member_email_verified(member=member)
    return members


def confirm_from_the_mail(page: Page, settings, address: str) -> None:
    (message,) = [m for m in read_mail(settings.EMAIL_FILE_PATH) if m["To"] == address]
    visit(page, first_link(mail_text(message), "/accounts/confirm-email/"))
    click_through(page, page.get_by_role("button", name="Confirm"))


def test_sign_up_in_waitlist_mode_confirm_and_see_the_place_in_line(page: Page, settings):
    in_line(2)
    visit(page, "/accounts/signup/")
    expect(main(page)).to_contain_text("Once you confirm your e-mail address, you get a place")

    fill_sign_up(
        page, name="Ada Lovelace", username="ada", email="ada@example.org", born=dt.date(1990, 1, 2)
    )
    click_through(page, page.get_by_role("button", name="Sign up"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    confirm_from_the_mail(page, settings, "ada@example.org")

    expect(page).to_have_url("/waitlist/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your place in line")
    expect(main(page)).to_contain_text("You are number 3 of 3 in line.")
    expect(page.get_by_role("status")).to_contain_text("You have confirmed ada@example.org")
    expect(page.get_by_role("heading", name="How to move up")).to_be_visible()

    # Reading what is public meanwhile, with the place in line on every page.
    click_through(page, header(page).get_by_role("link", name="Subwikis"))
    expect(main(page)).to_contain_text("You are number 3 in line.")
    click_through(page, main(page).get_by_role("link", name="How to move up"))
    expect(page).to_have_url("/waitlist/")


def sign_up_with(tab: Page, url: str, settings, *, name: str, username: str) -> None:
    """A friend follows the invitation's address, signs up and confirms their e-mail."""
    visit(tab, url)
    code = url.rpartition("invite=")[2]
    expect(tab.get_by_label("Invitation code")).to_have_value(code)
    fill_sign_up(
        tab, name=name, username=username, email=f"{username}@example.org", born=dt.date(1991, 3, 4)
    )
    click_through(tab, tab.get_by_role("button", name="Sign up"))
    expect(tab.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    confirm_from_the_mail(tab, settings, f"{username}@example.org")


def make_invitation(page: Page) -> str:
    click_through(page, page.get_by_role("button", name="Make an invitation"))
    expect(page.get_by_role("status")).to_contain_text("Invitation made.")
    return page.get_by_label("Sign-up address to send to your friend").input_value()


def test_a_friend_who_joins_moves_a_waitlisted_inviter_up(
    page: Page, open_page: OpenPage, live_server, settings
):
    in_line(4)
    (grace,) = in_line(1)
    log_in_as(page, grace)
    visit(page, "/waitlist/")
    expect(main(page)).to_contain_text("You are number 5 of 5 in line.")
    expect(main(page)).to_contain_text("moves you up 2 places")

    click_through(page, main(page).get_by_role("link", name="Invite friends"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations")
    url = make_invitation(page)
    assert url.startswith(live_server.url + "/accounts/signup/?invite=")

    friend = open_page()
    sign_up_with(friend, url, settings, name="Alan Turing", username="alan")
    expect(friend).to_have_url("/waitlist/")
    expect(main(friend)).to_contain_text("You are number 6 of 6 in line.")

    visit(page, "/waitlist/")
    expect(main(page)).to_contain_text("You are number 3 of 6 in line.")
    visit(page, "/invites/")
    expect(main(page)).to_contain_text("Accepted")
    expect(main(page).get_by_role("link", name="Alan Turing")).to_be_visible()


def test_a_friend_of_an_admitted_member_is_in_at_once(page: Page, open_page: OpenPage, settings):
    in_line(3)
    grace = MemberFactory.create(display_name="Grace Hopper")
    log_in_as(page, grace)
    visit(page, "/invites/")
    url = make_invitation(page)

    friend = open_page()
    visit(friend, url)
    expect(main(friend)).to_contain_text("Grace Hopper invited you.")
    expect(main(friend)).to_contain_text("With this invitation you are in as soon as")
    sign_up_with(friend, url, settings, name="Alan Turing", username="alan")
    expect(friend).to_have_url("/")
    expect(main(friend)).not_to_contain_text("in line")
    expect(header(friend).get_by_role("link", name="New post")).to_be_visible()

    assert Member.objects.get(username="alan").is_admitted
    visit(page, "/invites/")
    expect(main(page)).to_contain_text("Accepted")


def test_without_javascript_invitations_load_more_and_the_place_shows(
    no_script_page: Page, settings
):
    settings.TRIBUNE_INVITES_PER_MONTH = 30
    (grace,) = in_line(1)
    for _ in range(21):  # one more than a page
        invitation_create(actor=grace)
    tab = log_in_as(no_script_page, grace)
    visit(tab, "/invites/")
    addresses = main(tab).get_by_label("Sign-up address to send to your friend")
    expect(addresses).to_have_count(20)
    click_through(tab, main(tab).get_by_role("link", name="Show more invitations"))
    expect(addresses).to_have_count(1)

    click_through(tab, main(tab).get_by_role("link", name="Your place in line"))
    expect(main(tab)).to_contain_text("You are number 1 of 1 in line.")
