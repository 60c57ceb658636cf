"""The subwiki resources of the API (API.md): list, create, read, follow, join, their posts."""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.communities.models import Membership, MembershipState, SubwikiFollow
from tribune.communities.services import membership_invite, subwiki_join

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(member):
    """A private subwiki whose only member is `member` (its owner)."""
    return make_subwiki(member, name="Backroom", slug="backroom", visibility="private")


# --- List -----------------------------------------------------------------------------


def test_list_shows_public_subwikis_to_visitors_and_hides_private_ones(api_client, member, private):
    make_subwiki(member, name="Open Science", slug="open-science")
    response = api_client(None).get("/api/v1/subwikis")
    assert response.status_code == 200
    body = response.json()
    assert [s["slug"] for s in body["items"]] == ["open-science"]
    assert body["next_cursor"] is None
    item = body["items"][0]
    assert item["membership"] is None
    assert item["following"] is False
    assert item["visibility"] == "public"


def test_list_shows_a_private_subwiki_to_its_members_with_their_role(api_client, member, private):
    items = api_client(member).get("/api/v1/subwikis").json()["items"]
    assert [s["slug"] for s in items] == ["backroom"]
    assert items[0]["membership"] == {"subwiki": "backroom", "state": "active", "role": "owner"}
    assert items[0]["following"] is True


def test_list_searches_names_and_pages_by_cursor(api_client, member):
    for n in range(5):
        make_subwiki(member, name=f"Climate {n}", slug=f"climate-{n}")
    make_subwiki(member, name="Gardening", slug="gardening")
    client = api_client(None)
    first = client.get("/api/v1/subwikis", {"q": "climate", "limit": 3}).json()
    assert [s["slug"] for s in first["items"]] == ["climate-4", "climate-3", "climate-2"]
    second = client.get(
        "/api/v1/subwikis", {"q": "climate", "limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert [s["slug"] for s in second["items"]] == ["climate-1", "climate-0"]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("limit", ["0", "101", "ten", "-1"])
def test_a_limit_out_of_range_is_refused(api_client, limit):
    response = api_client(None).get("/api/v1/subwikis", {"limit": limit})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_limit"


@pytest.mark.parametrize("cursor", ["nonsense", "W10", "WyJ4IiwieSJd"])
def test_a_bad_cursor_is_refused(api_client, member, cursor):
    make_subwiki(member)
    response = api_client(None).get("/api/v1/subwikis", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_a_nul_in_the_search_is_ignored_not_a_database_error(api_client, member):
    make_subwiki(member, name="Gardening", slug="gardening")
    response = api_client(None).get("/api/v1/subwikis", {"q": "garden\x00"})
    assert response.status_code == 200
    assert [s["slug"] for s in response.json()["items"]] == ["gardening"]


@pytest.mark.parametrize("count", [3, 25])
def test_listing_costs_the_same_queries_however_many_subwikis(
    api_client, member, django_assert_max_num_queries, count
):
    for n in range(count):
        subwiki = make_subwiki(MemberFactory.create(), visibility="private" if n % 3 else "public")
        if n % 2:
            subwiki_join(actor=member, subwiki=subwiki)
    client = api_client(member)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/subwikis", {"limit": 100})
    assert response.status_code == 200


# --- Create ---------------------------------------------------------------------------


def test_create_makes_the_member_owner_and_follower(api_client, member):
    response = api_client(member).post(
        "/api/v1/subwikis",
        {
            "name": "Local News",
            "slug": "local-news",
            "description": "News from **here**.",
            "visibility": "public",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "local-news"
    assert body["name"] == "Local News"
    assert body["description_html"] == "<p>News from <strong>here</strong>.</p>\n"
    assert body["membership"] == {"subwiki": "local-news", "state": "active", "role": "owner"}
    assert body["following"] is True
    assert body["member_count"] == 1
    assert body["description_revision"]


def test_create_refuses_a_taken_or_malformed_slug_with_field_errors(api_client, member):
    make_subwiki(member, slug="taken")
    client = api_client(member)
    taken = client.post("/api/v1/subwikis", {"name": "X", "slug": "taken"})
    assert taken.status_code == 400
    assert taken.json()["errors"]["slug"] == ["This address is taken."]
    bad = client.post("/api/v1/subwikis", {"name": "", "slug": "no spaces!"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"name", "slug"}


def test_create_refuses_an_unknown_visibility(api_client, member):
    response = api_client(member).post(
        "/api/v1/subwikis", {"name": "X", "slug": "xx", "visibility": "secret"}
    )
    assert response.status_code == 400
    assert "visibility" in response.json()["errors"]


def test_create_needs_an_admitted_member(api_client, waitlisted):
    payload = {"name": "X", "slug": "xx"}
    assert api_client(None).post("/api/v1/subwikis", payload).status_code == 401
    response = api_client(waitlisted).post("/api/v1/subwikis", payload)
    assert response.status_code == 403
    assert response.json()["code"] == "waitlisted"


# --- Read -----------------------------------------------------------------------------


def test_detail_names_the_current_description_revision(api_client, member):
    subwiki = make_subwiki(member, description="About us.")
    body = api_client(None).get(f"/api/v1/subwikis/{subwiki.slug}").json()
    assert body["description"] == "About us."
    assert body["description_revision"] == str(subwiki.page.current_revision_id)
    assert body["post_count"] == 0


def test_a_private_subwiki_is_not_found_for_visitors_and_outsiders(
    api_client, member, other_member, private
):
    for client in (api_client(None), api_client(other_member)):
        for path in ("/api/v1/subwikis/backroom", "/api/v1/subwikis/backroom/posts"):
            response = client.get(path)
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"
    assert api_client(member).get("/api/v1/subwikis/backroom").status_code == 200


def test_an_unknown_subwiki_is_not_found(api_client, db):
    assert api_client(None).get("/api/v1/subwikis/nothing-here").status_code == 404
    assert api_client(None).get("/api/v1/subwikis/nul%00here").status_code == 404


def test_public_reading_can_be_switched_off(api_client, member, settings):
    subwiki = make_subwiki(member)
    settings.TRIBUNE_PUBLIC_READ = False
    visitor = api_client(None)
    assert visitor.get("/api/v1/subwikis").json()["items"] == []
    assert visitor.get(f"/api/v1/subwikis/{subwiki.slug}").status_code == 404
    assert api_client(member).get(f"/api/v1/subwikis/{subwiki.slug}").status_code == 200


# --- Description ----------------------------------------------------------------------


def test_description_edit_goes_live_and_names_the_new_revision(api_client, member):
    subwiki = make_subwiki(member, description="Old.")
    base = subwiki.page.current_revision_id
    response = api_client(member).patch(
        f"/api/v1/subwikis/{subwiki.slug}",
        {"description": "New.", "summary": "update", "base_revision": base},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["description"] == "New."
    assert body["changed"] is True
    assert body["merged"] is False
    assert body["description_revision"] != str(base)


def test_description_conflict_is_a_409_that_keeps_both_texts(api_client, member):
    subwiki = make_subwiki(member, description="One line.\n")
    base = subwiki.page.current_revision_id
    client = api_client(member)
    client.patch(
        f"/api/v1/subwikis/{subwiki.slug}",
        {"description": "Their line.\n", "base_revision": base},
    )
    response = client.patch(
        f"/api/v1/subwikis/{subwiki.slug}",
        {"description": "My line.\n", "base_revision": base},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "edit_conflict"
    assert body["current"]["description"] == "Their line.\n"
    assert body["yours"]["description"] == "My line.\n"
    assert body["conflicts"]["description"][0]["yours"] == "My line.\n"


def test_description_edit_follows_its_policy(api_client, member, other_member):
    subwiki = make_subwiki(member)  # descriptions default to the "members" policy
    response = api_client(other_member).patch(
        f"/api/v1/subwikis/{subwiki.slug}",
        {"description": "Mine now.", "base_revision": subwiki.page.current_revision_id},
    )
    assert response.status_code == 403


# --- Follow and join ------------------------------------------------------------------


def test_follow_and_unfollow(api_client, member, other_member):
    subwiki = make_subwiki(member)
    client = api_client(other_member)
    followed = client.post(f"/api/v1/subwikis/{subwiki.slug}/follow")
    assert followed.status_code == 200
    assert followed.json() == {"subwiki": subwiki.slug, "following": True, "follower_count": 2}
    assert client.post(f"/api/v1/subwikis/{subwiki.slug}/follow").json()["follower_count"] == 2
    assert client.get(f"/api/v1/subwikis/{subwiki.slug}").json()["following"] is True
    unfollowed = client.delete(f"/api/v1/subwikis/{subwiki.slug}/follow")
    assert unfollowed.json() == {"subwiki": subwiki.slug, "following": False, "follower_count": 1}


def test_an_outsider_cannot_follow_a_private_subwiki(api_client, other_member, private):
    response = api_client(other_member).post("/api/v1/subwikis/backroom/follow")
    assert response.status_code == 404
    assert not SubwikiFollow.objects.filter(member=other_member).exists()


def test_follow_needs_an_admitted_member(api_client, member, waitlisted):
    subwiki = make_subwiki(member)
    response = api_client(waitlisted).post(f"/api/v1/subwikis/{subwiki.slug}/follow")
    assert response.status_code == 403
    assert response.json()["code"] == "waitlisted"


def test_joining_a_public_subwiki_makes_a_member_at_once(api_client, member, other_member):
    subwiki = make_subwiki(member)
    client = api_client(other_member)
    response = client.post(f"/api/v1/subwikis/{subwiki.slug}/join")
    assert response.status_code == 200
    assert response.json() == {"subwiki": subwiki.slug, "state": "active", "role": "member"}
    again = client.post(f"/api/v1/subwikis/{subwiki.slug}/join")
    assert again.status_code == 400
    assert again.json()["code"] == "already_member"
    assert client.delete(f"/api/v1/subwikis/{subwiki.slug}/join").status_code == 204
    assert not Membership.objects.filter(member=other_member).exists()


def test_joining_a_private_subwiki_asks_and_reveals_nothing(api_client, other_member, private):
    client = api_client(other_member)
    response = client.post("/api/v1/subwikis/backroom/join")
    assert response.status_code == 202
    assert response.json() == {"subwiki": "backroom", "state": "requested", "role": "member"}
    assert client.post("/api/v1/subwikis/backroom/join").status_code == 202
    # Asking gives no read access until a moderator approves.
    assert client.get("/api/v1/subwikis/backroom").status_code == 404
    # The request can be withdrawn.
    assert client.delete("/api/v1/subwikis/backroom/join").status_code == 204
    assert not Membership.objects.filter(member=other_member).exists()


def test_an_invitation_is_accepted_by_joining(api_client, member, other_member, private):
    membership_invite(actor=member, subwiki=private, username=other_member.username)
    response = api_client(other_member).post("/api/v1/subwikis/backroom/join")
    assert response.status_code == 200
    assert response.json()["state"] == "active"
    assert Membership.objects.get(member=other_member).state == MembershipState.ACTIVE


def test_the_last_owner_cannot_leave(api_client, member):
    subwiki = make_subwiki(member)
    response = api_client(member).delete(f"/api/v1/subwikis/{subwiki.slug}/join")
    assert response.status_code == 400
    assert response.json()["code"] == "last_owner"


def test_join_needs_an_admitted_member(api_client, member, waitlisted):
    subwiki = make_subwiki(member)
    assert api_client(None).post(f"/api/v1/subwikis/{subwiki.slug}/join").status_code == 401
    response = api_client(waitlisted).post(f"/api/v1/subwikis/{subwiki.slug}/join")
    assert response.status_code == 403
    assert response.json()["code"] == "waitlisted"


# --- Posts of a subwiki ---------------------------------------------------------------


def test_a_subwikis_posts_newest_first(api_client, member):
    subwiki = make_subwiki(member)
    first = make_post(member, subwiki=subwiki, title="First")
    second = make_post(member, subwiki=subwiki, title="Second")
    make_post(member, title="On the profile")
    items = api_client(None).get(f"/api/v1/subwikis/{subwiki.slug}/posts").json()["items"]
    assert [p["id"] for p in items] == [str(second.pk), str(first.pk)]
    assert items[0]["subwiki"] == subwiki.slug


def test_a_private_subwikis_posts_are_for_its_members(api_client, member, private):
    post = make_post(member, subwiki=private, title="Members only")
    items = api_client(member).get("/api/v1/subwikis/backroom/posts").json()["items"]
    assert [p["id"] for p in items] == [str(post.pk)]


@pytest.mark.parametrize("count", [3, 30])
def test_a_subwikis_posts_cost_the_same_queries_however_many(
    api_client, member, django_assert_max_num_queries, count
):
    subwiki = make_subwiki(member)
    for n in range(count):
        make_post(MemberFactory.create(), subwiki=subwiki, title=f"Post {n}")
    client = api_client(member)
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/subwikis/{subwiki.slug}/posts", {"limit": 100})
    assert len(response.json()["items"]) == count
