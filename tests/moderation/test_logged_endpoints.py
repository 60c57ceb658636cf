"""Every moderation action is logged, including those taken from the posts', descriptions'
and talk's own buttons and API routes: approving or rejecting a pending edit, rolling
back a member's edits, removing a comment. Each writes one line, as the queue does; a
refused request or a member withdrawing their own comment writes none."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.moderation import places
from tests.moderation.places import Place
from tribune.communities.services import subwiki_description_edit, subwiki_update_settings
from tribune.moderation.models import ModerationAction, Report, ReportState
from tribune.moderation.services.reports import report_create
from tribune.moderation.services.reviews import _logged, comment_remove_logged
from tribune.posts.services import post_edit
from tribune.talk.models import Comment, CommentState
from tribune.talk.services import comment_create, comment_remove
from tribune.wiki.models import Revision, RevisionStatus

pytestmark = pytest.mark.django_db

place = places.place  # the fixture (pytest finds it by name)


def page_client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def new_line(before: int) -> ModerationAction:
    """The one line written since the log held `before` lines."""
    lines = list(ModerationAction.objects.order_by("id")[before:])
    assert len(lines) == 1, [line.action for line in lines]
    return lines[0]


@pytest.mark.parametrize("via", ["page", "api"])
def test_approving_a_pending_edit_of_a_post_is_logged(place: Place, via: str, api_client):
    post, revision = place.reviewed, place.pending_edit
    before = ModerationAction.objects.count()
    if via == "page":
        url = f"/p/{post.pk}/revisions/{revision.pk}/approve/"
        assert page_client(place.trusted).post(url).status_code == 302
    else:
        url = f"/api/v1/posts/{post.pk}/revisions/{revision.pk}/approve"
        answer = api_client(place.trusted).post(url)
        assert answer.status_code == 200 and answer.json()["status"] == "live"
    line = new_line(before)
    assert (line.action, line.target, line.actor, line.affected, line.subwiki) == (
        "approve_revision",
        f"revision:{revision.pk}",
        place.trusted,
        place.editor,
        place.square,
    )
    assert line.details == {"post": post.pk, "title": "Reviewed post"}
    assert "Reviewed post" in page_client(place.member).get("/moderation/log/").content.decode()


@pytest.mark.parametrize("via", ["page", "api"])
def test_rejecting_a_pending_edit_of_a_post_is_logged_and_upholds_its_reports(
    place: Place, via: str, api_client
):
    post, revision = place.reviewed, place.pending_edit
    report_create(reporter=place.member, target=f"revision:{revision.pk}", reason="vandalism")
    before = ModerationAction.objects.count()
    if via == "page":
        url = f"/p/{post.pk}/revisions/{revision.pk}/reject/"
        assert page_client(place.trusted).post(url).status_code == 302
    else:
        url = f"/api/v1/posts/{post.pk}/revisions/{revision.pk}/reject"
        answer = api_client(place.trusted).post(url)
        assert answer.status_code == 200 and answer.json()["status"] == "rejected"
    line = new_line(before)
    assert (line.action, line.target, line.affected) == (
        "reject_revision",
        f"revision:{revision.pk}",
        place.editor,
    )
    assert line.details["reports"] == 1
    assert Report.objects.get().state == ReportState.UPHELD


def test_a_refused_or_conflicting_approval_writes_nothing(place: Place, api_client):
    post, revision = place.reviewed, place.pending_edit
    url = f"/api/v1/posts/{post.pk}/revisions/{revision.pk}/approve"
    assert api_client(place.member).post(url).status_code == 403
    # A change since the pending edit that overlaps it: approving it would conflict.
    post_edit(
        actor=place.author,
        post_id=post.pk,
        changes={"body": "Rewritten.\n"},
        base_revision=None,
    )
    answer = api_client(place.trusted).post(url)
    assert (answer.status_code, answer.json()["code"]) == (409, "edit_conflict")
    page = page_client(place.trusted).post(f"/p/{post.pk}/revisions/{revision.pk}/approve/")
    assert page.status_code == 302
    assert Revision.objects.get(pk=revision.pk).status == RevisionStatus.PENDING
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize("via", ["page", "api"])
def test_rolling_back_a_members_edits_is_logged(place: Place, via: str, api_client):
    post = place.post
    _post, second = post_edit(
        actor=place.editor, post_id=post.pk, changes={"title": "Spam"}, base_revision=None
    )
    report_create(
        reporter=place.member, target=f"revision:{place.live_edit.pk}", reason="vandalism"
    )
    before = ModerationAction.objects.count()
    if via == "page":
        answer = page_client(place.submod).post(
            f"/p/{post.pk}/rollback/", {"username": "editor", "summary": "Vandalism."}
        )
        assert answer.status_code == 302
    else:
        answer = api_client(place.submod).post(
            f"/api/v1/posts/{post.pk}/rollback", {"username": "editor", "summary": "Vandalism."}
        )
        assert answer.status_code == 200 and answer.json()["changed"] is True
    line = new_line(before)
    assert (line.action, line.target, line.actor, line.affected, line.reason) == (
        "rollback",
        f"post:{post.pk}",
        place.submod,
        place.editor,
        "Vandalism.",
    )
    assert line.details["title"] == "Open post"
    assert line.details["revisions"] == [second.revision.pk, place.live_edit.pk]
    assert line.details["restored"] is not None
    assert Report.objects.get().state == ReportState.UPHELD


def test_a_rollback_without_a_reason_logs_its_summary(place: Place, api_client):
    answer = api_client(place.submod).post(
        f"/api/v1/posts/{place.post.pk}/rollback", {"username": "editor"}
    )
    assert answer.status_code == 200
    (line,) = ModerationAction.objects.all()
    assert line.reason == "Rolled back 1 edit by editor"


def _pending_description(place: Place) -> Revision:
    subwiki_update_settings(
        actor=place.owner,
        subwiki=place.square,
        name=place.square.name,
        visibility="public",
        description_edit_policy="reviewed",
        min_post_edit_policy="open",
    )
    result = subwiki_description_edit(
        actor=place.member, subwiki=place.square, description="Better.", base_revision=None
    )
    assert result.pending
    return result.revision


@pytest.mark.parametrize("via", ["page", "api"])
@pytest.mark.parametrize("verb", ["approve", "reject"])
def test_reviewing_a_description_edit_is_logged(place: Place, via: str, verb: str, api_client):
    revision = _pending_description(place)
    before = ModerationAction.objects.count()
    if via == "page":
        url = f"/s/square/description/revisions/{revision.pk}/{verb}/"
        assert page_client(place.sitemod).post(url).status_code == 302
    else:
        url = f"/api/v1/subwikis/square/description/revisions/{revision.pk}/{verb}"
        answer = api_client(place.sitemod).post(url)
        assert answer.status_code == 200 and answer.json()["slug"] == "square"
    line = new_line(before)
    assert (line.action, line.target, line.actor, line.affected, line.subwiki) == (
        f"{verb}_revision",
        f"revision:{revision.pk}",
        place.sitemod,
        place.member,
        place.square,
    )
    assert line.details["description_of"] == "square"


@pytest.mark.parametrize("via", ["page", "api"])
def test_removing_a_comment_is_logged(place: Place, via: str, api_client):
    comment = place.comment
    report_create(reporter=place.member, target=f"comment:{comment.pk}", reason="abuse")
    before = ModerationAction.objects.count()
    if via == "page":
        url = f"/p/{place.post.pk}/comments/{comment.pk}/remove/"
        assert page_client(place.submod).post(url).status_code == 302
    else:
        answer = api_client(place.submod).delete(f"/api/v1/comments/{comment.pk}")
        assert answer.status_code == 200 and answer.json()["state"] == "removed"
    line = new_line(before)
    assert (line.action, line.target, line.actor, line.affected, line.subwiki) == (
        "remove",
        f"comment:{comment.pk}",
        place.submod,
        place.author,
        place.square,
    )
    assert line.details["post"] == place.post.pk
    assert Comment.objects.get(pk=comment.pk).state == CommentState.REMOVED
    assert Report.objects.get().state == ReportState.UPHELD


def test_deleting_ones_own_comment_is_not_a_moderation_action(place: Place, api_client):
    mine = comment_create(author=place.submod, post_id=place.post.pk, body="Oops.")
    assert api_client(place.submod).delete(f"/api/v1/comments/{mine.pk}").status_code == 200
    assert api_client(place.member).delete(f"/api/v1/comments/{place.comment.pk}").status_code == (
        403
    )
    assert not ModerationAction.objects.exists()


def test_a_change_and_its_log_line_are_written_together_or_not_at_all(place: Place):
    def log_down(actor, comment, call) -> None:
        raise RuntimeError("the log line could not be written")

    with pytest.raises(RuntimeError):
        _logged(comment_remove, log_down)(actor=place.submod, comment_id=place.comment.pk)
    assert Comment.objects.get(pk=place.comment.pk).state == CommentState.VISIBLE
    written: list[tuple[Any, ...]] = []
    remove = _logged(comment_remove, lambda *line: written.append(line))
    removed = remove(actor=place.submod, comment_id=place.comment.pk)
    assert removed.state == CommentState.REMOVED
    assert written == [
        (place.submod, removed, {"actor": place.submod, "comment_id": place.comment.pk})
    ]
    assert comment_remove_logged.__doc__ == (
        "tribune.talk.services.comment_remove, written to the moderation log."
    )
