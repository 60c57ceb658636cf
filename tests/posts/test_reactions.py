"""Upvotes: one per member per post, counted once even when sent twice at once, refused
where a member may not, and the button on the post page with and without htmx."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.communities.test_pages import assert_well_formed
from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.accounts.models import Member
from tribune.core.exceptions import Forbidden, NotFound, ServiceError
from tribune.posts.models import Post, Reaction
from tribune.posts.reactions import (
    post_viewer_state,
    reaction_add,
    reaction_remove,
    upvoted_post_ids,
)

HTMX = {"HX-Request": "true"}


def client_for(member: Member | None) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member)
    return client


def count_of(post: Post) -> int:
    return Post.objects.get(pk=post.pk).upvote_count


@pytest.fixture
def post(db, other_member) -> Post:
    return make_post(other_member, subwiki=make_subwiki(other_member), title="Bike lanes")


# --- The rules (services) -----------------------------------------------------------


@pytest.mark.django_db
def test_an_upvote_counts_once_however_often_it_is_sent(member, post):
    first = reaction_add(actor=member, post_id=post.pk)
    again = reaction_add(actor=member, post_id=post.pk)
    assert (first.upvoted, first.changed, first.upvote_count) == (True, True, 1)
    assert (again.upvoted, again.changed, again.upvote_count) == (True, False, 1)
    assert count_of(post) == 1 and Reaction.objects.count() == 1

    other = reaction_add(actor=MemberFactory.create(), post_id=post.pk)
    assert other.upvote_count == 2

    taken_back = reaction_remove(actor=member, post_id=post.pk)
    twice = reaction_remove(actor=member, post_id=post.pk)
    assert (taken_back.upvoted, taken_back.changed, taken_back.upvote_count) == (False, True, 1)
    assert (twice.changed, twice.upvote_count) == (False, 1)
    assert count_of(post) == 1


@pytest.mark.django_db
def test_the_author_may_upvote_their_own_post(other_member, post):
    assert reaction_add(actor=other_member, post_id=post.pk).upvote_count == 1


@pytest.mark.django_db
def test_there_are_no_downvotes(member, post):
    with pytest.raises(ServiceError) as refused:
        reaction_add(actor=member, post_id=post.pk, kind="downvote")
    assert refused.value.code == "invalid_kind"
    assert refused.value.errors == {"kind": [str(refused.value.detail)]}
    assert count_of(post) == 0


@pytest.mark.django_db
def test_waitlisted_and_suspended_members_may_not_upvote(waitlisted, suspended, member, post):
    reaction_add(actor=member, post_id=post.pk)
    with pytest.raises(Forbidden) as refused:
        reaction_add(actor=waitlisted, post_id=post.pk)
    assert refused.value.code == "waitlisted"
    with pytest.raises(Forbidden) as refused:
        reaction_add(actor=suspended, post_id=post.pk)
    assert "suspended" in str(refused.value.detail)
    with pytest.raises(Forbidden):
        reaction_remove(actor=suspended, post_id=post.pk)
    assert count_of(post) == 1


@pytest.mark.django_db
def test_a_private_post_is_not_found_for_outsiders(member, other_member):
    room = make_subwiki(other_member, slug="room", visibility="private")
    private = make_post(other_member, subwiki=room)
    for attempt in (reaction_add, reaction_remove):
        with pytest.raises(NotFound):
            attempt(actor=member, post_id=private.pk)
    assert reaction_add(actor=other_member, post_id=private.pk).upvote_count == 1
    with pytest.raises(NotFound):
        reaction_add(actor=member, post_id="not-a-number")


@pytest.mark.django_db
def test_removed_posts_take_no_upvotes(member, staff, post):
    reaction_add(actor=member, post_id=post.pk)
    Post.objects.filter(pk=post.pk).update(is_removed=True)
    with pytest.raises(NotFound):  # members no longer see it
        reaction_add(actor=MemberFactory.create(), post_id=post.pk)
    with pytest.raises(Forbidden) as refused:  # moderators see it, and may not upvote it
        reaction_add(actor=staff, post_id=post.pk)
    assert refused.value.code == "post_removed"
    assert count_of(post) == 1


@pytest.mark.django_db
def test_the_counter_never_goes_below_zero(member, post):
    reaction_add(actor=member, post_id=post.pk)
    Post.objects.filter(pk=post.pk).update(upvote_count=0)  # drifted, somehow
    assert reaction_remove(actor=member, post_id=post.pk).upvote_count == 0


@pytest.mark.django_db(transaction=True)
def test_two_upvotes_sent_at_once_count_once():
    author = MemberFactory.create()
    post = make_post(author, subwiki=make_subwiki(author))
    voter = MemberFactory.create()
    others = [MemberFactory.create() for _ in range(4)]
    # The same member three times at once, and four others: each member counts once.
    actors = [voter, voter, voter, *others]
    barrier = threading.Barrier(len(actors))
    problems: list[BaseException] = []

    def vote(actor: Member) -> None:
        try:
            barrier.wait(timeout=30)
            reaction_add(actor=actor, post_id=post.pk)
        except BaseException as error:  # reported below, in the test's thread
            problems.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(actor,)) for actor in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert problems == []
    assert Reaction.objects.filter(post=post).count() == 5
    assert count_of(post) == 5


# --- Reads (selectors) ---------------------------------------------------------------


@pytest.mark.django_db
def test_which_cards_were_upvoted_is_one_query(member, other_member, django_assert_num_queries):
    posts = [make_post(other_member) for _ in range(12)]
    for post in posts[::3]:
        reaction_add(actor=member, post_id=post.pk)
    with django_assert_num_queries(1):
        upvoted = upvoted_post_ids(member, [p.pk for p in posts])
    assert upvoted == {p.pk for p in posts[::3]}
    with django_assert_num_queries(0):
        assert upvoted_post_ids(member, []) == set()
        assert upvoted_post_ids(AnonymousUser(), [posts[0].pk]) == set()


@pytest.mark.django_db
def test_the_post_page_state_is_one_query(member, other_member, post, django_assert_num_queries):
    reaction_add(actor=member, post_id=post.pk)
    with django_assert_num_queries(1):
        state = post_viewer_state(member, post)
    assert (state.upvoted, state.follows_author) == (True, False)
    with django_assert_num_queries(0):
        assert post_viewer_state(AnonymousUser(), post).upvoted is False


# --- The button (pages) --------------------------------------------------------------


def upvote_url(post: Post) -> str:
    return reverse("posts:upvote", args=[post.pk])


def unvote_url(post: Post) -> str:
    return reverse("posts:unvote", args=[post.pk])


@pytest.mark.django_db
def test_the_post_page_shows_the_button_near_the_title(member, post):
    reaction_add(actor=MemberFactory.create(), post_id=post.pk)
    content = client_for(member).get(post.get_absolute_url()).content.decode()
    title_at = content.index('id="post-title"')
    button_at = content.index(f'action="{upvote_url(post)}"')
    assert title_at < button_at < content.index('class="post-body"')
    assert 'aria-pressed="false"' in content
    assert "1 upvote<" in content


@pytest.mark.django_db
def test_visitors_see_the_count_and_no_button(post):
    reaction_add(actor=MemberFactory.create(), post_id=post.pk)
    reaction_add(actor=MemberFactory.create(), post_id=post.pk)
    content = client_for(None).get(post.get_absolute_url()).content.decode()
    assert "2 upvotes" in content
    assert upvote_url(post) not in content
    response = client_for(None).post(upvote_url(post))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_without_javascript_the_button_comes_back_to_the_page(member, post):
    client = client_for(member)
    response = client.post(upvote_url(post), {"next": "/all/?cursor=abc"})
    assert response.status_code == 302
    assert response["Location"] == f"/all/?cursor=abc#upvote-{post.pk}"
    assert count_of(post) == 1

    page = client.get(post.get_absolute_url()).content.decode()
    assert 'aria-pressed="true"' in page
    assert f'action="{unvote_url(post)}"' in page
    assert "1 upvote<" in page

    elsewhere = client.post(unvote_url(post), {"next": "//elsewhere.example/"})
    assert elsewhere["Location"] == f"{post.get_absolute_url()}#upvote-{post.pk}"
    assert count_of(post) == 0


@pytest.mark.django_db
def test_with_htmx_the_fragment_is_swapped_with_the_new_count(member, post):
    client = client_for(member)
    response = client.post(upvote_url(post), {"next": post.get_absolute_url()}, headers=HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert f'id="upvote-{post.pk}"' in content
    assert 'aria-pressed="true"' in content and "1 upvote<" in content
    assert f'action="{unvote_url(post)}"' in content
    assert f'name="next" value="{post.get_absolute_url()}"' in content
    assert_well_formed(response.content)

    back = client.post(unvote_url(post), headers=HTMX).content.decode()
    assert 'aria-pressed="false"' in back and "0 upvotes" in back


@pytest.mark.django_db
def test_waitlisted_members_are_told_why(waitlisted, post):
    client = client_for(waitlisted)
    page = client.post(upvote_url(post))
    assert page.status_code == 403
    assert b"waitlist" in page.content
    fragment = client.post(upvote_url(post), headers=HTMX)
    assert fragment.status_code == 200
    assert b'role="alert"' in fragment.content and b"waitlist" in fragment.content
    assert b"0 upvotes" in fragment.content
    assert count_of(post) == 0


@pytest.mark.django_db
def test_private_posts_are_not_found_by_the_button(member, other_member):
    room = make_subwiki(other_member, slug="room", visibility="private")
    private = make_post(other_member, subwiki=room)
    assert client_for(member).post(upvote_url(private)).status_code == 404
    assert client_for(member).post(upvote_url(private), headers=HTMX).status_code == 404
    assert client_for(member).get(upvote_url(private)).status_code == 405


@pytest.mark.django_db
def test_the_button_survives_an_inline_edit(member, post):
    reaction_add(actor=member, post_id=post.pk)
    client = client_for(member)
    response = client.post(
        reverse("posts:edit", args=[post.pk]),
        {
            "title": post.title,
            "body": "Edited.",
            "summary": "",
            "base_revision": post.page.current_revision_id,
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert b'aria-pressed="true"' in response.content
