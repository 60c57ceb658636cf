"""Subwikis, posts and wiki-style editing in a real browser: history, diffs, reverts,
edit conflicts, htmx's inline edit and preview, and the same without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Locator, Page, expect

from tests.browser.helpers import (
    PHONE,
    OpenPage,
    audit,
    click_through,
    has_horizontal_scroll,
    header,
    htmx_request,
    log_in,
    log_in_as,
    visit,
)
from tests.factories import make_post, make_subwiki
from tribune.accounts.models import Member
from tribune.posts.models import Post
from tribune.posts.services import post_edit
from tribune.wiki.models import Revision

pytestmark = pytest.mark.browser


def status(page: Page, text: str) -> Locator:
    return page.get_by_role("status").filter(has_text=text)


def revision_ids(post_id: int) -> list[int]:
    return list(
        Revision.objects.filter(page__post__pk=post_id).order_by("pk").values_list("pk", flat=True)
    )


ORIGINAL = (
    "Ada wrote her notes on the engine in 1842.\n"
    "\n"
    "They show how it could compute Bernoulli numbers.\n"
)
EDITED = (
    "Ada wrote her notes on the engine in 1843.\n"
    "\n"
    "They show how it could compute Bernoulli numbers.\n"
)


@pytest.mark.usefixtures("ada", "grace")
def test_create_a_subwiki_post_edit_compare_and_revert(page: Page):
    # Ada starts a subwiki and writes the first article in it.
    visit(page, "/accounts/login/")
    log_in(page, "ada")
    click_through(page, header(page).get_by_role("link", name="Subwikis"))
    click_through(page, page.get_by_role("link", name="Create a subwiki"))
    page.get_by_label("Name", exact=True).fill("Analytical Engines")
    page.get_by_label("Address").fill("engines")
    page.get_by_label("Description").fill("Machines that *compute*, and the people behind them.")
    page.get_by_label("Public: anyone can read").check()
    click_through(page, page.get_by_role("button", name="Create the subwiki"))
    expect(page).to_have_url(re.compile(r"/s/engines/$"))
    expect(status(page, "Analytical Engines is ready, and you are its owner.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Analytical Engines")

    click_through(page, page.get_by_role("main").get_by_role("link", name="New post"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New post in Analytical Engines")
    expect(page.get_by_label("Where to post")).to_have_value("engines")
    page.get_by_label("Title").fill("The notes on the engine")
    page.get_by_label("Article", exact=True).fill(ORIGINAL)
    click_through(page, page.get_by_role("button", name="Publish"))
    expect(status(page, "Your post is published.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("The notes on the engine")
    click_through(page, header(page).get_by_role("button", name="Log out"))

    # Grace finds the article and corrects the year on the full edit page.
    click_through(page, header(page).get_by_role("link", name="Log in"))
    log_in(page, "grace")
    visit(page, "/s/engines/")
    click_through(page, page.get_by_role("link", name="The notes on the engine"))
    post_id = int(re.findall(r"/p/(\d+)/", page.url)[0])
    visit(page, f"/p/{post_id}/edit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the post")
    expect(page.get_by_label("Article", exact=True)).to_have_value(ORIGINAL)
    page.get_by_label("Article", exact=True).fill(EDITED)
    page.get_by_label("Edit summary").fill("The notes are from 1843")
    htmx_request(page, page.get_by_role("button", name="Save", exact=True))
    expect(status(page, "Your edit is saved.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/p/{post_id}/$"))
    expect(page).to_have_title(re.compile(r"^The notes on the engine ·"))
    expect(page.locator(".post-body")).to_contain_text("in 1843.")
    audit(page)

    # The history lists both versions; Grace compares them.
    click_through(page, page.get_by_role("link", name="History"))
    first, second = revision_ids(post_id)
    history = page.get_by_role("list", name="Revisions, newest first")
    expect(history.get_by_role("listitem")).to_have_count(2)
    expect(history).to_contain_text("The notes are from 1843")
    page.get_by_label(f"Compare from revision {first}").check()
    page.get_by_label(f"Compare to revision {second}").check()
    click_through(page, page.get_by_role("button", name="Compare the chosen versions"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Changes to the post")
    diff = page.locator(".diff")
    # Only the changed word is marked; the line it is in and the others read as they were.
    expect(diff.locator("del")).to_have_text(["1842"])
    expect(diff.locator("ins")).to_have_text(["1843"])
    expect(diff.locator(".diff-delete")).to_contain_text("Ada wrote her notes on the engine in")

    # Anyone who may edit an open post may restore the first version; it becomes a third.
    click_through(
        page, page.get_by_role("button", name=f"Restore the older version (revision {first})")
    )
    expect(page).to_have_url(re.compile(rf"/p/{post_id}/$"))
    expect(status(page, f"Revision {first} is restored, as a new revision.")).to_be_visible()
    expect(page.locator(".post-body")).to_contain_text("in 1842.")
    expect(page.locator(".post-body")).not_to_contain_text("1843")
    assert Post.objects.get(pk=post_id).body == ORIGINAL
    click_through(page, page.get_by_role("link", name="History"))
    expect(history.get_by_role("listitem")).to_have_count(3)
    expect(history.get_by_role("listitem").first).to_contain_text(f"restores {first}")


@pytest.mark.parametrize("second_has_scripts", [True, False], ids=["htmx", "no-javascript"])
def test_an_edit_conflict_keeps_the_members_text(
    page: Page, open_page: OpenPage, ada: Member, grace: Member, second_has_scripts: bool
):
    post = make_post(
        author=ada,
        subwiki=make_subwiki(owner=ada),
        title="Shared notes",
        body="First line.\nSecond line.\nThird line.\n",
    )
    edit_path = f"/p/{post.pk}/edit/"
    ada_page = log_in_as(page, ada)
    grace_page = log_in_as(open_page(java_script_enabled=second_has_scripts), grace)

    # Both open the form of the same revision.
    visit(ada_page, edit_path)
    visit(grace_page, edit_path)

    ada_page.get_by_label("Article", exact=True).fill(
        "First line.\nSecond line, as Ada wrote it.\nThird line.\n"
    )
    htmx_request(ada_page, ada_page.get_by_role("button", name="Save", exact=True))
    expect(status(ada_page, "Your edit is saved.")).to_be_visible()
    audit(ada_page)

    grace_text = "First line.\nSecond line, as Grace wrote it.\nThird line.\n"
    grace_page.get_by_label("Article", exact=True).fill(grace_text)
    grace_page.get_by_label("Edit summary").fill("Grace's wording")
    save = grace_page.get_by_role("button", name="Save", exact=True)
    if second_has_scripts:
        # htmx swaps only successful answers: the form with the conflict comes with 200.
        assert htmx_request(grace_page, save).status == 200
        audit(grace_page)
    else:
        page_answer = click_through(grace_page, save)
        assert page_answer is not None
        assert page_answer.status == 409

    expect(
        grace_page.get_by_role(
            "heading", name="Someone else changed the same part while you were editing"
        )
    ).to_be_visible()
    expect(grace_page.get_by_role("alert")).to_contain_text(
        "Nothing was saved, and nothing is lost"
    )
    conflict = grace_page.locator(".conflict-region")
    expect(conflict.locator("del")).to_contain_text(["Ada"])
    expect(conflict.locator("ins")).to_contain_text(["Grace"])
    expect(grace_page.get_by_label("Text as saved meanwhile")).to_have_value(
        re.compile("Second line, as Ada wrote it.")
    )
    expect(grace_page.get_by_label("Article", exact=True)).to_have_value(grace_text)
    expect(grace_page.get_by_label("Edit summary")).to_have_value("Grace's wording")
    assert len(revision_ids(post.pk)) == 2
    assert Post.objects.get(pk=post.pk).body == (
        "First line.\nSecond line, as Ada wrote it.\nThird line.\n"
    )

    # Grace combines the two and saves: this time it goes through.
    resolved = "First line.\nSecond line, as Ada and Grace wrote it.\nThird line.\n"
    grace_page.get_by_label("Article", exact=True).fill(resolved)
    save = grace_page.get_by_role("button", name="Save", exact=True)
    if second_has_scripts:
        htmx_request(grace_page, save)
        audit(grace_page)
    else:
        click_through(grace_page, save)
    expect(status(grace_page, "Your edit is saved.")).to_be_visible()
    expect(grace_page.locator(".post-body")).to_contain_text("Second line, as Ada and Grace")
    assert Post.objects.get(pk=post.pk).body == resolved
    assert len(revision_ids(post.pk)) == 3


def test_inline_edit_and_markdown_preview_with_htmx(page: Page, live_server, ada: Member):
    post = make_post(author=ada, title="Inline notes", body="The engine weaves patterns.\n")
    post_url = f"{live_server.url}/p/{post.pk}/"
    log_in_as(page, ada)
    dialogs: list[str] = []
    console_errors: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)

    visit(page, post_url)
    # Gone if the page reloads.
    page.evaluate("() => { window.stillTheSamePage = true; }")

    answer = htmx_request(page, page.get_by_role("link", name="Edit", exact=True))
    assert answer.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the post")
    expect(page.get_by_label("Article", exact=True)).to_have_value("The engine weaves patterns.\n")
    expect(page).to_have_url(post_url)
    expect(page).to_have_title(re.compile(r"^Edit: Inline notes ·"))
    audit(page)

    hostile = (
        "The engine weaves **algebraic** patterns.\n\n"
        "<script>alert('boo')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n'
    )
    page.get_by_label("Article", exact=True).fill(hostile)
    htmx_request(page, page.get_by_role("button", name="Preview"))
    preview = page.locator("#edit-preview")
    expect(preview.get_by_role("heading", name="Preview")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("algebraic")
    # Raw HTML is shown as the text it is, never run.
    expect(preview).to_contain_text("<script>alert('boo')</script>")
    expect(preview.locator("script, img")).to_have_count(0)
    # Nothing was saved by previewing.
    assert Post.objects.get(pk=post.pk).body == "The engine weaves patterns.\n"
    audit(page)

    page.get_by_label("Edit summary").fill("More about the patterns")
    htmx_request(page, page.get_by_role("button", name="Save", exact=True))
    expect(status(page, "Your edit is saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inline notes")
    body = page.locator(".post-body")
    expect(body.locator("strong")).to_have_text("algebraic")
    expect(body).to_contain_text("<script>alert('boo')</script>")
    expect(body.locator("script, img")).to_have_count(0)
    expect(page).to_have_url(post_url)
    expect(page).to_have_title(re.compile(r"^Inline notes ·"))
    assert page.evaluate("() => window.stillTheSamePage") is True
    audit(page)
    assert dialogs == []
    assert console_errors == []


def test_editing_works_without_javascript(no_script_page: Page, ada: Member):
    post = make_post(author=ada, title="Plain notes", body="Written without scripts.\n")
    page = log_in_as(no_script_page, ada)

    visit(page, f"/p/{post.pk}/")
    click_through(page, page.get_by_role("link", name="Edit", exact=True))
    expect(page).to_have_url(re.compile(rf"/p/{post.pk}/edit/$"))
    page.get_by_label("Article", exact=True).fill("Edited **without** scripts.\n")

    # The preview button reloads the form with the preview and the text as typed.
    click_through(page, page.get_by_role("button", name="Preview"))
    expect(page.locator("#edit-preview strong")).to_have_text("without")
    expect(page.get_by_label("Article", exact=True)).to_have_value("Edited **without** scripts.\n")

    page.get_by_label("Edit summary").fill("Bold")
    click_through(page, page.get_by_role("button", name="Save", exact=True))
    expect(page).to_have_url(re.compile(rf"/p/{post.pk}/$"))
    expect(status(page, "Your edit is saved.")).to_be_visible()
    expect(page.locator(".post-body strong")).to_have_text("without")
    assert Post.objects.get(pk=post.pk).body == "Edited **without** scripts.\n"


LONG_LINE = (
    "A line long enough to need wrapping on a phone, with a long address in it: "
    "https://example.org/analytical-engine/notes/sketch-of-the-analytical-engine-invented-by-"
    "charles-babbage-with-notes-by-the-translator and an unbroken "
    "Supercalifragilisticexpialidociousnessisnotaword-but-it-is-long.\n"
)


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone-360px"])
def test_subwiki_post_and_diff_pages_fit_a_phone(page: Page, ada: Member):
    subwiki = make_subwiki(
        owner=ada,
        name="Analytical Engines and Difference Engines",
        slug="analytical-and-difference-engines",
        description="Machines that compute.\n\n" + LONG_LINE,
    )
    post = make_post(
        author=ada,
        subwiki=subwiki,
        title="Sketch of the Analytical Engine invented by Charles Babbage, with notes",
        body="First line.\n" + LONG_LINE + "Last line.\n",
    )
    post, _ = post_edit(
        actor=ada,
        post_id=post.pk,
        changes={"body": "First line, changed.\n" + LONG_LINE.replace("long", "longer") + "Last."},
        base_revision=post.page.current_revision_id,
        summary="Longer words, and a summary that is long enough to wrap on a phone screen too",
    )
    log_in_as(page, ada)

    for path in [
        f"/s/{subwiki.slug}/",
        f"/p/{post.pk}/",
        f"/p/{post.pk}/diff/",
        f"/p/{post.pk}/history/",
    ]:
        visit(page, path)
        assert not has_horizontal_scroll(page), f"{path} scrolls sideways on a phone"
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width == PHONE["width"], f"{path} is {width}px wide on a phone"
