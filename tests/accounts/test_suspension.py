"""A suspended member cannot log in, their open sessions end, and their tokens stop working."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import ApiClient, issue_token
from tests.factories import PASSWORD, MemberFactory, make_post
from tribune.accounts.models import Access, Member
from tribune.core.exceptions import Forbidden
from tribune.posts.models import Post
from tribune.posts.services import post_create
from tribune.talk.services import comment_create

pytestmark = pytest.mark.django_db

SUSPENDED_PAGE = "Your account is suspended"
LOGGED_OUT = "Your account is suspended, so you have been logged out."


def suspend(member: Member) -> None:
    # What the moderation service does to the account.
    member.access = Access.SUSPENDED
    member.save(update_fields=["access"])


def log_in(client: Client, member: Member, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": member.email, "password": password})


def is_logged_in(client: Client) -> bool:
    return client.get(reverse("accounts:settings")).status_code == 200


def test_a_suspended_member_is_told_so_when_logging_in_and_stays_out(suspended):
    client = Client()
    response = log_in(client, suspended)
    assert response.status_code == 403
    assert SUSPENDED_PAGE in response.content.decode()
    assert not is_logged_in(client)


def test_the_username_log_in_is_refused_the_same_way(suspended):
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": suspended.username, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert not is_logged_in(client)


def test_without_the_password_nothing_tells_that_the_account_is_suspended(suspended, member):
    suspended_answer = log_in(Client(), suspended, password="not the password")
    other_answer = log_in(Client(), member, password="not the password")
    assert suspended_answer.status_code == other_answer.status_code == 200
    assert SUSPENDED_PAGE not in suspended_answer.content.decode()
    assert "suspended" not in suspended_answer.content.decode().lower()


def test_a_member_logs_in_again_once_the_suspension_is_lifted(suspended):
    suspended.access = Access.ADMITTED
    suspended.save(update_fields=["access"])
    client = Client()
    assert log_in(client, suspended).status_code == 302
    assert is_logged_in(client)


def test_open_sessions_end_on_every_device_with_a_message(member):
    laptop, phone = Client(), Client()
    assert log_in(laptop, member).status_code == 302
    assert log_in(phone, member).status_code == 302
    assert is_logged_in(laptop) and is_logged_in(phone)

    suspend(member)

    response = laptop.get(reverse("home"), follow=True)
    html = response.content.decode()
    assert LOGGED_OUT in html
    assert reverse("account_login") in html  # the header offers to log in again
    assert not is_logged_in(laptop)
    # The message is said once; the phone's session ended as well.
    assert LOGGED_OUT not in laptop.get(reverse("home")).content.decode()
    assert not is_logged_in(phone)


def test_a_suspended_members_form_post_is_not_carried_out(member):
    client = Client()
    log_in(client, member)
    suspend(member)
    response = client.post(reverse("posts:create"), {"kind": "text", "body": "Still here?"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Post.objects.filter(author=member).exists()


def test_other_members_sessions_go_on(member, other_member):
    client = Client()
    log_in(client, member)
    suspend(other_member)
    assert is_logged_in(client)
    assert LOGGED_OUT not in client.get(reverse("home")).content.decode()


def test_tokens_stop_working_and_no_new_one_is_issued(member):
    token = issue_token(member)
    assert ApiClient(token).get("/api/v1/me").status_code == 200
    suspend(member)
    response = ApiClient(token).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    credentials = {"email": member.email, "password": PASSWORD}
    response = ApiClient().post("/api/v1/auth/tokens", credentials)
    assert response.status_code == 401
    # The same answer as for a wrong password: the API does not say the account is suspended.
    wrong = ApiClient().post(
        "/api/v1/auth/tokens", {"email": MemberFactory.create().email, "password": "wrong"}
    )
    assert response.json() == wrong.json()


def test_a_suspended_member_can_neither_post_nor_comment(suspended, member):
    post = make_post(member)
    with pytest.raises(Forbidden):
        post_create(author=suspended, subwiki=None, kind="text", body="Hello.")
    with pytest.raises(Forbidden):
        comment_create(author=suspended, post_id=post.pk, body="Hello.")
