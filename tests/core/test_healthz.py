"""/healthz: what load balancers and monitors ask before sending people to a server."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_healthy_server_answers_200_with_the_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_the_answer_is_never_cached(client):
    cache_control = client.get("/healthz")["Cache-Control"]
    assert "no-store" in cache_control
    assert "max-age=0" in cache_control


def test_head_works_and_writes_are_refused(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_without_its_database_the_server_answers_503(client):
    def database_down(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(database_down):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}


def test_it_answers_over_plain_http_when_everything_else_redirects_to_https(settings):
    # Load balancers probe servers over plain HTTP behind the TLS terminator.
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # the security middleware reads its settings when it is built
    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200


def test_home_lists_the_latest_public_posts_and_hides_private_ones(client, db):
    from tests.factories import MemberFactory, make_post, make_subwiki

    owner = MemberFactory.create()
    make_post(owner, subwiki=make_subwiki(owner), title="Open to all")
    make_post(owner, subwiki=make_subwiki(owner, visibility="private"), title="Members only")
    page = client.get("/").content.decode()
    assert "Open to all" in page
    assert "Members only" not in page
    assert "Sign up" in page or "Join" in page
