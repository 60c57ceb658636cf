from __future__ import annotations

import pytest

from tests.conftest import ApiClient
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db


def test_token_for_verified_member_reaches_me(member):
    client = ApiClient()
    response = client.post("/api/v1/auth/tokens", {"email": member.email, "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == member.username
    me = ApiClient(body["token"]).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["username"] == member.username
    assert me.json()["access"] == "admitted"


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "nobody@example.org", "password": PASSWORD},
        {"email": "{email}", "password": "wrong password"},
    ],
)
def test_wrong_credentials_answer_the_same_401(member, payload):
    payload = {k: v.format(email=member.email) for k, v in payload.items()}
    response = ApiClient().post("/api/v1/auth/tokens", payload)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "These credentials are not valid.",
        "code": "invalid_credentials",
    }


def test_unverified_member_gets_no_token(db):
    member = MemberFactory.create(verified=False)
    response = ApiClient().post(
        "/api/v1/auth/tokens", {"email": member.email, "password": PASSWORD}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_suspended_member_gets_no_token(suspended):
    response = ApiClient().post(
        "/api/v1/auth/tokens", {"email": suspended.email, "password": PASSWORD}
    )
    assert response.status_code == 401


def test_malformed_json_is_a_400_with_a_code(db):
    response = ApiClient().post("/api/v1/auth/tokens", "{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"


def test_missing_fields_list_the_errors(db):
    response = ApiClient().post("/api/v1/auth/tokens", {"email": "a@example.org"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "password" in body["errors"]


def test_revoked_token_is_refused(member, api_client):
    client = api_client(member)
    assert client.delete("/api/v1/auth/tokens/current").status_code == 204
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_waitlisted_token_reaches_me(waitlisted, api_client):
    response = api_client(waitlisted).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["access"] == "waitlisted"


def test_token_of_a_member_suspended_later_stops_working(suspended, api_client):
    assert api_client(suspended).get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Bearer trb_unknown", "Token x"])
def test_bad_authorization_headers_are_401(db, header):
    response = ApiClient().get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
