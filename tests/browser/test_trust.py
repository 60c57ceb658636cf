"""Vouching on a profile in a real browser: with htmx the trust panel changes in place,
and without JavaScript the same form comes back to the profile."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import audit, click_through, htmx_request, log_in_as, visit
from tests.factories import MemberFactory
from tribune.accounts.models import Member
from tribune.trust.models import Vouch

pytestmark = pytest.mark.browser


def people() -> tuple[Member, Member]:
    ada = MemberFactory.create(username="ada", display_name="Ada Lovelace")
    grace = MemberFactory.create(username="grace", display_name="Grace Hopper", trust_level=1)
    return ada, grace


def test_vouch_and_withdraw_with_javascript(page: Page):
    ada, grace = people()
    log_in_as(page, grace)
    visit(page, "/u/ada/")
    panel = page.get_by_role("region", name="Trust level 0: New member")
    expect(panel).to_contain_text("Posts may hold at most 2 links.")
    page.evaluate("() => { window.stillHere = true; }")  # gone if the page reloads
    vouch = panel.get_by_role("button", name="Vouch for this member Ada Lovelace")
    assert htmx_request(page, vouch).status == 200
    withdraw = page.get_by_role("button", name="Withdraw your vouch Ada Lovelace")
    expect(withdraw).to_be_visible()
    expect(page.get_by_role("list", name="Vouched for by")).to_contain_text("Grace Hopper")
    assert page.evaluate("() => window.stillHere") is True
    audit(page)
    assert Vouch.objects.filter(voucher=grace, member=ada).exists()

    withdraw.click()
    expect(page.get_by_role("button", name="Vouch for this member Ada Lovelace")).to_be_visible()
    expect(page.get_by_text("Nobody vouches for Ada Lovelace yet.")).to_be_visible()
    assert not Vouch.objects.exists()


def test_vouch_without_javascript(no_script_page: Page):
    _ada, grace = people()
    page = log_in_as(no_script_page, grace)
    visit(page, "/u/ada/")
    click_through(page, page.get_by_role("button", name="Vouch for this member Ada Lovelace"))
    expect(page).to_have_url(re.compile(r"/u/ada/#trust$"))
    expect(page.get_by_role("status")).to_contain_text("You vouch for Ada Lovelace.")
    expect(page.get_by_role("button", name="Withdraw your vouch Ada Lovelace")).to_be_visible()
    audit(page)
