"""The talk of a post in a private subwiki never reaches outsiders: no page, no API answer,
no mention."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import issue_token
from tests.factories import MemberFactory, make_post
from tests.posts.test_pages import client_for, private_subwiki_with
from tribune.accounts.models import Member
from tribune.talk.selectors import comment_mentioned_readers
from tribune.talk.services import comment_create, comment_edit

pytestmark = pytest.mark.django_db

SECRET = "The secret plan"


@pytest.fixture
def private_talk(member, other_member):
    """A private subwiki's post with a thread; `member` owns it, `other_member` is inside."""
    post = make_post(member, private_subwiki_with(member, other_member))
    first = comment_create(author=member, post_id=post.pk, body=f"{SECRET}, first draft.")
    comment_edit(actor=member, comment_id=first.pk, body=f"{SECRET}, @outsider_x may not know.")
    reply = comment_create(
        author=other_member, post_id=post.pk, body=f"{SECRET}: agreed.", parent_id=first.pk
    )
    return post, first, reply


def outsiders() -> list[Member | None]:
    """A visitor, a member of the site, and a site moderator (who moderates public subwikis)."""
    return [
        None,
        MemberFactory.create(username="outsider_x"),
        MemberFactory.create(is_moderator=True),
    ]


def test_no_page_shows_the_talk_to_outsiders(private_talk):
    post, first, _reply = private_talk
    paths = [
        post.get_absolute_url(),
        f"/p/{post.pk}/comments/",
        f"/p/{post.pk}/comments/{first.pk}/history/",
        f"/p/{post.pk}/comments/{first.pk}/edit/",
        f"/p/{post.pk}/?comments=x",
        "/",
        "/changes/",
    ]
    for viewer in outsiders():
        client = client_for(viewer)
        for path in paths:
            response = client.get(path, follow=True)
            assert SECRET not in response.content.decode(), (viewer, path)
        for path in paths[:4]:
            assert client.get(path).status_code in {302, 404}, (viewer, path)


def test_no_button_works_for_outsiders(private_talk):
    post, _first, reply = private_talk
    for viewer in outsiders()[1:]:
        client = client_for(viewer)
        assert client.post(f"/p/{post.pk}/comments/", {"body": "Hi"}).status_code == 404
        for action in ("edit", "delete", "remove"):
            url = f"/p/{post.pk}/comments/{reply.pk}/{action}/"
            assert client.post(url, {"body": "x"}).status_code == 404, (viewer, action)


def test_no_api_answer_shows_the_talk_to_outsiders(private_talk):
    post, first, reply = private_talk
    for viewer in outsiders():
        headers = {"Authorization": f"Bearer {issue_token(viewer)}"} if viewer else {}
        client = Client(headers=headers)
        for path in (
            f"/api/v1/posts/{post.pk}/comments",
            f"/api/v1/comments/{first.pk}",
            f"/api/v1/comments/{first.pk}/revisions",
        ):
            response = client.get(path)
            assert response.status_code == 404 and SECRET not in response.content.decode()
        if viewer is not None:
            create = client.post(
                f"/api/v1/posts/{post.pk}/comments", {"body": "Hi"}, content_type="application/json"
            )
            assert create.status_code == 404
            for method in ("patch", "delete"):
                response = getattr(client, method)(
                    f"/api/v1/comments/{reply.pk}", {"body": "x"}, content_type="application/json"
                )
                assert response.status_code == 404


def test_insiders_and_staff_read_the_talk(private_talk, other_member, staff):
    post, _first, _reply = private_talk
    for viewer in (other_member, staff):
        assert SECRET in client_for(viewer).get(post.get_absolute_url()).content.decode()


def test_a_mention_of_an_outsider_tells_them_nothing(private_talk):
    _post, first, _reply = private_talk
    outsider = MemberFactory.create(username="outsider_x")
    first.refresh_from_db()
    assert "@outsider_x" in first.body
    assert outsider not in comment_mentioned_readers(comment=first)
    assert comment_mentioned_readers(comment=first) == []
