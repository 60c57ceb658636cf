"""Community notes in a real browser: add a note, rate one with htmx and without
JavaScript, and see a helpful note on its post and on the feed once the scorer ran."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import audit, click_through, htmx_request, log_in_as, visit
from tests.factories import MemberFactory, make_post, make_subwiki
from tests.notes.test_services import rated_population
from tribune.accounts.models import Member
from tribune.notes.models import CommunityNote, NoteRating
from tribune.notes.services import note_create, notes_score
from tribune.posts.models import Post

pytestmark = pytest.mark.browser


@pytest.fixture
def post(ada: Member) -> Post:
    return make_post(
        ada,
        subwiki=make_subwiki(ada, name="Analytical Engines", slug="engines"),
        title="The engine ran for a week",
    )


@pytest.fixture
def note(post: Post) -> CommunityNote:
    nora = MemberFactory.create(username="nora", display_name="Nora Checker", trust_level=1)
    return note_create(
        actor=nora,
        post_id=post.pk,
        classification="misleading",
        body="It ran for **two days**, says the logbook: https://example.org/logbook",
    )


def test_a_member_rates_a_note_in_place_and_changes_their_mind(
    page: Page, grace: Member, note: CommunityNote, post: Post
):
    log_in_as(page, grace)
    visit(page, post.get_absolute_url())
    page.evaluate("() => { window.stillHere = true; }")  # gone if the page reloads

    notes = page.get_by_role("region", name="Community notes")
    expect(notes).to_contain_text("two days")
    expect(notes).to_contain_text("Needs more ratings")
    rating = page.locator(f"#note-rating-{note.pk}")
    yes = rating.get_by_role("button", name="Yes")
    expect(yes).to_have_attribute("aria-pressed", "false")
    assert htmx_request(page, yes).status == 200
    expect(rating.get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    expect(rating).to_contain_text("Rated helpful: 1")
    expect(rating.get_by_role("status")).to_contain_text("Your rating is saved")
    assert page.evaluate("() => window.stillHere") is True
    audit(page)

    # Rated again, the rating changes: still one per member.
    htmx_request(page, rating.get_by_role("button", name="No"))
    expect(rating.get_by_role("button", name="No")).to_have_attribute("aria-pressed", "true")
    expect(rating).to_contain_text("not helpful: 1")
    audit(page)
    assert NoteRating.objects.get(note=note, rater=grace).helpful == "no"


def test_rating_without_javascript_comes_back_to_the_note(
    no_script_page: Page, grace: Member, note: CommunityNote, post: Post
):
    page = log_in_as(no_script_page, grace)
    visit(page, post.get_absolute_url())
    click_through(
        page, page.locator(f"#note-rating-{note.pk}").get_by_role("button", name="Somewhat")
    )
    expect(page).to_have_url(re.compile(rf"/p/{post.pk}/#note-{note.pk}$"))
    expect(page.get_by_role("status").first).to_contain_text("Your rating is saved")
    somewhat = page.locator(f"#note-rating-{note.pk}").get_by_role("button", name="Somewhat")
    expect(somewhat).to_have_attribute("aria-pressed", "true")


def test_a_level_one_member_adds_a_note_from_the_post_page(page: Page, post: Post):
    writer = MemberFactory.create(username="nora", display_name="Nora Checker", trust_level=1)
    log_in_as(page, writer)
    visit(page, post.get_absolute_url())
    page.get_by_text("Add a note to this post").click()
    page.get_by_label("The post is misleading").check()
    page.get_by_label("Your note").fill("The logbook says two days: https://example.org/log")
    click_through(page, page.get_by_role("button", name="Add the note"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "A note on “The engine ran for a week”"
    )
    expect(page.get_by_role("status").first).to_contain_text("Your note is added")
    expect(page.get_by_role("link", name="https://example.org/log")).to_be_visible()
    assert CommunityNote.objects.get(author=writer).sources == ["https://example.org/log"]


def test_a_helpful_note_shows_on_its_post_and_the_feed_after_scoring(page: Page, post: Post):
    notes, _group = rated_population(post, camp=4)
    visit(page, post.get_absolute_url())
    expect(page.get_by_role("complementary", name="Readers added context")).to_have_count(0)

    notes_score()
    visit(page, post.get_absolute_url())
    context = page.get_by_role("complementary", name="Readers added context")
    expect(context).to_contain_text("Context 0 (bridging).")
    context.get_by_text("Why is this shown?").click()
    expect(context).to_contain_text("members who usually disagree")
    audit(page)
    click_through(page, context.get_by_role("link", name="The note, its sources and its ratings"))
    expect(page.get_by_role("heading", name="Status")).to_contain_text("Helpful")

    visit(page, "/all/")
    card = page.get_by_role("article", name="The engine ran for a week")
    expect(card).to_contain_text("Readers added context")
    expect(card).to_contain_text("Context 0 (bridging).")
    # The notes only one camp likes are on no card.
    expect(page.get_by_text("Context 2 (left).")).to_have_count(0)
    assert notes["bridging"][0].post_id == post.pk
