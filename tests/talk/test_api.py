"""The talk in the JSON API: GET and POST /posts/{id}/comments, PATCH and DELETE
/comments/{id} (API.md), with the same rules as the pages."""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.talk.models import Comment
from tribune.talk.services import MAX_BODY, comment_create, comment_delete, comment_edit

pytestmark = pytest.mark.django_db


def comments_url(post) -> str:
    return f"/api/v1/posts/{post.pk}/comments"


def comment_url(comment) -> str:
    return f"/api/v1/comments/{comment.pk}"


# --- Reading --------------------------------------------------------------------------------


def test_the_talk_is_a_flat_list_in_thread_order(api_client, member, other_member):
    post = make_post(member)
    first = comment_create(author=member, post_id=post.pk, body=f"First, @{other_member.username}.")
    second = comment_create(author=other_member, post_id=post.pk, body="Second.")
    reply = comment_create(author=other_member, post_id=post.pk, body="Reply.", parent_id=first.pk)
    deep = comment_create(author=member, post_id=post.pk, body="Deeper.", parent_id=reply.pk)
    response = api_client(None).get(comments_url(post))
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    assert [(c["id"], c["parent"], c["depth"]) for c in body["items"]] == [
        (str(first.pk), None, 0),
        (str(reply.pk), str(first.pk), 1),
        (str(deep.pk), str(reply.pk), 2),
        (str(second.pk), None, 0),
    ]
    item = body["items"][0]
    assert set(item) == {
        "id",
        "post",
        "parent",
        "depth",
        "author",
        "body",
        "body_html",
        "state",
        "created_at",
        "edited_at",
    }
    assert item["author"] == {
        "id": str(member.pk),
        "username": member.username,
        "name": member.name,
    }
    assert item["state"] == "visible" and item["edited_at"] is None
    assert f'href="{other_member.get_absolute_url()}"' in item["body_html"]


def test_tombstones_keep_their_place_without_author_or_text(api_client, member, other_member):
    post = make_post(member)
    parent = comment_create(author=member, post_id=post.pk, body="Regret.")
    comment_create(author=other_member, post_id=post.pk, body="Reply.", parent_id=parent.pk)
    comment_delete(actor=member, comment_id=parent.pk)
    items = api_client(None).get(comments_url(post)).json()["items"]
    assert items[0] == {
        **items[0],
        "state": "deleted",
        "author": None,
        "body": "",
        "body_html": "",
    }
    assert items[1]["body"] == "Reply." and items[1]["parent"] == str(parent.pk)


def test_pages_follow_the_thread_order_without_gaps_or_repeats(api_client, member):
    post = make_post(member)
    parent = None
    for n in range(7):
        parent = comment_create(
            author=member,
            post_id=post.pk,
            body=str(n),
            parent_id=parent.pk if parent is not None and n % 2 else None,
        )
    client = api_client(member)
    everything = [c["id"] for c in client.get(comments_url(post), {"limit": 100}).json()["items"]]
    seen: list[str] = []
    cursor = None
    while True:
        page = client.get(
            comments_url(post), {"limit": 3, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200
        seen += [c["id"] for c in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
        # A thread started meanwhile does not shift the pages: it comes at the end.
        comment_create(author=member, post_id=post.pk, body="Meanwhile.")
    assert seen[: len(everything)] == everything
    assert len(seen) == len(set(seen)) == Comment.objects.count()


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"cursor": "garbage"}, "invalid_cursor"),
        ({"limit": "0"}, "invalid_limit"),
        ({"limit": "101"}, "invalid_limit"),
    ],
)
def test_bad_cursors_and_limits_are_refused(api_client, member, query, code):
    post = make_post(member)
    comment_create(author=member, post_id=post.pk, body="Hi.")
    response = api_client(None).get(comments_url(post), query)
    assert response.status_code == 400 and response.json()["code"] == code


def test_a_cursor_from_another_posts_talk_is_refused(api_client, member):
    post, other = make_post(member), make_post(member)
    for target in (post, other):
        for n in range(3):
            comment_create(author=member, post_id=target.pk, body=str(n))
    cursor = api_client(None).get(comments_url(other), {"limit": 1}).json()["next_cursor"]
    response = api_client(None).get(comments_url(post), {"cursor": cursor})
    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"


def test_one_comment_and_its_earlier_texts(api_client, member):
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="One.")
    comment_edit(actor=member, comment_id=comment.pk, body="Two.")
    comment_edit(actor=member, comment_id=comment.pk, body="Three.")
    client = api_client(None)
    got = client.get(comment_url(comment)).json()
    assert got["body"] == "Three." and got["edited_at"] is not None
    revisions = client.get(comment_url(comment) + "/revisions").json()
    assert [r["body"] for r in revisions] == ["Two.", "One."]
    assert revisions[0]["body_html"] == "<p>Two.</p>\n"


def test_listing_the_talk_costs_a_few_queries_however_long(
    api_client, member, django_assert_max_num_queries
):
    post = make_post(member)
    for n in range(60):
        comment_create(author=member, post_id=post.pk, body=f"@{member.username} {n}")
    client = api_client(member)
    with django_assert_max_num_queries(6):
        response = client.get(comments_url(post), {"limit": 50})
    assert len(response.json()["items"]) == 50


# --- Writing --------------------------------------------------------------------------------


def test_commenting_and_replying(api_client, member, other_member):
    post = make_post(member)
    client = api_client(other_member)
    response = client.post(comments_url(post), {"body": "Good point.\r\nReally."})
    assert response.status_code == 201
    created = response.json()
    assert created["body"] == "Good point.\nReally." and created["parent"] is None
    assert created["author"]["username"] == other_member.username
    reply = client.post(comments_url(post), {"body": "Me again.", "parent": int(created["id"])})
    assert reply.status_code == 201 and reply.json()["parent"] == created["id"]
    assert reply.json()["depth"] == 1
    post.refresh_from_db()
    assert post.comment_count == 2


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"body": ""}, "body", "invalid"),
        ({"body": "x" * (MAX_BODY + 1)}, "body", "invalid"),
        ({"body": "Hi", "parent": "999999"}, "parent", "invalid_parent"),
        ({"body": "Hi", "parent": True}, "parent", "invalid"),
        ({"body": "a\x00b"}, "body", "invalid"),
        ({}, "body", "invalid"),
    ],
)
def test_bad_comments_are_refused_with_the_field_in_error(api_client, member, payload, field, code):
    post = make_post(member)
    response = api_client(member).post(comments_url(post), payload)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and field in body["errors"]
    assert not Comment.objects.exists()


def test_a_reply_to_a_deleted_comment_is_refused(api_client, member):
    post = make_post(member)
    gone = comment_create(author=member, post_id=post.pk, body="Gone.")
    comment_delete(actor=member, comment_id=gone.pk)
    response = api_client(member).post(comments_url(post), {"body": "Hm?", "parent": str(gone.pk)})
    assert response.status_code == 400 and response.json()["code"] == "parent_gone"


def test_tokens_must_be_of_admitted_members(api_client, member, waitlisted):
    post = make_post(member)
    assert api_client(None).post(comments_url(post), {"body": "Hi"}).status_code == 401
    response = api_client(waitlisted).post(comments_url(post), {"body": "Hi"})
    assert response.status_code == 403 and response.json()["code"] == "waitlisted"
    assert api_client(waitlisted).get(comments_url(post)).json()["code"] == "waitlisted"


def test_the_author_edits_and_others_may_not(api_client, member, other_member):
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="Draft.")
    refused = api_client(other_member).patch(comment_url(comment), {"body": "Mine now."})
    assert refused.status_code == 403 and "Only its author" in refused.json()["detail"]
    response = api_client(member).patch(comment_url(comment), {"body": "Final."})
    assert response.status_code == 200
    assert response.json()["body"] == "Final." and response.json()["edited_at"] is not None
    unknown = api_client(member).patch(comment_url(comment), {"body": "x", "title": "y"})
    assert unknown.status_code == 400


def test_delete_by_the_author_and_remove_by_a_moderator(
    api_client, member, other_member, moderator
):
    post = make_post(member, make_subwiki(member))
    mine = comment_create(author=other_member, post_id=post.pk, body="Mine.")
    spam = comment_create(author=other_member, post_id=post.pk, body="Spam.")
    refused = api_client(MemberFactory.create()).delete(comment_url(mine))
    assert refused.status_code == 403
    deleted = api_client(other_member).delete(comment_url(mine))
    assert deleted.status_code == 200 and deleted.json()["state"] == "deleted"
    removed = api_client(moderator).delete(comment_url(spam))
    assert removed.status_code == 200 and removed.json()["state"] == "removed"
    again = api_client(moderator).delete(comment_url(spam))
    assert again.status_code == 409 and again.json()["code"] == "already_gone"
    post.refresh_from_db()
    assert post.comment_count == 0


def test_unknown_comments_are_not_found(api_client, member):
    for path in ("/api/v1/comments/999999", "/api/v1/comments/abc", "/api/v1/comments/0"):
        assert api_client(member).get(path).status_code == 404
    assert api_client(member).delete("/api/v1/comments/999999").status_code == 404
