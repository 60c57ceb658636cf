"""The moderation pages: report, the queue and its buttons, the public log, appeals."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from tests.factories import make_post
from tests.moderation import places
from tests.moderation.places import Place
from tribune.moderation.models import Appeal, ModerationAction, Report
from tribune.moderation.services.actions import moderation_act
from tribune.moderation.services.reports import report_create
from tribune.posts.models import Post
from tribune.wiki.models import Revision, RevisionStatus

pytestmark = pytest.mark.django_db

place = places.place  # the fixture (pytest finds it by name)


def client_for(member) -> Client:
    client = Client()
    if member is not None and member.is_authenticated:
        client.force_login(member)
    return client


def text(response) -> str:
    html: str = response.content.decode()
    return html


# --- Reporting ----------------------------------------------------------------------------


def test_every_reportable_thing_links_to_the_report_form(place: Place):
    client = client_for(place.member)
    post_page = text(client.get(f"/p/{place.post.pk}/"))
    assert f"/moderation/report/?target=post:{place.post.pk}" in post_page
    assert f"/moderation/report/?target=comment:{place.comment.pk}" in post_page
    revision_page = text(client.get(f"/p/{place.post.pk}/revisions/{place.live_edit.pk}/"))
    assert f"/moderation/report/?target=revision:{place.live_edit.pk}" in revision_page
    profile = text(client.get("/u/author/"))
    assert "/moderation/report/?target=member:author" in profile
    assert "/moderation/report/?target=member:" not in text(client.get(f"/u/{place.member}/"))


def test_reporting_a_post_from_its_page(place: Place):
    client = client_for(place.member)
    url = f"/moderation/report/?target=post:{place.post.pk}"
    form = client.get(url)
    assert form.status_code == 200
    assert "Open post" in text(form)
    sent = client.post(
        "/moderation/report/",
        {"target": f"post:{place.post.pk}", "reason": "misleading", "details": "Wrong date."},
        follow=True,
    )
    assert sent.redirect_chain[-1][0] == f"/p/{place.post.pk}/"
    assert "your report is with the moderators" in text(sent)
    report = Report.objects.get()
    assert (report.reason, report.details, report.reporter) == (
        "misleading",
        "Wrong date.",
        place.member,
    )
    # A second one is refused with the reason, and what was typed stays in the form.
    again = client.post(
        "/moderation/report/",
        {"target": f"post:{place.post.pk}", "reason": "spam", "details": "Still wrong."},
    )
    assert again.status_code == 409
    assert "You reported this already" in text(again)
    assert "Still wrong." in text(again)


def test_a_report_without_a_reason_says_so(place: Place):
    response = client_for(place.member).post(
        "/moderation/report/", {"target": f"post:{place.post.pk}", "details": "Hm."}
    )
    assert response.status_code == 400
    assert "This field is required" in text(response)
    assert not Report.objects.exists()


def test_who_may_open_the_report_form(place: Place):
    url = f"/moderation/report/?target=post:{place.post.pk}"
    visitor = client_for(None).get(url)
    assert visitor.status_code == 302 and visitor["Location"].startswith("/accounts/login/")
    assert client_for(place.waitlisted).get(url).status_code == 403
    private = f"/moderation/report/?target=post:{place.private_post.pk}"
    assert client_for(place.member).get(private).status_code == 404
    assert client_for(place.author).get(private).status_code == 200
    assert client_for(place.member).get("/moderation/report/?target=rubbish").status_code == 400
    yourself = client_for(place.member).get(f"/moderation/report/?target=member:{place.member}")
    assert yourself.status_code == 403


# --- The queue ----------------------------------------------------------------------------


def test_the_queue_shows_reports_pending_edits_with_their_diff_and_unpatrolled_changes(
    place: Place,
):
    report_create(
        reporter=place.member, target=f"post:{place.post.pk}", reason="spam", details="Ads!"
    )
    page = client_for(place.submod).get("/moderation/?subwiki=square")
    assert page.status_code == 200
    body = text(page)
    assert "Ads!" in body and "Spam (1)" in body
    assert "<ins>suggestion</ins>" in body  # the pending edit's diff
    assert 'value="approve_revision"' in body and 'value="patrol"' in body
    assert 'value="remove"' in body and 'value="suspend"' not in body


def queue_item_of(body: str, target: str) -> str:
    """The part of a queue page that is the item about `target`."""
    (item,) = [
        part
        for part in body.split('class="queue-item"')[1:]
        if f'name="target" value="{target}"' in part
    ]
    return item


def test_the_queue_offers_to_lift_a_standing_ban_rather_than_to_ban_again(place: Place):
    target = f"post:{place.post.pk}"
    report_create(reporter=place.member, target=target, reason="spam")
    client = client_for(place.submod)
    before = queue_item_of(text(client.get("/moderation/?subwiki=square")), target)
    assert 'value="ban"' in before and 'value="unban"' not in before
    moderation_act(
        actor=place.submod, action="ban", target="member:author", subwiki="square", reason="Ads."
    )
    banned = queue_item_of(text(client.get("/moderation/?subwiki=square")), target)
    assert 'value="ban"' not in banned
    assert 'value="unban"' in banned and "Lift the ban" in banned
    # The button offered changes something; then banning is offered again.
    lifted = client.post(
        "/moderation/act/",
        {"action": "unban", "target": target, "reason": "Served.", "next": "/moderation/"},
        follow=True,
    )
    assert "is in the moderation log" in text(lifted)
    again = queue_item_of(text(lifted), target)
    assert 'value="ban"' in again and 'value="unban"' not in again


def test_removing_a_reported_post_from_the_queue(place: Place):
    report_create(reporter=place.member, target=f"post:{place.post.pk}", reason="spam")
    client = client_for(place.submod)
    done = client.post(
        "/moderation/act/",
        {
            "action": "remove",
            "target": f"post:{place.post.pk}",
            "reason": "Advertising.",
            "next": "/moderation/?subwiki=square",
        },
        follow=True,
    )
    assert done.redirect_chain[-1][0] == "/moderation/?subwiki=square"
    assert "is in the moderation log" in text(done)
    assert Post.objects.get(pk=place.post.pk).is_removed
    assert client_for(place.member).get(f"/p/{place.post.pk}/").status_code == 404
    removed = client.get(f"/p/{place.post.pk}/")
    assert removed.status_code == 200 and "Moderators removed this post" in text(removed)


def test_an_action_without_a_reason_comes_back_with_what_was_typed(place: Place):
    response = client_for(place.submod).post(
        "/moderation/act/",
        {
            "action": "protect",
            "target": f"post:{place.post.pk}",
            "reason": "",
            "duration_days": "3",
        },
    )
    assert response.status_code == 400
    assert "Please say why." in text(response)
    assert 'value="3"' in text(response)
    assert not ModerationAction.objects.exists()


def test_refused_actions(place: Place):
    post = {"target": f"post:{place.post.pk}", "reason": "x"}
    assert client_for(place.member).post(
        "/moderation/act/", {**post, "action": "remove"}
    ).status_code == (403)
    assert (
        client_for(place.sitemod)
        .post(
            "/moderation/act/",
            {"target": f"post:{place.private_post.pk}", "reason": "x", "action": "remove"},
        )
        .status_code
        == 404
    )
    assert client_for(place.submod).get("/moderation/act/").status_code == 405


def test_approving_and_patrolling_from_the_queue(place: Place):
    client = client_for(place.trusted)
    client.post(
        "/moderation/act/",
        {"action": "approve_revision", "target": f"revision:{place.pending_edit.pk}", "reason": ""},
    )
    assert Revision.objects.get(pk=place.pending_edit.pk).status == RevisionStatus.LIVE
    client.post(
        "/moderation/act/",
        {"action": "patrol", "target": f"revision:{place.live_edit.pk}", "reason": ""},
    )
    assert Revision.objects.get(pk=place.live_edit.pk).patrolled


def test_who_has_a_queue_page(place: Place):
    assert client_for(None).get("/moderation/").status_code == 302
    assert client_for(place.member).get("/moderation/").status_code == 403
    assert client_for(place.othermod).get("/moderation/").status_code == 200
    assert client_for(place.othermod).get("/moderation/?subwiki=square").status_code == 403
    assert client_for(place.sitemod).get("/moderation/?subwiki=backroom").status_code == 404
    empty = client_for(place.othermod).get("/moderation/")
    assert "Nothing waits for you" in text(empty)


def test_queue_page_queries_are_bounded(place: Place, django_assert_max_num_queries):
    for i in range(8):
        post = make_post(author=place.author, subwiki=place.square, title=f"Post {i}")
        report_create(reporter=place.member, target=f"post:{post.pk}", reason="spam")
    report_create(reporter=place.member, target=f"comment:{place.comment.pk}", reason="abuse")
    report_create(reporter=place.member, target="member:editor", reason="abuse")
    client = client_for(place.staff)
    with django_assert_max_num_queries(22):
        response = client.get("/moderation/")
    assert response.status_code == 200
    assert text(response).count('class="queue-item"') == 20


# --- The log ------------------------------------------------------------------------------


def test_the_log_page_is_public_and_keeps_private_subwikis_private(place: Place):
    moderation_act(
        actor=place.submod, action="lock", target=f"post:{place.post.pk}", reason="Heated."
    )
    moderation_act(
        actor=place.owner, action="lock", target=f"post:{place.private_post.pk}", reason="Hush."
    )
    public = text(client_for(None).get("/moderation/log/"))
    assert "Heated." in public and "Open post" in public
    assert "Hush." not in public and "Among ourselves" not in public
    insider = text(client_for(place.author).get("/moderation/log/"))
    assert "Hush." in insider
    only = text(client_for(place.author).get("/moderation/log/?subwiki=backroom"))
    assert "Hush." in only and "Heated." not in only
    assert client_for(place.member).get("/moderation/log/?subwiki=backroom").status_code == 404
    locks = text(client_for(None).get("/moderation/log/?action=lock"))
    assert "Heated." in locks


def test_the_log_continues_in_place_for_htmx(place: Place):
    for i in range(3):
        post = make_post(author=place.author, subwiki=place.square, title=f"Post {i}")
        moderation_act(actor=place.submod, action="lock", target=f"post:{post.pk}", reason=f"R{i}")
    client = client_for(None)
    fragment = client.get("/moderation/log/", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert text(fragment).lstrip().startswith("<li")
    assert "<html" not in text(fragment)


def test_log_page_queries_are_bounded(place: Place, django_assert_max_num_queries):
    for i in range(10):
        post = make_post(author=place.author, subwiki=place.square, title=f"Post {i}")
        moderation_act(actor=place.submod, action="lock", target=f"post:{post.pk}", reason="x")
    moderation_act(actor=place.staff, action="suspend", target="member:editor", reason="x")
    client = client_for(place.member)
    with django_assert_max_num_queries(8):
        response = client.get("/moderation/log/")
    assert text(response).count('class="log-line"') == 11


def test_the_log_follows_public_reading(place: Place, settings):
    settings.TRIBUNE_PUBLIC_READ = False
    assert client_for(None).get("/moderation/log/").status_code == 302
    assert client_for(place.member).get("/moderation/log/").status_code == 200


# --- Appeals ------------------------------------------------------------------------------


def test_appealing_and_deciding(place: Place):
    line = moderation_act(
        actor=place.submod, action="remove", target=f"post:{place.post.pk}", reason="Spam."
    )
    author = client_for(place.author)
    url = f"/moderation/actions/{line.pk}/appeal/"
    assert "Appeal this action" in text(author.get("/moderation/log/"))
    assert "Appeal this action" not in text(client_for(place.member).get("/moderation/log/"))
    assert client_for(place.member).get(url).status_code == 403
    assert author.get(url).status_code == 200
    blank = author.post(url, {"text": ""})
    assert blank.status_code == 400
    sent = author.post(url, {"text": "It was news."}, follow=True)
    assert "Your appeal is with staff" in text(sent)
    assert Appeal.objects.get().text == "It was news."
    assert author.post(url, {"text": "Again."}).status_code == 400
    assert "Pending" in text(author.get(url))

    staff = client_for(place.staff)
    listing = staff.get("/moderation/appeals/")
    assert "It was news." in text(listing)
    appeal = Appeal.objects.get()
    prefix = f"appeal-{appeal.pk}"
    missing = staff.post(f"/moderation/appeals/{appeal.pk}/decide/", {f"{prefix}-grant": "yes"})
    assert missing.status_code == 400
    staff.post(
        f"/moderation/appeals/{appeal.pk}/decide/",
        {f"{prefix}-decision": "It was news indeed.", f"{prefix}-grant": "yes"},
    )
    assert Appeal.objects.get().state == "granted"
    assert not Post.objects.get(pk=place.post.pk).is_removed
    assert "Appeal granted" in text(client_for(None).get("/moderation/log/"))


def test_appeals_are_for_staff(place: Place):
    assert client_for(place.sitemod).get("/moderation/appeals/").status_code == 403
    assert client_for(place.staff).get("/moderation/appeals/").status_code == 200
    assert client_for(place.sitemod).post("/moderation/appeals/1/decide/").status_code == 403


def test_moderation_pages_in_french(place: Place):
    client = client_for(place.submod)
    client.cookies["django_language"] = "fr"
    # override() puts the language back afterwards: the request leaves French active.
    with translation.override("en"):
        response = client.get("/moderation/log/", headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    assert 'lang="fr"' in text(response)
