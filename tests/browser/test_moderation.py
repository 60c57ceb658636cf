"""Moderation in a real browser: a member reports a post, a moderator handles it from the
queue, and everyone sees it in the public log; a trusted member approves a pending edit
with its diff in front of them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import OpenPage, click_through, log_in_as, visit
from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.communities.models import Role
from tribune.communities.services import membership_set_role, subwiki_join
from tribune.moderation.models import ModerationAction, Report
from tribune.posts.models import Post
from tribune.posts.services import post_edit
from tribune.wiki.models import Revision, RevisionStatus

pytestmark = pytest.mark.browser


def test_report_a_post_handle_it_from_the_queue_and_see_it_in_the_log(
    page: Page, open_page: OpenPage
):
    owner = MemberFactory.create(username="olga", display_name="Olga Owner")
    moderator = MemberFactory.create(username="mo", display_name="Mo Moderator")
    spammer = MemberFactory.create(username="spammer", display_name="Spam Bot")
    reader = MemberFactory.create(username="rita", display_name="Rita Reader")
    square = make_subwiki(owner, name="Town square", slug="town-square")
    subwiki_join(actor=moderator, subwiki=square)
    membership_set_role(actor=owner, subwiki=square, username="mo", role=Role.MODERATOR)
    post = make_post(spammer, subwiki=square, title="Cheap watches here")

    # Rita reports the post from its page.
    log_in_as(page, reader)
    visit(page, post.get_absolute_url())
    click_through(page, page.get_by_role("link", name="Report this post"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Report to the moderators")
    page.get_by_label("Spam").check()
    page.get_by_label("Details").fill("Advertising, posted in every subwiki.")
    click_through(page, page.get_by_role("button", name="Send the report"))
    expect(page.locator(".messages")).to_contain_text("your report is with the moderators")
    assert Report.objects.get().reason == "spam"

    # Mo finds it in the subwiki's queue and removes the post, with a reason.
    second_tab = log_in_as(open_page(), moderator)
    visit(second_tab, "/moderation/?subwiki=town-square")
    item = second_tab.get_by_role("article", name="Reported Cheap watches here")
    expect(item).to_contain_text("Advertising, posted in every subwiki.")
    expect(item).to_contain_text("Spam (1)")
    item.get_by_label("Reason").fill("Advertising is not news.")
    click_through(second_tab, item.get_by_role("button", name="Remove"))
    expect(second_tab.locator(".messages")).to_contain_text("is in the moderation log")
    assert Post.objects.get(pk=post.pk).is_removed
    assert Report.objects.get().state == "upheld"

    # The post is gone for Rita; the public log says who removed it and why.
    visit(page, post.get_absolute_url(), status=404)
    visit(page, "/moderation/log/")
    log = page.get_by_role("list", name="Moderation actions, newest first")
    expect(log).to_contain_text("Cheap watches here")
    expect(log).to_contain_text("Advertising is not news.")
    expect(log).to_contain_text("Mo Moderator")
    assert ModerationAction.objects.get().action == "remove"


def test_a_reason_is_required_before_removing(page: Page):
    owner = MemberFactory.create(username="olga", display_name="Olga Owner")
    square = make_subwiki(owner, name="Town square", slug="town-square")
    post = make_post(MemberFactory.create(), subwiki=square, title="A post")
    Report.objects.create(
        reporter=MemberFactory.create(), target=f"post:{post.pk}", subwiki=square, reason="abuse"
    )
    log_in_as(page, owner)
    visit(page, "/moderation/")
    item = page.get_by_role("article", name="Reported A post")
    item.get_by_role("button", name="Remove").click()  # the browser asks for a reason first
    assert page.evaluate("() => document.querySelector('textarea:invalid') !== null")
    assert not Post.objects.get(pk=post.pk).is_removed


def test_a_trusted_member_approves_a_pending_edit_from_the_queue(page: Page):
    author = MemberFactory.create(username="ada", display_name="Ada Lovelace")
    newcomer = MemberFactory.create(username="newbie", display_name="New Comer")
    trusted = MemberFactory.create(username="grace", display_name="Grace Hopper", trust_level=2)
    square = make_subwiki(author, name="Engines", slug="engines")
    post = make_post(author, subwiki=square, title="The analytical engine", edit_policy="reviewed")
    _post, result = post_edit(
        actor=newcomer,
        post_id=post.pk,
        changes={"body": "First line.\nA better second line.\nThird line.\n"},
        base_revision=post.page.current_revision_id,
    )
    assert result.pending

    log_in_as(page, trusted)
    visit(page, "/moderation/")
    item = page.get_by_role("article", name="Waits for review The analytical engine")
    expect(item.locator(".diff ins")).to_contain_text("better")
    click_through(page, item.get_by_role("button", name="Approve"))
    expect(page.locator(".messages")).to_contain_text("is in the moderation log")
    assert Revision.objects.get(pk=result.revision.pk).status == RevisionStatus.LIVE
    visit(page, post.get_absolute_url())
    expect(page.locator(".post-body")).to_contain_text("A better second line.")
