"""A post's talk in a real browser: comment and reply with htmx and without JavaScript,
edit and delete in place, and fold a thread."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.helpers import (
    OpenPage,
    audit,
    click_through,
    htmx_request,
    log_in_as,
    visit,
)
from tests.factories import make_post, make_subwiki
from tribune.accounts.models import Member
from tribune.talk.models import Comment
from tribune.talk.services import MAX_BODY, comment_create

pytestmark = pytest.mark.browser


@pytest.fixture
def post(ada: Member):
    return make_post(
        author=ada,
        subwiki=make_subwiki(owner=ada, name="Analytical Engines", slug="engines"),
        title="The notes on the engine",
    )


def talk(page: Page) -> Locator:
    return page.get_by_role("region", name=re.compile(r"^Talk"))


def thread_of(page: Page, comment: Comment) -> Locator:
    return page.locator(f"#comment-{comment.pk}")


def test_comment_reply_edit_and_delete_with_htmx(
    page: Page, open_page: OpenPage, ada: Member, grace: Member, post
):
    ada_page = log_in_as(page, ada)
    visit(ada_page, post.get_absolute_url())
    expect(talk(ada_page)).to_contain_text("No comments yet")

    # Ada starts the talk; the page does not reload, and her comment ends the list.
    ada_page.get_by_label("Your comment", exact=True).fill("Who has read the **1843** notes?")
    htmx_request(ada_page, ada_page.get_by_role("button", name="Post the comment"))
    first = Comment.objects.get()
    expect(thread_of(ada_page, first).locator(".comment-body strong")).to_have_text("1843")
    expect(ada_page.locator("#talk-count")).to_have_text("1 comment")
    expect(ada_page.locator("#talk-empty")).to_have_count(0)
    expect(ada_page.get_by_label("Your comment", exact=True)).to_have_value("")
    expect(ada_page).to_have_url(re.compile(rf"/p/{post.pk}/$"))
    audit(ada_page)

    # Grace replies in place, mentioning Ada.
    grace_page = log_in_as(open_page(), grace)
    visit(grace_page, post.get_absolute_url())
    reply_box = grace_page.locator(f"#reply-{first.pk}")
    reply_box.locator("summary").click()
    reply_box.get_by_label("Your reply").fill("I have, @ada: note G is the famous one.")
    htmx_request(grace_page, reply_box.get_by_role("button", name="Post the reply"))
    reply = Comment.objects.get(parent=first)
    nested = grace_page.locator(f"#replies-{first.pk} > #comment-{reply.pk}")
    expect(nested).to_contain_text("note G is the famous one")
    expect(nested.get_by_role("link", name="@ada", exact=True).first).to_have_attribute(
        "href", "/u/ada/"
    )
    # The reply form is emptied and folded away again; the count follows.
    expect(grace_page.locator(f"#reply-{first.pk}")).not_to_have_attribute("open", "")
    expect(grace_page.locator("#talk-count")).to_have_text("2 comments")
    audit(grace_page)

    # Ada edits her comment in place: it says "edited" and links to the earlier text.
    visit(ada_page, post.get_absolute_url())
    edit_box = ada_page.locator(f"#edit-{first.pk}")
    edit_box.locator("summary").click()
    edit_box.get_by_label("New text of your comment").fill("Who has read the notes of 1843?")
    htmx_request(ada_page, edit_box.get_by_role("button", name="Save"))
    main = ada_page.locator(f"#comment-main-{first.pk}")
    expect(main).to_contain_text("Your comment is saved.")
    expect(main.locator(".comment-body")).to_have_text("Who has read the notes of 1843?")
    expect(ada_page.locator(f"#comment-who-{first.pk}")).to_contain_text("edited")
    click_through(ada_page, main.get_by_role("link", name="Earlier versions"))
    expect(ada_page.get_by_role("main")).to_contain_text("Who has read the 1843 notes?")

    # Grace deletes her reply: "[deleted]" keeps its place in the thread.
    visit(grace_page, post.get_absolute_url())
    delete_box = grace_page.locator(f"#comment-main-{reply.pk} details").filter(has_text="Delete")
    delete_box.locator("summary").click()
    htmx_request(grace_page, delete_box.get_by_role("button", name="Delete the comment"))
    expect(grace_page.locator(f"#comment-who-{reply.pk}")).to_contain_text("[deleted]")
    expect(grace_page.locator(f"#comment-{reply.pk}")).not_to_contain_text("note G")
    expect(grace_page.locator("#talk-count")).to_have_text("1 comment")
    audit(grace_page)


def test_comment_and_reply_without_javascript(
    open_page: OpenPage, ada: Member, grace: Member, post
):
    ada_page = log_in_as(open_page(java_script_enabled=False), ada)
    visit(ada_page, post.get_absolute_url())
    ada_page.get_by_label("Your comment", exact=True).fill("Did the engine ever run?")
    click_through(ada_page, ada_page.get_by_role("button", name="Post the comment"))
    first = Comment.objects.get()
    expect(ada_page).to_have_url(re.compile(rf"/p/{post.pk}/#comment-{first.pk}$"))
    expect(
        ada_page.get_by_role("status").filter(has_text="Your comment is posted.")
    ).to_be_visible()
    expect(thread_of(ada_page, first)).to_contain_text("Did the engine ever run?")

    # Grace's reply is too long: the page says so and keeps every word she typed.
    grace_page = log_in_as(open_page(java_script_enabled=False), grace)
    visit(grace_page, post.get_absolute_url())
    reply_box = grace_page.locator(f"#reply-{first.pk}")
    reply_box.locator("summary").click()  # a <details> opens without JavaScript
    too_long = "Not in Babbage's lifetime. " * (MAX_BODY // 20)
    reply_box.get_by_label("Your reply").fill(too_long)
    click_through(grace_page, reply_box.get_by_role("button", name="Post the reply"))
    expect(grace_page.get_by_role("heading", level=1)).to_have_text("Reply to Ada Lovelace")
    expect(grace_page.get_by_role("alert").first).to_contain_text("characters at most")
    box = grace_page.get_by_label("Your comment")
    expect(box).to_have_value(too_long)
    box.fill("Not in Babbage's lifetime; the Science Museum built one in 1991.")
    click_through(grace_page, grace_page.get_by_role("button", name="Post the reply"))
    reply = Comment.objects.get(parent=first)
    expect(grace_page).to_have_url(re.compile(rf"#comment-{reply.pk}$"))
    expect(grace_page.locator(f"#replies-{first.pk} > #comment-{reply.pk}")).to_contain_text(
        "built one in 1991"
    )


def test_fold_a_thread(page: Page, ada: Member, grace: Member, post):
    first = comment_create(author=ada, post_id=post.pk, body="A thread to fold.")
    comment_create(author=grace, post_id=post.pk, body="A reply inside it.", parent_id=first.pk)
    visit(page, post.get_absolute_url())
    thread = thread_of(page, first)
    summary = thread.locator("> details > summary")
    reply_text = thread.get_by_text("A reply inside it.")
    expect(reply_text).to_be_visible()
    expect(summary.locator(".fold-count")).to_be_hidden()
    summary.click()
    expect(reply_text).to_be_hidden()
    expect(thread.get_by_text("A thread to fold.")).to_be_hidden()
    expect(summary).to_contain_text("Ada Lovelace")
    expect(summary.locator(".fold-count")).to_have_text("(1 reply hidden)")
    audit(page)
    summary.click()
    expect(reply_text).to_be_visible()
