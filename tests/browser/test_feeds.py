"""Feeds in a real browser: follow a subwiki and find its posts at home; "load more" with
htmx appends in place, and without JavaScript it is a link to the next page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import audit, click_through, log_in_as, visit
from tests.factories import MemberFactory, make_post, make_subwiki
from tests.feeds.conftest import bulk_posts
from tribune.communities.services import subwiki_follow

pytestmark = pytest.mark.browser


def cards(page: Page):
    return page.locator("article.post-card h3")


def test_follow_a_subwiki_and_see_its_posts_at_home(page: Page):
    reader = MemberFactory.create(username="rita", display_name="Rita Reader")
    owner = MemberFactory.create(username="otto", display_name="Otto Owner")
    gardens = make_subwiki(owner=owner, name="Gardens", slug="gardens")
    make_post(owner, subwiki=gardens, title="Planting tulips in autumn")
    make_post(owner, subwiki=make_subwiki(owner=owner, name="Cars"), title="Changing a tyre")
    log_in_as(page, reader)

    visit(page, "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your feed")
    expect(page.get_by_role("main")).to_contain_text("Your feed is empty for now")

    visit(page, "/s/gardens/")
    page.locator("#subwiki-actions").get_by_role("button", name="Follow").click()
    expect(page.locator("#subwiki-actions").get_by_role("button", name="Unfollow")).to_be_visible()
    audit(page)

    click_through(page, page.get_by_role("banner").get_by_role("link", name="Tribune", exact=True))
    expect(cards(page)).to_have_text(["Planting tulips in autumn"])
    card = page.locator("article.post-card").first
    expect(card.get_by_role("link", name="Gardens")).to_have_attribute("href", "/s/gardens/")
    expect(card.get_by_role("link", name="Otto Owner")).to_be_visible()
    expect(card).to_contain_text("0 comments")

    # Everything, by contrast, has the other subwiki's post too.
    click_through(page, page.get_by_role("link", name="Everything"))
    expect(cards(page)).to_have_text(["Changing a tyre", "Planting tulips in autumn"])


def _busy_reader(count: int):
    reader = MemberFactory.create(username="rita", display_name="Rita Reader")
    owner = MemberFactory.create(username="otto", display_name="Otto Owner")
    gardens = make_subwiki(owner=owner, name="Gardens", slug="gardens")
    subwiki_follow(actor=reader, subwiki=gardens)
    bulk_posts(count, authors=[owner], subwikis=[gardens])
    return reader


def test_load_more_appends_the_next_posts_in_place(page: Page):
    log_in_as(page, _busy_reader(45))
    visit(page, "/")
    expect(cards(page)).to_have_count(20)

    page.get_by_role("link", name="Load older posts").click()
    expect(cards(page)).to_have_count(40)
    expect(cards(page).nth(20)).to_have_text("Bulk post 20")
    audit(page)
    page.get_by_role("link", name="Load older posts").click()
    expect(cards(page)).to_have_count(45)
    expect(cards(page).last).to_have_text("Bulk post 44")
    expect(page.get_by_role("link", name="Load older posts")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/$"))  # the page itself never changed
    audit(page)


def test_load_more_without_javascript_opens_the_next_page(no_script_page: Page):
    page = log_in_as(no_script_page, _busy_reader(25))
    visit(page, "/")
    expect(cards(page)).to_have_count(20)

    click_through(page, page.get_by_role("link", name="Load older posts"))

    expect(page).to_have_url(re.compile(r"/\?cursor="))
    expect(cards(page)).to_have_text([f"Bulk post {i}" for i in range(20, 25)])
    click_through(page, page.get_by_role("link", name="Back to the newest posts"))
    expect(cards(page).first).to_have_text("Bulk post 0")
