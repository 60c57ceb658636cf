"""Joining Tribune and looking after one's account, in a real browser."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    PHONE,
    click_through,
    fill_sign_up,
    first_link,
    has_horizontal_scroll,
    header,
    log_in,
    mail_text,
    read_mail,
    visit,
)
from tests.factories import PASSWORD, MemberFactory
from tribune.accounts.models import Member

pytestmark = pytest.mark.browser


def test_join_confirm_log_in_edit_profile_and_log_out(page: Page, settings):
    visit(page, "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Tribune")
    click_through(page, page.get_by_role("main").get_by_role("link", name="Join Tribune"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    fill_sign_up(
        page,
        name="Ada Lovelace",
        username="ada",
        email="ada@example.org",
        born=dt.date(1990, 12, 10),
    )
    click_through(page, page.get_by_role("button", name="Sign up"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")

    (message,) = read_mail(settings.EMAIL_FILE_PATH)
    assert message["To"] == "ada@example.org"
    visit(page, first_link(mail_text(message), "/accounts/confirm-email/"))
    expect(page.get_by_role("main")).to_contain_text("ada@example.org")
    click_through(page, page.get_by_role("button", name="Confirm"))
    expect(page.get_by_role("status")).to_contain_text("You have confirmed ada@example.org")

    # Confirming logged Ada in; she logs out and back in as she will on another day.
    click_through(page, header(page).get_by_role("button", name="Log out"))
    expect(header(page).get_by_role("link", name="Log in")).to_be_visible()
    click_through(page, header(page).get_by_role("link", name="Log in"))
    log_in(page, "ada")
    expect(header(page).get_by_role("link", name="Ada Lovelace")).to_be_visible()

    click_through(page, header(page).get_by_role("link", name="Settings"))
    expect(page.get_by_label("Name", exact=True)).to_have_value("Ada Lovelace")
    page.get_by_label("Name", exact=True).fill("Ada King")
    page.get_by_label("Bio").fill("Mathematician. Wrote the first published program.")
    click_through(page, page.get_by_role("button", name="Save profile"))
    expect(page.get_by_role("status")).to_contain_text("Your profile has been saved.")

    click_through(page, header(page).get_by_role("link", name="Ada King"))
    expect(page).to_have_url(re.compile(r"/u/ada/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada King")
    expect(page.get_by_role("main")).to_contain_text(
        "Mathematician. Wrote the first published program."
    )

    click_through(page, header(page).get_by_role("button", name="Log out"))
    expect(page.get_by_role("status")).to_contain_text("You have logged out.")
    expect(header(page).get_by_role("link", name="Log in")).to_be_visible()
    expect(header(page).get_by_role("link", name="Ada King")).to_have_count(0)


def test_under_age_sign_up_is_refused_and_keeps_what_was_typed(page: Page, settings):
    today = timezone.localdate()
    fifteen_years_ago = today.replace(year=today.year - 15, day=min(today.day, 28))
    visit(page, "/accounts/signup/")
    fill_sign_up(
        page,
        name="Young Reader",
        username="young",
        email="young@example.org",
        born=fifteen_years_ago,
    )
    click_through(page, page.get_by_role("button", name="Sign up"))

    expect(page.get_by_role("alert")).to_contain_text("You must be at least 16 years old to join.")
    date_of_birth = page.get_by_label("Date of birth")
    expect(date_of_birth).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Young Reader")
    expect(page.get_by_label("Email", exact=True)).to_have_value("young@example.org")
    assert not Member.objects.filter(username="young").exists()
    assert read_mail(settings.EMAIL_FILE_PATH) == []


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone-360px"])
def test_pages_fit_a_phone_without_sideways_scrolling(page: Page):
    visit(page, "/")
    assert not has_horizontal_scroll(page)
    expect(header(page).get_by_role("link", name="Sign up")).to_be_in_viewport()

    visit(page, "/accounts/signup/")
    assert not has_horizontal_scroll(page)
    # Errors and the summary above the form must fit too.
    click_through(page, page.get_by_role("button", name="Sign up"))
    expect(page.get_by_role("alert")).to_be_visible()
    assert not has_horizontal_scroll(page)


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_account_pages_pass_the_audit(page: Page, color_scheme: str):
    MemberFactory.create(username="grace", display_name="Grace Hopper", bio="Admiral. Debugger.")
    for path in [
        "/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/confirm-email/not-a-key/",
        "/u/grace/",
    ]:
        visit(page, path)

    visit(page, "/accounts/login/")
    log_in(page, "grace", "not the password")
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    log_in(page, "grace")
    expect(header(page).get_by_role("link", name="Grace Hopper")).to_be_visible()

    for path in [
        "/settings/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",  # asks for the password again first
        "/u/grace/",
    ]:
        visit(page, path)
    expect(page.get_by_role("link", name="Edit your profile")).to_be_visible()

    visit(page, "/settings/")
    page.get_by_label("Name", exact=True).fill("")
    click_through(page, page.get_by_role("button", name="Save profile"))
    expect(page.get_by_role("alert")).to_contain_text("Name: This field is required.")


def authenticator_code(secret: str) -> str:
    """The code an authenticator app shows now for `secret` (RFC 6238, as allauth checks it)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return str(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))


def test_two_factor_set_up_then_log_in_with_a_recovery_code(page: Page, settings, grace):
    # One step of clock drift allowed, so that a code read at the end of its 30 seconds counts.
    settings.MFA_TOTP_TOLERANCE = 1
    visit(page, "/accounts/login/")
    log_in(page, "grace")
    click_through(page, header(page).get_by_role("link", name="Settings"))
    settings_nav = page.get_by_role("navigation", name="Settings")
    click_through(page, settings_nav.get_by_role("link", name="Two-factor authentication"))
    click_through(page, page.get_by_role("link", name="Set up an authenticator app"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    click_through(page, page.get_by_role("button", name="Confirm"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    secret = page.get_by_label("Secret").input_value()
    page.get_by_label("Authenticator code").fill(authenticator_code(secret))
    click_through(page, page.get_by_role("button", name="Turn on two-factor authentication"))
    expect(page.get_by_role("status")).to_contain_text("Authenticator app activated.")
    recovery_code = page.get_by_label("Unused codes").input_value().split()[0]

    click_through(page, header(page).get_by_role("button", name="Log out"))
    click_through(page, header(page).get_by_role("link", name="Log in"))
    log_in(page, "grace")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.get_by_label("Code", exact=True).fill("000000")
    click_through(page, page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Code", exact=True).fill(recovery_code)
    click_through(page, page.get_by_role("button", name="Log in"))
    expect(header(page).get_by_role("link", name="Grace Hopper")).to_be_visible()
