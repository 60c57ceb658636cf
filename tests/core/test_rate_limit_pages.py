"""Past a rate limit, pages answer 429 with Retry-After and show the form again with
what the member wrote and how long to wait; allauth's own limits have a page too."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.accounts.models import Member
from tribune.posts.models import Post
from tribune.talk.models import Comment
from tribune.talk.services import comment_create

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
BODY = "First line.\nSecond line.\n"


def client_for(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def assert_refused_with_wait(response) -> str:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    html: str = response.content.decode()
    assert "You are doing this too often. Please wait" in html
    return html


def head(post: Post) -> int:
    post.page.refresh_from_db()
    revision_id = post.page.current_revision_id
    assert revision_id is not None
    return revision_id


def test_a_new_post_refused_keeps_what_was_written(member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"post": {"member": "1/h"}}
    make_post(member)  # counted by the service, whoever calls it
    response = client_for(member).post(
        reverse("posts:create"),
        {
            "kind": "article",
            "subwiki": "",
            "title": "On tides",
            "body": "Tides rise and fall twice a day.\n",
            "edit_policy": "open",
        },
    )
    html = assert_refused_with_wait(response)
    assert 'value="On tides"' in html
    assert "Tides rise and fall twice a day." in html
    assert not Post.objects.filter(title="On tides").exists()


def test_an_edit_refused_keeps_the_text(member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"edit": {"member": "1/h"}}
    post = make_post(member, body=BODY)
    client = client_for(member)
    data = {"title": "A title", "body": BODY.replace("Second", "2nd"), "base_revision": head(post)}
    assert client.post(reverse("posts:edit", args=[post.pk]), data).status_code == 302
    mine = {"title": "A title", "body": "My careful rewrite.\n", "base_revision": head(post)}
    html = assert_refused_with_wait(client.post(reverse("posts:edit", args=[post.pk]), mine))
    assert "My careful rewrite." in html
    post.refresh_from_db()
    assert "My careful rewrite." not in post.body


def test_htmx_gets_the_form_back_with_200_so_that_it_is_swapped_in(member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"edit": {"member": "0/h"}}
    post = make_post(member, body=BODY)
    response = client_for(member).post(
        reverse("posts:edit", args=[post.pk]),
        {"title": "A title", "body": "Swapped in.\n", "base_revision": head(post)},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Please wait" in html and "Swapped in." in html


def test_a_revert_refused_says_why(member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"edit": {"member": "0/h"}}
    post = make_post(member, body=BODY)
    response = client_for(member).post(
        reverse("posts:revert", args=[post.pk]), {"revision": head(post)}
    )
    html = assert_refused_with_wait(response)
    assert "Please slow down" in html


def test_a_description_edit_refused_keeps_the_text(member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"edit": {"member": "0/h"}}
    subwiki = make_subwiki(member, description="Old.")
    response = client_for(member).post(
        reverse("communities:description_edit", args=[subwiki.slug]),
        {"description": "A new description.", "base_revision": subwiki.page.current_revision_id},
    )
    html = assert_refused_with_wait(response)
    assert "A new description." in html


def test_a_comment_refused_keeps_the_text(member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"comment": {"member": "1/h"}}
    post = make_post(member)
    comment_create(author=member, post_id=post.pk, body="First.")
    response = client_for(member).post(
        reverse("talk:create", args=[post.pk]), {"body": "A second thought."}
    )
    html = assert_refused_with_wait(response)
    assert "A second thought." in html
    assert Comment.objects.filter(post=post).count() == 1


def test_a_comment_edit_refused_keeps_the_text(member, settings):
    settings.TRIBUNE_RATE_LIMITS = {"comment": {"member": "1/h"}}
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="First.")
    response = client_for(member).post(
        reverse("talk:edit", args=[post.pk, comment.pk]), {"body": "Reworded."}
    )
    html = assert_refused_with_wait(response)
    assert "Reworded." in html
    comment.refresh_from_db()
    assert comment.body == "First."


def test_members_from_one_address_share_its_limit(settings):
    settings.TRIBUNE_RATE_LIMITS = {"comment": {"member": "10/h", "address": "1/h"}}
    author = MemberFactory.create()
    post = make_post(author)
    url = reverse("talk:create", args=[post.pk])
    assert client_for(author).post(url, {"body": "From here."}).status_code == 302
    assert_refused_with_wait(
        client_for(MemberFactory.create()).post(url, {"body": "Also from here."})
    )


def test_too_many_sign_ups_from_one_address_get_a_page_that_says_so(db, settings):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "1/h/ip"}
    client = Client()
    client.post(reverse("account_signup"), {})
    response = client.post(reverse("account_signup"), {})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many attempts" in html
    assert "Please wait a few minutes" in html
    assert 'href="/static/tribune/css/tribune.css"' in html  # the site's own page


def test_too_many_log_ins_from_one_address_get_the_same_page(db, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login": "1/h/ip"}
    client = Client()
    client.post(reverse("account_login"), {"login": "someone", "password": "x"})
    response = client.post(reverse("account_login"), {"login": "someone", "password": "x"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
