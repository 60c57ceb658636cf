"""Following a member and upvoting a post in a real browser: with htmx the buttons change
in place, and without JavaScript the same forms come back to the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import audit, click_through, htmx_request, log_in_as, visit
from tests.factories import make_post, make_subwiki
from tribune.accounts.models import Member, MemberFollow
from tribune.posts.models import Post, Reaction

pytestmark = pytest.mark.browser


@pytest.fixture
def post(ada: Member) -> Post:
    return make_post(ada, subwiki=make_subwiki(ada), title="Notes on the engine")


def test_follow_and_upvote_with_javascript(page: Page, ada: Member, grace: Member, post: Post):
    log_in_as(page, grace)

    # Grace follows Ada from her profile: the button and the count change in place.
    visit(page, "/u/ada/")
    page.evaluate("() => { window.stillHere = true; }")  # gone if the page reloads
    follow = page.get_by_role("button", name="Follow Ada Lovelace")
    assert htmx_request(page, follow).status == 200
    unfollow = page.get_by_role("button", name="Unfollow Ada Lovelace")
    expect(unfollow).to_be_visible()
    expect(unfollow).to_be_focused()  # htmx keeps the focus on the swapped button
    expect(page.get_by_role("link", name="1 follower")).to_be_visible()
    assert page.evaluate("() => window.stillHere") is True
    audit(page)
    assert MemberFollow.objects.filter(follower=grace, followed=ada).exists()

    # Ada's followers list shows Grace.
    click_through(page, page.get_by_role("link", name="1 follower"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Who follows Ada Lovelace")
    expect(page.get_by_role("list", name="Followers, latest first")).to_contain_text("Grace Hopper")

    # On Ada's post Grace upvotes: the toggle is pressed and the count goes up, no reload.
    visit(page, post.get_absolute_url())
    page.evaluate("() => { window.stillHere = true; }")
    upvote = page.get_by_role("button", name="Upvote “Notes on the engine”")
    expect(upvote).to_have_attribute("aria-pressed", "false")
    expect(page.locator(f"#upvote-count-{post.pk}")).to_have_text("0 upvotes")
    assert htmx_request(page, upvote).status == 200
    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#upvote-count-{post.pk}")).to_have_text("1 upvote")
    expect(upvote).to_be_focused()
    assert page.evaluate("() => window.stillHere") is True
    audit(page)
    assert Post.objects.get(pk=post.pk).upvote_count == 1

    # Pressed again, the upvote is taken back.
    htmx_request(page, upvote)
    expect(upvote).to_have_attribute("aria-pressed", "false")
    expect(page.locator(f"#upvote-count-{post.pk}")).to_have_text("0 upvotes")
    assert not Reaction.objects.exists()
    # The post's page also offers Grace to unfollow its author.
    expect(page.get_by_role("button", name="Unfollow Ada Lovelace")).to_be_visible()


def test_follow_and_upvote_without_javascript(
    no_script_page: Page, ada: Member, grace: Member, post: Post
):
    page = log_in_as(no_script_page, grace)

    visit(page, "/u/ada/")
    click_through(page, page.get_by_role("button", name="Follow Ada Lovelace"))
    expect(page).to_have_url(re.compile(rf"/u/ada/#follow-{ada.pk}$"))
    expect(page.get_by_role("status")).to_contain_text("You follow Ada Lovelace")
    expect(page.get_by_role("button", name="Unfollow Ada Lovelace")).to_be_visible()
    expect(page.get_by_role("link", name="1 follower")).to_be_visible()

    visit(page, post.get_absolute_url())
    click_through(page, page.get_by_role("button", name="Upvote “Notes on the engine”"))
    expect(page).to_have_url(re.compile(rf"/p/{post.pk}/#upvote-{post.pk}$"))
    upvote = page.get_by_role("button", name="Upvote “Notes on the engine”")
    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#upvote-count-{post.pk}")).to_have_text("1 upvote")

    click_through(page, upvote)
    expect(page.get_by_role("button", name="Upvote “Notes on the engine”")).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(page.locator(f"#upvote-count-{post.pk}")).to_have_text("0 upvotes")
    assert Post.objects.get(pk=post.pk).upvote_count == 0
