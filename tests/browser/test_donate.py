"""Giving through the offline provider, in a real browser: a waitlisted member pledges and
sees how to pay, staff confirm it, and the member is let in with a supporter
badge they can hide. Also: the goal's bar and the financials, with and without JavaScript."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.helpers import audit, click_through, log_in_as, main, visit
from tests.factories import MemberFactory
from tribune.accounts.models import Access, AccessMode, Member
from tribune.accounts.waitlist import access_mode_set, member_email_verified
from tribune.funding.models import Donation, DonationStatus

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _waitlist_site(transactional_db) -> None:
    """Staff chose the waitlist in the admin (the live server reads the same row)."""
    access_mode_set(actor=None, mode=AccessMode.WAITLIST)


def waiting_in_line(username: str, name: str) -> Member:
    member = MemberFactory.create(username=username, display_name=name, access=Access.WAITLISTED)
    return member_email_verified(member=member)


def test_a_waitlisted_member_gives_staff_confirm_and_the_member_is_let_in(page: Page):
    ada = waiting_in_line("ada", "Ada Lovelace")
    log_in_as(page, ada)

    # Ada reads why to give, and gives 100 EUR once.
    visit(page, "/donate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Support Tribune")
    expect(main(page)).to_contain_text("nothing is behind a paywall")
    expect(main(page)).to_contain_text("You are on the waitlist.")
    expect(page.get_by_role("progressbar", name="This month\u2019s funding goal")).to_be_visible()
    page.get_by_role("radio", name="One time").check()
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_role("radio", name="100 (suggested for a year)").check()
    click_through(page, page.get_by_role("button", name="Donate"))

    donation = Donation.objects.get(member=ada)
    expect(page).to_have_url(f"/donate/{donation.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Donation TRIBUNE-{donation.pk}")
    expect(page.get_by_role("status")).to_contain_text("Thank you! Your pledge is recorded")
    instructions = page.get_by_role("region", name="How to pay")
    expect(instructions).to_contain_text("Pay by bank transfer")
    expect(instructions).to_contain_text("100\u00a0EUR")
    expect(instructions).to_contain_text(f"TRIBUNE-{donation.pk}")
    assert Member.objects.get(pk=ada.pk).access == Access.WAITLISTED

    # Staff see the money arrive and confirm it with the operator's command (the admin's
    # action does the same: tests/funding/test_admin.py; Django's own admin pages are not
    # held to the site's accessibility audit).
    out = StringIO()
    call_command("donations", "confirm", f"TRIBUNE-{donation.pk}", stdout=out)
    assert out.getvalue().startswith(f"Confirmed now: TRIBUNE-{donation.pk}")

    donation.refresh_from_db()
    assert donation.status == DonationStatus.CONFIRMED

    # Ada is thanked, let in, and wears the supporter badge.
    visit(page, f"/donate/{donation.pk}/")
    expect(main(page)).to_contain_text("Thank you! Your donation is confirmed.")
    expect(main(page)).to_contain_text("You are a supporter until")
    visit(page, "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your feed")
    expect(page.get_by_role("link", name="New post").first).to_be_visible()
    visit(page, "/u/ada/")
    expect(main(page).locator(".badge-supporter")).to_have_text("Supporter")

    # She hides it in her settings, and it is gone from her profile.
    visit(page, "/settings/")
    badge = page.get_by_role("checkbox", name="Show my supporter badge")
    expect(badge).to_be_checked()
    badge.uncheck()
    click_through(page, page.get_by_role("button", name="Save the badge setting"))
    expect(page.get_by_role("status")).to_contain_text("Your supporter badge is hidden.")
    expect(page.get_by_role("checkbox", name="Show my supporter badge")).not_to_be_checked()
    visit(page, "/u/ada/")
    expect(main(page).locator(".badge-supporter")).to_have_count(0)

    # Her donations list it, confirmed.
    visit(page, "/donate/mine/")
    row = page.get_by_role("row", name=re.compile(f"TRIBUNE-{donation.pk}"))
    expect(row).to_contain_text("Confirmed")


def test_a_wrong_amount_is_explained_and_kept_without_javascript(
    no_script_page: Page, grace: Member
):
    page = log_in_as(no_script_page, grace)
    visit(page, "/donate/")
    page.get_by_role("radio", name="Monthly").check()
    page.get_by_role("radio", name="Another amount").check()
    page.get_by_label("Your own amount").fill("0.5")
    click_through(page, page.get_by_role("button", name="Donate"))
    expect(page.get_by_role("alert")).to_contain_text("Give from 1.00 to 10000.00 EUR.")
    expect(page.get_by_label("Your own amount")).to_have_value("0.5")
    expect(page.get_by_role("radio", name="Monthly")).to_be_checked()

    page.get_by_label("Your own amount").fill("7.50")
    click_through(page, page.get_by_role("button", name="Donate"))
    expect(page.get_by_role("heading", name="How to pay")).to_be_visible()
    assert Donation.objects.get(member=grace).amount == 7.5


def test_the_home_page_fetches_the_goals_bar_and_the_financials_chart_it(page: Page):
    reader = MemberFactory.create(username="reader", display_name="Reader")
    log_in_as(page, reader)
    visit(page, "/")
    # Fetched by htmx where the page had no sums at hand.
    expect(page.get_by_role("progressbar", name="This month\u2019s funding goal")).to_be_visible()
    expect(page.locator("#funding-bar")).to_contain_text("0 supporters")
    audit(page)
    click_through(page, page.get_by_role("link", name="See the financials"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Financials")
    expect(page.get_by_role("img", name="Raised each month in EUR")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Raised per month"))).to_be_visible()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(13)
