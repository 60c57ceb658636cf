"""The threads a post's page keeps in the cache (talk.threads) show every reader exactly
what rendering them afresh for that reader shows, and follow every change."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tests.factories import MemberFactory, make_post, make_subwiki
from tests.posts.test_pages import client_for
from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer
from tribune.core.fragments import fragment_cache
from tribune.posts.models import Post
from tribune.talk.models import Comment
from tribune.talk.selectors import (
    build_threads,
    comment_of,
    comments_html,
    post_talk,
)
from tribune.talk.services import comment_create, comment_delete, comment_edit, comment_remove
from tribune.talk.templatetags.talk_tags import talk_words
from tribune.talk.threads import THREADS_TEMPLATE, threads_html

pytestmark = pytest.mark.django_db

TOKEN = "tokenOfTheRequest"


def fresh(viewer: Viewer, post: Post) -> str:
    """The threads rendered for the reader with nothing kept: what the page must show."""
    talk = post_talk(viewer=viewer, post=post)
    comments = [comment_of(row, post) for row in talk.rows]
    threads, _nodes = build_threads(
        viewer=viewer, comments=comments, bodies=comments_html(viewer=viewer, comments=comments)
    )
    context = {
        "threads": threads,
        "post": post,
        "post_url": post.get_absolute_url(),
        "create_url": reverse("talk:create", args=[post.pk]),
        "can_comment": talk.can_comment,
        "words": talk_words(),
        "csrf_token": TOKEN,
    }
    return render_to_string(THREADS_TEMPLATE, context)


def kept(viewer: Viewer, post: Post) -> str:
    return str(threads_html(post_talk(viewer=viewer, post=post), csrf_token=TOKEN))


def action_url(name: str, comment: Comment) -> str:
    # A moderator's removal is logged, so it is moderation's page.
    full_name = "moderation:comment_remove" if name == "remove" else f"talk:{name}"
    return reverse(full_name, args=[comment.post_id, comment.pk])


@pytest.fixture
def talk(member: Member, other_member: Member) -> tuple[Post, list[Comment]]:
    """A post in a subwiki `member` owns (and so moderates), with a lively talk."""
    post = make_post(member, make_subwiki(member))
    MemberFactory.create(username="ada_l")
    first = comment_create(author=other_member, post_id=post.pk, body="First, for @ada_l.")
    reply = comment_create(author=member, post_id=post.pk, body="A reply.", parent_id=first.pk)
    gone = comment_create(author=other_member, post_id=post.pk, body="Soon gone.")
    comment_delete(actor=other_member, comment_id=gone.pk)
    edited = comment_create(
        author=other_member, post_id=post.pk, body="Before.", parent_id=reply.pk
    )
    comment_edit(actor=other_member, comment_id=edited.pk, body="After, for @nobody_here.")
    return post, [first, reply, gone, edited]


def test_every_reader_sees_what_a_fresh_render_shows_them(talk, member, other_member, moderator):
    post, _comments = talk
    fragment_cache().clear()
    readers: list[Viewer | None] = [None, member, other_member, moderator, MemberFactory.create()]
    for reader in readers:
        viewer = reader or client_for(None).get("/").wsgi_request.user
        expected = fresh(viewer, post)
        assert kept(viewer, post) == expected  # rendered and kept
        assert kept(viewer, post) == expected  # from the cache


def test_own_buttons_go_to_the_author_only_and_remove_to_moderators(
    talk, member, other_member, moderator
):
    post, (first, reply, _gone, _edited) = talk
    stranger = MemberFactory.create()
    for reader in (stranger, other_member, moderator, stranger):  # the stranger read first
        html = kept(reader, post)
        mine = reader == other_member
        assert (action_url("edit", first) in html) is mine
        assert (action_url("delete", first) in html) is mine
        # The text of a comment is in an edit form for its author only.
        assert ("First, for @ada_l.</textarea>" in html) is mine
        assert (action_url("remove", first) in html) is (reader == moderator)
        assert action_url("edit", reply) not in html  # member's, who reads none of these
        assert f'id="reply-{first.pk}"' in html  # anyone signed in may reply
        assert TOKEN in html and "csrf" not in html.replace("csrfmiddlewaretoken", "")
    # The owner of the subwiki moderates it: remove on others' comments, edit on their own.
    html = kept(member, post)
    assert action_url("remove", first) in html and action_url("edit", first) not in html
    assert action_url("edit", reply) in html and action_url("remove", reply) not in html


def test_changes_to_the_talk_show_at_once(talk, member, other_member, moderator):
    post, (first, reply, _gone, edited) = talk
    reader = MemberFactory.create()
    before = kept(reader, post)
    assert "After, for" in before and "[deleted]" in before

    comment_edit(actor=other_member, comment_id=first.pk, body="First, rewritten.")
    comment_remove(actor=moderator, comment_id=edited.pk)
    late = comment_create(author=reader, post_id=post.pk, body="Late.", parent_id=reply.pk)
    Member.objects.filter(pk=member.pk).update(display_name="Renamed Owner")

    after = kept(reader, post)
    assert after == fresh(reader, post)
    assert "First, rewritten." in after and "First, for" not in after
    assert "After, for" not in after and "[removed by a moderator]" in after
    assert "Late." in after and action_url("edit", late) in after
    assert "Renamed Owner" in after


def test_a_mentioned_member_who_arrives_is_linked(talk):
    post, _comments = talk
    reader = MemberFactory.create()
    assert "/u/nobody_here/" not in kept(reader, post)
    newcomer = MemberFactory.create(username="nobody_here")
    html = kept(reader, post)
    assert f'href="{newcomer.get_absolute_url()}"' in html
    assert html == fresh(reader, post)


def test_the_post_page_shows_the_kept_threads(talk, other_member):
    post, (first, *_rest) = talk
    for _ in range(2):
        html = client_for(other_member).get(post.get_absolute_url()).content.decode()
        assert action_url("edit", first) in html
        assert html.count('class="comment"') == 4
