"""Every list of the API takes `?limit=` alike: 1 to 100, 20 when left out, and any
other value (empty, not a number, out of range) answers 400 `invalid_limit`, as the
feeds do (API.md, Lists)."""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.notes.services import note_create
from tribune.posts.services import post_edit
from tribune.talk.services import comment_create

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/subwikis",
    "/api/v1/subwikis/{slug}/posts",
    "/api/v1/members/{username}/posts",
    "/api/v1/posts/{post_id}/revisions",
    "/api/v1/posts/{post_id}/comments",
    "/api/v1/posts/{post_id}/notes",
    "/api/v1/feed/home",
    "/api/v1/feed/all",
]

BAD_LIMITS = ["", " ", "0", "101", "-1", "many", "2.5", "1e2"]


@pytest.fixture
def names(member) -> dict[str, str]:
    """Two of everything the lists show: subwikis, posts, revisions, comments, notes."""
    make_subwiki(member)
    subwiki = make_subwiki(member, slug="square")
    make_post(member, subwiki=subwiki)
    post = make_post(member, subwiki=subwiki, body="First.\n")
    post_edit(
        actor=member,
        post_id=post.pk,
        changes={"body": "Second.\n"},
        base_revision=post.page.current_revision_id,
    )
    for body in ("One.", "Two."):
        comment_create(author=member, post_id=post.pk, body=body)
        note_create(
            actor=MemberFactory.create(trust_level=1),
            post_id=post.pk,
            classification="misleading",
            body=f"{body} https://example.org/",
        )
    return {"slug": subwiki.slug, "username": member.username, "post_id": str(post.pk)}


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", BAD_LIMITS)
def test_a_wrong_limit_is_answered_as_the_feeds_answer_it(api_client, member, names, path, limit):
    client = api_client(member)
    answer = client.get(path.format(**names), {"limit": limit})
    feeds = client.get("/api/v1/feed/all", {"limit": limit})
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid_limit")
    assert answer.json() == feeds.json()


@pytest.mark.parametrize("path", LISTS)
def test_a_limit_in_range_sizes_the_page(api_client, member, names, path):
    client = api_client(member)
    first = client.get(path.format(**names), {"limit": "1"})
    assert first.status_code == 200
    assert len(first.json()["items"]) == 1
    assert first.json()["next_cursor"]
    everything = client.get(path.format(**names), {"limit": "100"}).json()
    assert len(everything["items"]) >= 2
    assert client.get(path.format(**names)).json() == everything


def test_a_wrong_limit_is_refused_whether_or_not_the_post_exists(api_client, member, names):
    """The limit is checked before anything is looked up: the answer says nothing of the post."""
    client = api_client(None)
    for post_id in (names["post_id"], "999999"):
        answer = client.get(f"/api/v1/posts/{post_id}/comments", {"limit": ""})
        assert (answer.status_code, answer.json()["code"]) == (400, "invalid_limit")
