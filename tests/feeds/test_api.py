"""GET /api/v1/feed/home and /api/v1/feed/all (API.md): chronological lists with keyset
cursors; bad cursors and limits answer 400."""

from __future__ import annotations

import pytest
from django.http import HttpRequest

from tests.factories import MemberFactory, make_post
from tests.feeds.conftest import (
    bulk_members,
    bulk_posts,
    bulk_subwikis,
    follow_member,
    follow_subwiki,
    join_private,
)
from tribune.accounts.models import Access

pytestmark = pytest.mark.django_db


def titles(answer) -> list[str]:
    return [item["title"] for item in answer.json()["items"]]


def test_the_home_feed_lists_what_the_token_holder_follows(api_client, reader, owner, square):
    friend = MemberFactory.create()
    follow_subwiki(reader, square)
    follow_member(reader, friend)
    make_post(owner, subwiki=square, title="In the square")
    make_post(friend, subwiki=None, title="From a friend")
    make_post(owner, subwiki=None, title="Not followed")

    answer = api_client(reader).get("/api/v1/feed/home")

    assert answer.status_code == 200
    assert titles(answer) == ["From a friend", "In the square"]
    item = answer.json()["items"][0]
    assert item["author"]["username"] == friend.username
    assert answer.json()["next_cursor"] is None


def test_the_home_feed_pages_by_cursor_while_posts_arrive(api_client, reader, owner, square):
    follow_subwiki(reader, square)
    bulk_posts(7, authors=[owner], subwikis=[square])
    client = api_client(reader)

    first = client.get("/api/v1/feed/home", {"limit": 3}).json()
    make_post(owner, subwiki=square, title="Arrived meanwhile")
    second = client.get("/api/v1/feed/home", {"limit": 3, "cursor": first["next_cursor"]}).json()
    third = client.get("/api/v1/feed/home", {"limit": 3, "cursor": second["next_cursor"]}).json()

    seen = [item["title"] for page in (first, second, third) for item in page["items"]]
    assert seen == [f"Bulk post {i}" for i in range(7)]
    assert third["next_cursor"] is None


def test_the_home_feed_needs_an_admitted_members_token(api_client, db):
    assert api_client(None).get("/api/v1/feed/home").status_code == 401
    answer = api_client(MemberFactory.create(access=Access.WAITLISTED)).get("/api/v1/feed/home")
    assert (answer.status_code, answer.json()["code"]) == (403, "waitlisted")


def test_the_global_feed_shows_what_the_caller_may_read(
    api_client, reader, owner, square, back_room
):
    make_post(owner, subwiki=square, title="Public")
    make_post(owner, subwiki=back_room, title="Private")

    assert titles(api_client(None).get("/api/v1/feed/all")) == ["Public"]
    assert titles(api_client(reader).get("/api/v1/feed/all")) == ["Public"]
    join_private(reader, back_room)
    assert titles(api_client(reader).get("/api/v1/feed/all")) == ["Private", "Public"]


@pytest.mark.parametrize("path", ["/api/v1/feed/home", "/api/v1/feed/all"])
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"cursor": "broken"}, "invalid_cursor"),
        ({"cursor": "WzEsMiwzXQ"}, "invalid_cursor"),  # three values where two belong
        ({"limit": "0"}, "invalid_limit"),
        ({"limit": "101"}, "invalid_limit"),
        ({"limit": "many"}, "invalid_limit"),
        ({"limit": ""}, "invalid_limit"),
    ],
)
def test_bad_cursors_and_limits_answer_400(api_client, reader, path, query, code):
    answer = api_client(reader).get(path, query)
    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert answer.json()["detail"]


@pytest.mark.parametrize("follows", [10, 1000])
def test_the_home_feed_api_costs_a_few_queries(
    api_client, reader, follows, django_assert_max_num_queries
):
    subwikis = bulk_subwikis(follows // 10)
    members = bulk_members(follows - len(subwikis))
    for subwiki in subwikis:
        follow_subwiki(reader, subwiki)
    for member in members:
        follow_member(reader, member)
    bulk_posts(200, authors=members, subwikis=[*subwikis, None])
    client = api_client(reader)
    # The token (and its last use), the sources, the page of ids, the posts.
    with django_assert_max_num_queries(6):
        answer = client.get("/api/v1/feed/home", {"limit": 100})
    assert len(answer.json()["items"]) == 100


def test_kept_items_follow_edits_reviews_renames_and_previews(api_client, reader, owner, square):
    from tribune.accounts.models import Member
    from tribune.posts.models import Post
    from tribune.posts.services import post_edit

    follow_subwiki(reader, square)
    post = make_post(owner, subwiki=square, kind="link", url="https://example.org/", title="Old")
    client = api_client(reader)
    before = client.get("/api/v1/feed/home").json()["items"][0]  # made, and kept
    assert before["title"] == "Old" and before["preview"]["status"] != "ready"

    edited, _result = post_edit(
        actor=owner,
        post_id=post.pk,
        changes={"title": "New", "body": "**Bold** now."},
        base_revision=post.page.current_revision_id,
    )
    Post.objects.filter(pk=post.pk).update(preview_status="ready", preview_title="Fetched")
    Member.objects.filter(pk=owner.pk).update(display_name="Renamed Owner")

    after = client.get("/api/v1/feed/home").json()["items"][0]
    assert after["title"] == "New" and "<strong>Bold</strong>" in after["body_html"]
    assert after["revision"] == str(edited.page.current_revision_id)
    assert after["preview"]["status"] == "ready" and after["preview"]["title"] == "Fetched"
    assert after["author"]["name"] == "Renamed Owner"


def test_a_feed_page_is_written_as_ninja_writes_its_schema(api_client, reader, owner, square):
    from tribune.api.api import api
    from tribune.api.routers.posts import post_out
    from tribune.api.schemas import ListOut, PostOut
    from tribune.feeds.home import home_feed

    follow_subwiki(reader, square)
    make_post(owner, subwiki=square, kind="link", url="https://example.org/", title="A link")
    make_post(owner, subwiki=square, title="An article", body="Some *Markdown*.")
    make_post(owner, subwiki=square, title="The newest")
    page = home_feed(viewer=reader, limit=2)
    expected = ListOut[PostOut](
        items=[post_out(post) for post in page.items], next_cursor=page.next_cursor
    )
    written = api.renderer.render(HttpRequest(), expected.model_dump(), response_status=200)
    for _ in range(2):  # made, then from the cache
        answer = api_client(reader).get("/api/v1/feed/home", {"limit": 2})
        assert answer.content.decode() == written
        assert answer["Content-Type"] == api.get_content_type()
