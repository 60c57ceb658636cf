"""Past a rate limit the API answers 429 with `Retry-After` and code `rate_limited` (API.md)."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient
from tests.factories import PASSWORD, MemberFactory, make_post, make_subwiki
from tribune.talk.services import comment_create

pytestmark = pytest.mark.django_db


def assert_rate_limited(response) -> None:
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "rate_limited"
    assert "too often" in body["detail"]
    assert 0 < int(response["Retry-After"]) <= 3600


def test_posting_past_the_limit(api_client, member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"post": {"member": "2/h"}}
    client = api_client(member)
    for n in range(2):
        response = client.post("/api/v1/posts", {"kind": "text", "body": f"Post {n}."})
        assert response.status_code == 201
    assert_rate_limited(client.post("/api/v1/posts", {"kind": "text", "body": "One more."}))


def test_newcomers_are_held_back_sooner(api_client, settings):
    settings.TRIBUNE_RATE_LIMITS = {"post": {"member": "3/h", "new_member": "1/h"}}
    newcomer = api_client(MemberFactory.create(trust_level=0))
    assert newcomer.post("/api/v1/posts", {"kind": "text", "body": "Hi."}).status_code == 201
    assert_rate_limited(newcomer.post("/api/v1/posts", {"kind": "text", "body": "Hi again."}))
    regular = api_client(MemberFactory.create(trust_level=1))
    for n in range(3):
        response = regular.post("/api/v1/posts", {"kind": "text", "body": f"Post {n}."})
        assert response.status_code == 201


def test_the_address_is_counted_across_members(api_client, settings):
    settings.TRIBUNE_RATE_LIMITS = {"post": {"member": "10/h", "address": "2/h"}}
    # Every test request comes from 127.0.0.1.
    for _ in range(2):
        response = api_client(MemberFactory.create()).post(
            "/api/v1/posts", {"kind": "text", "body": "From the same place."}
        )
        assert response.status_code == 201
    assert_rate_limited(
        api_client(MemberFactory.create()).post(
            "/api/v1/posts", {"kind": "text", "body": "Me too."}
        )
    )


def test_editing_and_reverting_past_the_limit(api_client, member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"edit": {"member": "2/h"}}
    post = make_post(member, body="First.\n")
    first = post.page.current_revision_id
    client = api_client(member)
    response = client.patch(
        f"/api/v1/posts/{post.pk}", {"body": "Second.\n", "base_revision": str(first)}
    )
    assert response.status_code == 200
    response = client.post(f"/api/v1/posts/{post.pk}/revert", {"revision": str(first)})
    assert response.status_code == 200
    latest = response.json()["revision"]
    assert_rate_limited(
        client.patch(f"/api/v1/posts/{post.pk}", {"body": "Third.\n", "base_revision": latest})
    )
    assert_rate_limited(client.post(f"/api/v1/posts/{post.pk}/revert", {"revision": str(first)}))
    post.refresh_from_db()
    assert post.body == "First.\n"


def test_description_edits_count_as_edits(api_client, member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"edit": {"member": "1/h"}}
    subwiki = make_subwiki(member, description="Old.")
    client = api_client(member)
    base = str(subwiki.page.current_revision_id)
    path = f"/api/v1/subwikis/{subwiki.slug}"
    assert client.patch(path, {"description": "New.", "base_revision": base}).status_code == 200
    latest = client.get(path).json()["description_revision"]
    assert_rate_limited(client.patch(path, {"description": "Newer.", "base_revision": latest}))


def test_commenting_and_editing_comments_past_the_limit(api_client, member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"comment": {"member": "2/h"}}
    post = make_post(member)
    client = api_client(member)
    response = client.post(f"/api/v1/posts/{post.pk}/comments", {"body": "A thought."})
    assert response.status_code == 201
    comment_id = response.json()["id"]
    response = client.patch(f"/api/v1/comments/{comment_id}", {"body": "A better thought."})
    assert response.status_code == 200
    assert_rate_limited(client.post(f"/api/v1/posts/{post.pk}/comments", {"body": "More."}))
    assert_rate_limited(client.patch(f"/api/v1/comments/{comment_id}", {"body": "Best."}))


def test_limits_in_one_scope_leave_the_others_alone(api_client, member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"comment": {"member": "1/h"}}
    post = make_post(member)
    comment_create(author=member, post_id=post.pk, body="Counted.")
    client = api_client(member)
    assert_rate_limited(client.post(f"/api/v1/posts/{post.pk}/comments", {"body": "More."}))
    assert client.post("/api/v1/posts", {"kind": "text", "body": "A post."}).status_code == 201


def test_token_requests_are_limited_per_address(member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"token": {"address": "3/h", "email": "10/h"}}
    client = ApiClient()
    for n in range(3):
        response = client.post(
            "/api/v1/auth/tokens", {"email": f"guess{n}@example.org", "password": "guess"}
        )
        assert response.status_code == 401
    # Past the limit even the right password is refused: the guesses stop here.
    assert_rate_limited(
        client.post("/api/v1/auth/tokens", {"email": member.email, "password": PASSWORD})
    )
    # Another address is not held back.
    response = client.post(
        "/api/v1/auth/tokens",
        {"email": member.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 201


def test_token_requests_are_limited_per_email(member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"token": {"address": "100/h", "email": "2/h"}}
    client = ApiClient()
    for address in ("203.0.113.1", "203.0.113.2"):
        response = client.post(
            "/api/v1/auth/tokens",
            {"email": member.email, "password": "wrong"},
            REMOTE_ADDR=address,
        )
        assert response.status_code == 401
    # Guessing from a third address changes nothing: the account is what is counted.
    assert_rate_limited(
        client.post(
            "/api/v1/auth/tokens",
            {"email": member.email.upper(), "password": PASSWORD},
            REMOTE_ADDR="203.0.113.3",
        )
    )
    # Others log in as usual.
    other = MemberFactory.create()
    response = client.post("/api/v1/auth/tokens", {"email": other.email, "password": PASSWORD})
    assert response.status_code == 201


def test_the_schema_declares_the_429_of_the_token_endpoint(db):
    schema = ApiClient().get("/api/v1/openapi.json").json()
    assert "429" in schema["paths"]["/api/v1/auth/tokens"]["post"]["responses"]
