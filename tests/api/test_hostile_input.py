"""What an operator does first, and what hostile clients send: clear 4xx, never a 500."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.conftest import ApiClient
from tests.factories import make_post, make_subwiki
from tribune.posts.services import MAX_ARTICLE_BODY

pytestmark = pytest.mark.django_db


def test_an_account_made_by_the_operator_gets_a_token_and_reads_me():
    out = io.StringIO()
    call_command(
        "accounts", "create", "alice", "--email", "a@example.org", "--confirmed", stdout=out
    )
    password = out.getvalue().splitlines()[-1].removeprefix("password: ")
    client = ApiClient()
    response = client.post("/api/v1/auth/tokens", {"email": "a@example.org", "password": password})
    assert response.status_code == 201
    me = ApiClient(response.json()["token"]).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    wrong = client.post("/api/v1/auth/tokens", {"email": "a@example.org", "password": "nope"})
    assert wrong.status_code == 401
    assert client.post("/api/v1/auth/tokens", "{").status_code == 400


def test_a_body_over_the_limit_is_refused_with_the_limit(member, api_client):
    post = make_post(member, subwiki=make_subwiki(member))
    response = api_client(member).patch(
        f"/api/v1/posts/{post.pk}",
        {"body": "x" * (MAX_ARTICLE_BODY + 1), "base_revision": post.page.current_revision_id},
    )
    assert response.status_code == 400
    assert f"{MAX_ARTICLE_BODY:,}".replace(",", "") in "".join(response.json()["errors"]["body"])
    post.refresh_from_db()
    assert len(post.body) < MAX_ARTICLE_BODY


def test_a_request_too_large_to_read_is_a_clear_4xx(member, api_client):
    response = api_client(member).post(
        "/api/v1/posts",
        {"subwiki": None, "kind": "article", "title": "Big", "body": "x" * 3_000_000},
    )
    assert 400 <= response.status_code < 500
    assert "code" in response.json()


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "link", "title": "Local", "url": "javascript:alert(1)"},
        {"kind": "link", "title": "Data", "url": "data:text/html,<script>alert(1)</script>"},
        {"kind": "article", "title": "<script>alert(1)</script>", "body": "<img onerror=x>"},
    ],
)
def test_hostile_posts_are_refused_or_neutralised(member, api_client, payload):
    response = api_client(member).post("/api/v1/posts", {"subwiki": None, **payload})
    assert response.status_code in {201, 400}
    if response.status_code == 201:
        body = response.json()
        assert "<img" not in body["body_html"] and "<script" not in body["body_html"]
    else:
        assert "url" in response.json()["errors"]
