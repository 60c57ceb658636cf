"""Following members and upvoting posts through the API (API.md): idempotent writes,
the state and counts they answer with, and the refusals."""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.accounts.models import MemberFollow
from tribune.accounts.services import member_follow
from tribune.posts.models import Post, Reaction

pytestmark = pytest.mark.django_db


def follow_path(username: str) -> str:
    return f"/api/v1/members/{username}/follow"


def reactions_path(post: Post | int | str) -> str:
    return f"/api/v1/posts/{post.pk if isinstance(post, Post) else post}/reactions"


# --- Follows ------------------------------------------------------------------------


def test_follow_and_unfollow_are_idempotent_and_answer_state_and_counts(
    api_client, member, other_member
):
    client = api_client(member)
    first = client.post(follow_path(other_member.username))
    assert first.status_code == 200
    assert first.json() == {
        "username": other_member.username,
        "following": True,
        "follows_you": False,
        "friends": False,
        "follower_count": 1,
        "following_count": 0,
    }
    assert client.post(follow_path(other_member.username)).json() == first.json()
    assert MemberFollow.objects.count() == 1

    gone = client.delete(follow_path(other_member.username))
    assert gone.status_code == 200
    assert (gone.json()["following"], gone.json()["follower_count"]) == (False, 0)
    assert client.delete(follow_path(other_member.username)).json() == gone.json()


def test_mutual_follows_are_friends(api_client, member, other_member):
    member_follow(actor=other_member, member=member)
    body = api_client(member).post(follow_path(other_member.username)).json()
    assert (body["follows_you"], body["friends"], body["following_count"]) == (True, True, 1)


def test_following_oneself_is_a_clear_400(api_client, member):
    response = api_client(member).post(follow_path(member.username))
    assert response.status_code == 400
    assert response.json()["code"] == "cannot_follow_self"
    assert response.json()["detail"] == "You cannot follow yourself."


def test_usernames_match_whatever_their_case(api_client, member, other_member):
    response = api_client(member).post(follow_path(other_member.username.upper()))
    assert response.status_code == 200
    assert response.json()["username"] == other_member.username


def test_unknown_members_are_not_found(api_client, member):
    response = api_client(member).post(follow_path("nobody-at-all"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_waitlisted_tokens_and_visitors_may_not_follow(api_client, waitlisted, other_member):
    refused = api_client(waitlisted).post(follow_path(other_member.username))
    assert (refused.status_code, refused.json()["code"]) == (403, "waitlisted")
    assert api_client(None).post(follow_path(other_member.username)).status_code == 401
    assert not MemberFollow.objects.exists()


def test_the_profile_has_counts_and_the_callers_follow(api_client, member, other_member):
    member_follow(actor=member, member=other_member)
    member_follow(actor=MemberFactory.create(), member=other_member)
    mine = api_client(member).get(f"/api/v1/members/{other_member.username}").json()
    assert (mine["follower_count"], mine["following_count"]) == (2, 0)
    assert (mine["following"], mine["follows_you"]) == (True, False)
    public = api_client(None).get(f"/api/v1/members/{other_member.username}").json()
    assert (public["follower_count"], public["following"]) == (2, False)


# --- Reactions ----------------------------------------------------------------------


@pytest.fixture
def post(other_member) -> Post:
    return make_post(other_member, subwiki=make_subwiki(other_member))


def test_an_upvote_is_idempotent_and_answers_the_count(api_client, member, post):
    client = api_client(member)
    first = client.post(reactions_path(post), {"kind": "upvote"})
    assert first.status_code == 200
    assert first.json() == {
        "post": str(post.pk),
        "kind": "upvote",
        "upvoted": True,
        "upvote_count": 1,
    }
    assert client.post(reactions_path(post), {"kind": "upvote"}).json() == first.json()
    assert Reaction.objects.count() == 1

    other = api_client(MemberFactory.create()).post(reactions_path(post), {"kind": "upvote"})
    assert other.json()["upvote_count"] == 2

    back = client.delete(reactions_path(post), {"kind": "upvote"})
    assert back.status_code == 200
    assert (back.json()["upvoted"], back.json()["upvote_count"]) == (False, 1)
    assert client.delete(reactions_path(post), {"kind": "upvote"}).json() == back.json()


@pytest.mark.parametrize("kind", ["downvote", "", "UPVOTE"])
def test_an_unknown_kind_is_a_400(api_client, member, post, kind):
    response = api_client(member).post(reactions_path(post), {"kind": kind})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_kind"
    assert "kind" in response.json()["errors"]
    assert not Reaction.objects.exists()


@pytest.mark.parametrize("body", [{}, {"kind": 1}, "upvote", None])
def test_a_malformed_body_is_a_400(api_client, member, post, body):
    client = api_client(member)
    response = (
        client.post(reactions_path(post), body)
        if body is not None
        else client.post(reactions_path(post), data="", content_type="application/json")
    )
    assert response.status_code == 400
    assert "code" in response.json()


def test_a_private_post_is_not_found_for_outsiders(api_client, member, other_member):
    room = make_subwiki(other_member, slug="room", visibility="private")
    private = make_post(other_member, subwiki=room)
    for send in ("post", "delete"):
        response = getattr(api_client(member), send)(reactions_path(private), {"kind": "upvote"})
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    mine = api_client(other_member).post(reactions_path(private), {"kind": "upvote"})
    assert mine.status_code == 200


def test_unknown_posts_are_not_found(api_client, member):
    for post_id in ("999999", "abc", "99999999999999999999999"):
        response = api_client(member).post(reactions_path(post_id), {"kind": "upvote"})
        assert response.status_code == 404


def test_removed_posts_take_no_upvotes(api_client, staff, post):
    Post.objects.filter(pk=post.pk).update(is_removed=True)
    response = api_client(staff).post(reactions_path(post), {"kind": "upvote"})
    assert (response.status_code, response.json()["code"]) == (403, "post_removed")


def test_waitlisted_tokens_and_visitors_may_not_upvote(api_client, waitlisted, post):
    refused = api_client(waitlisted).post(reactions_path(post), {"kind": "upvote"})
    assert (refused.status_code, refused.json()["code"]) == (403, "waitlisted")
    assert api_client(None).post(reactions_path(post), {"kind": "upvote"}).status_code == 401
    assert not Reaction.objects.exists()
