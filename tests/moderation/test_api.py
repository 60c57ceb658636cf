"""The moderation API as API.md writes it: reports, the queue, actions, the log, appeals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import make_post
from tests.moderation import places
from tests.moderation.places import Place
from tribune.moderation.models import Ban, ModerationAction, Report
from tribune.moderation.services.actions import moderation_act
from tribune.moderation.services.reports import report_create
from tribune.posts.models import Post

pytestmark = pytest.mark.django_db

place = places.place  # the fixture (pytest finds it by name)


def test_reporting_a_post(place: Place, api_client):
    client = api_client(place.member)
    target = f"post:{place.post.pk}"
    response = client.post(
        "/api/v1/reports", {"target": target, "reason": "spam", "details": "Ads."}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["target"], body["reason"], body["state"], body["details"]) == (
        target,
        "spam",
        "open",
        "Ads.",
    )
    again = client.post("/api/v1/reports", {"target": target, "reason": "abuse"})
    assert (again.status_code, again.json()["code"]) == (409, "already_reported")


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"target": "post:1", "reason": "boring"}, 400, "invalid"),
        ({"target": "nothing", "reason": "spam"}, 400, "invalid_target"),
        ({"target": "post:999999", "reason": "spam"}, 404, "not_found"),
        ({"target": "member:nobody-here", "reason": "spam"}, 404, "not_found"),
        ({"reason": "spam"}, 400, "invalid"),
    ],
)
def test_bad_reports_are_refused_with_a_reason(place: Place, api_client, payload, status, code):
    response = api_client(place.member).post("/api/v1/reports", payload)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["detail"]


def test_reports_need_an_admitted_members_token(place: Place, api_client):
    payload = {"target": f"post:{place.post.pk}", "reason": "spam"}
    assert api_client(None).post("/api/v1/reports", payload).status_code == 401
    refused = api_client(place.waitlisted).post("/api/v1/reports", payload)
    assert (refused.status_code, refused.json()["code"]) == (403, "waitlisted")
    private = {"target": f"post:{place.private_post.pk}", "reason": "spam"}
    assert api_client(place.member).post("/api/v1/reports", private).status_code == 404


def test_reports_are_rate_limited_with_retry_after(place: Place, api_client, settings):
    settings.TRIBUNE_RATE_LIMITS = {"report": {"member": "1/h", "new_member": "1/h"}}
    client = api_client(place.member)
    client.post("/api/v1/reports", {"target": f"post:{place.post.pk}", "reason": "spam"})
    limited = client.post("/api/v1/reports", {"target": "member:author", "reason": "spam"})
    assert (limited.status_code, limited.json()["code"]) == (429, "rate_limited")
    assert int(limited["Retry-After"]) > 0


def test_a_moderator_acts_and_the_log_shows_it(place: Place, api_client):
    target = f"post:{place.post.pk}"
    response = api_client(place.submod).post(
        "/api/v1/moderation/actions", {"action": "remove", "target": target, "reason": "Spam."}
    )
    assert response.status_code == 201, response.json()
    line = response.json()
    assert (line["action"], line["target"], line["subwiki"], line["reason"]) == (
        "remove",
        target,
        "square",
        "Spam.",
    )
    assert (line["actor"]["username"], line["member"]["username"], line["title"]) == (
        place.submod.username,
        "author",
        "Open post",
    )
    assert line["appeal"] is None
    assert Post.objects.get(pk=place.post.pk).is_removed
    assert api_client(place.member).get(f"/api/v1/posts/{place.post.pk}").status_code == 404

    log = api_client(None).get("/api/v1/moderation/log").json()
    assert [item["id"] for item in log["items"]] == [line["id"]]
    assert log["next_cursor"] is None


def test_actions_on_members_name_them_by_username(place: Place, api_client):
    response = api_client(place.submod).post(
        "/api/v1/moderation/actions",
        {
            "action": "ban",
            "target": "member:author",
            "reason": "Spam.",
            "subwiki": "square",
            "duration_days": 7,
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["target"] == "member:author"
    assert response.json()["expires_at"] is not None
    banned = api_client(place.author).post(
        "/api/v1/posts", {"subwiki": "square", "kind": "text", "body": "Again."}
    )
    assert banned.status_code == 403


@pytest.mark.parametrize(
    ("who", "payload", "status", "code"),
    [
        ("member", {"action": "remove"}, 403, "permission_denied"),
        ("othermod", {"action": "lock"}, 403, "permission_denied"),
        ("submod", {"action": "explode"}, 400, "invalid"),
        ("submod", {"action": "remove", "reason": ""}, 400, "reason_required"),
        ("submod", {"action": "remove", "duration_days": 2}, 400, "invalid_duration"),
        ("submod", {"action": "protect", "duration_days": 0}, 400, "invalid_duration"),
        ("submod", {"action": "restore"}, 409, "no_change"),
        ("submod", {"action": "suspend", "target": "member:author"}, 403, "permission_denied"),
        ("submod", {"action": "approve_revision"}, 400, "invalid_target"),
    ],
)
def test_actions_refused(place: Place, api_client, who, payload, status, code):
    body = {"target": f"post:{place.post.pk}", "reason": "Because.", **payload}
    response = api_client(place.roles[who]).post("/api/v1/moderation/actions", body)
    assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    assert not ModerationAction.objects.exists()


def test_actions_on_what_one_may_not_see_are_404(place: Place, api_client):
    response = api_client(place.sitemod).post(
        "/api/v1/moderation/actions",
        {"action": "remove", "target": f"post:{place.private_post.pk}", "reason": "x"},
    )
    assert response.status_code == 404


def test_the_queue_groups_reports_and_shows_pending_diffs(place: Place, api_client):
    target = f"post:{place.post.pk}"
    report_create(reporter=place.member, target=target, reason="spam", details="Ads.")
    report_create(reporter=place.trusted, target=target, reason="misleading")
    report_create(reporter=place.sitemod, target=target, reason="spam")
    response = api_client(place.submod).get("/api/v1/moderation/queue?subwiki=square")
    assert response.status_code == 200, response.json()
    items = response.json()["items"]
    kinds = [(item["kind"], item["target"]) for item in items]
    assert ("report", target) in kinds
    assert ("pending", f"revision:{place.pending_edit.pk}") in kinds
    assert ("unpatrolled", f"revision:{place.live_edit.pk}") in kinds
    report = next(item for item in items if item["kind"] == "report")
    assert report["reports"]["count"] == 3
    assert report["reports"]["reasons"] == {"spam": 2, "misleading": 1}
    assert report["reports"]["latest"][-1]["details"] == "Ads."
    assert report["title"] == "Open post" and report["member"]["username"] == "author"
    assert set(report["actions"]) >= {"remove", "lock", "protect", "ban", "dismiss"}
    assert "suspend" not in report["actions"]  # staff only
    pending = next(item for item in items if item["kind"] == "pending")
    assert pending["actions"] == ["approve_revision", "reject_revision", "ban"]
    body_diff = pending["diff"]["body"]
    assert any(line["op"] != "equal" and "A suggestion." in line["new_text"] for line in body_diff)


def test_the_queue_offers_to_lift_a_standing_ban_rather_than_to_ban_again(place: Place, api_client):
    target = f"post:{place.post.pk}"
    report_create(reporter=place.member, target=target, reason="spam")
    client = api_client(place.submod)

    def offered() -> list[str]:
        items = client.get("/api/v1/moderation/queue?subwiki=square").json()["items"]
        (actions,) = [item["actions"] for item in items if item["target"] == target]
        return list(actions)

    # Banned as a member: a ban on the post would uphold its report, which leaves the queue.
    ban = {
        "action": "ban",
        "target": "member:author",
        "subwiki": "square",
        "reason": "Ads.",
        "duration_days": 3,
    }
    assert client.post("/api/v1/moderation/actions", ban).status_code == 201
    assert "unban" in offered() and "ban" not in offered()
    lifted = {"action": "unban", "target": target, "reason": "Served."}
    assert client.post("/api/v1/moderation/actions", lifted).status_code == 201
    assert "ban" in offered() and "unban" not in offered()
    # A ban that ran out stands no more: banning again is offered, and changes something.
    assert client.post("/api/v1/moderation/actions", ban).status_code == 201
    Ban.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert "ban" in offered() and "unban" not in offered()
    assert client.post("/api/v1/moderation/actions", ban).status_code == 201


def test_the_queue_pages_with_a_cursor(place: Place, api_client):
    for i in range(5):
        post = make_post(author=place.author, subwiki=place.square, title=f"Post {i}")
        report_create(reporter=place.member, target=f"post:{post.pk}", reason="spam")
    client = api_client(place.submod)
    seen: list[str] = []
    url = "/api/v1/moderation/queue?subwiki=square&limit=2"
    while url:
        page = client.get(url).json()
        seen += [f"{item['kind']} {item['target']}" for item in page["items"]]
        cursor = page["next_cursor"]
        url = f"/api/v1/moderation/queue?subwiki=square&limit=2&cursor={cursor}" if cursor else ""
    assert len(seen) == len(set(seen))
    # The five reports, the pending and the unpatrolled edits, and the posts' first revisions
    # (by a member below level 2: they need patrolling too).
    assert sum(entry.startswith("report") for entry in seen) == 5
    assert f"pending revision:{place.pending_edit.pk}" in seen
    bad = client.get("/api/v1/moderation/queue?cursor=garbage")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_cursor")


def test_who_has_a_queue(place: Place, api_client):
    assert api_client(place.member).get("/api/v1/moderation/queue").status_code == 403
    assert api_client(place.trusted).get("/api/v1/moderation/queue").status_code == 200
    assert api_client(place.othermod).get(
        "/api/v1/moderation/queue?subwiki=square"
    ).status_code == (403)
    assert api_client(place.sitemod).get(
        "/api/v1/moderation/queue?subwiki=backroom"
    ).status_code == (404)
    assert api_client(None).get("/api/v1/moderation/queue").status_code == 401


def test_trusted_members_see_edits_to_review_but_not_reports(place: Place, api_client):
    report_create(reporter=place.member, target=f"post:{place.post.pk}", reason="spam")
    items = api_client(place.trusted).get("/api/v1/moderation/queue").json()["items"]
    assert {item["kind"] for item in items} == {"pending", "unpatrolled"}


def test_the_log_hides_private_entries_and_filters(place: Place, api_client):
    moderation_act(
        actor=place.owner, action="lock", target=f"post:{place.private_post.pk}", reason="Quiet."
    )
    moderation_act(actor=place.submod, action="lock", target=f"post:{place.post.pk}", reason="x")
    outsider = api_client(place.member).get("/api/v1/moderation/log").json()["items"]
    assert [item["subwiki"] for item in outsider] == ["square"]
    insider = api_client(place.author).get("/api/v1/moderation/log").json()["items"]
    assert [item["subwiki"] for item in insider] == ["square", "backroom"]
    filtered = api_client(place.author).get("/api/v1/moderation/log?subwiki=backroom").json()
    assert [item["subwiki"] for item in filtered["items"]] == ["backroom"]
    assert api_client(place.member).get("/api/v1/moderation/log?subwiki=backroom").status_code == (
        404
    )
    bad = api_client(None).get("/api/v1/moderation/log?action=nuke")
    assert bad.status_code == 400


def test_appealing_once(place: Place, api_client):
    line = moderation_act(
        actor=place.submod, action="remove", target=f"comment:{place.comment.pk}", reason="Rude."
    )
    url = f"/api/v1/moderation/actions/{line.pk}/appeal"
    assert api_client(place.member).post(url, {"text": "Unfair."}).status_code == 403
    response = api_client(place.author).post(url, {"text": "It was a joke."})
    assert response.status_code == 201, response.json()
    assert (response.json()["state"], response.json()["action"]) == ("pending", str(line.pk))
    again = api_client(place.author).post(url, {"text": "Please."})
    assert (again.status_code, again.json()["code"]) == (409, "already_appealed")
    assert api_client(place.author).post(url, {"text": ""}).status_code == 400
    assert api_client(place.author).post(
        "/api/v1/moderation/actions/0/appeal", {"text": "x"}
    ).status_code == (404)
    log = api_client(None).get("/api/v1/moderation/log").json()["items"]
    assert log[0]["appeal"]["state"] == "pending"


def test_log_and_queue_queries_are_bounded(place: Place, api_client, django_assert_max_num_queries):
    for i in range(6):
        post = make_post(author=place.author, subwiki=place.square, title=f"Post {i}")
        report_create(reporter=place.member, target=f"post:{post.pk}", reason="spam")
        moderation_act(actor=place.submod, action="lock", target=f"post:{post.pk}", reason="x")
    report_create(reporter=place.member, target=f"comment:{place.comment.pk}", reason="abuse")
    report_create(reporter=place.member, target="member:editor", reason="abuse")
    report_create(
        reporter=place.member, target=f"revision:{place.live_edit.pk}", reason="vandalism"
    )
    staff = api_client(place.staff)
    with django_assert_max_num_queries(16):
        queue = staff.get("/api/v1/moderation/queue?limit=50")
    assert queue.status_code == 200
    assert len(queue.json()["items"]) > 10
    visitor = api_client(None)
    with django_assert_max_num_queries(3):
        log = visitor.get("/api/v1/moderation/log?limit=100")
    assert len(log.json()["items"]) == 6
    assert Report.objects.count() == 9
