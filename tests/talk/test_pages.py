"""The talk on a post's page: threads, replies with and without htmx, edits, deletes,
removals, mentions, refusals, and a number of queries that does not grow with the talk."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import MemberFactory, make_post, make_subwiki
from tests.posts.test_pages import HTMX, assert_well_formed, client_for
from tribune.accounts.models import Member
from tribune.posts.models import Post
from tribune.talk import selectors
from tribune.talk.models import Comment, CommentState
from tribune.talk.services import MAX_BODY, MAX_DEPTH, comment_create, comment_edit

pytestmark = pytest.mark.django_db


def talk_of(html: str) -> str:
    """The talk section of a post's page."""
    start = html.index('<section id="talk"')
    return html[start : html.index("</section>", start)]


def create_url(post: Post) -> str:
    return reverse("talk:create", args=[post.pk])


def action_url(name: str, comment: Comment) -> str:
    # A moderator's removal is logged, so it is moderation's page.
    full_name = "moderation:comment_remove" if name == "remove" else f"talk:{name}"
    return reverse(full_name, args=[comment.post_id, comment.pk])


def page_of(post: Post, viewer: Member | None = None) -> str:
    response = client_for(viewer).get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# --- Reading --------------------------------------------------------------------------------


def test_the_post_page_shows_threads_in_order_with_replies_under_their_parent(member, other_member):
    post = make_post(member)
    first = comment_create(author=member, post_id=post.pk, body="First thread.")
    second = comment_create(author=other_member, post_id=post.pk, body="Second thread.")
    reply = comment_create(
        author=other_member, post_id=post.pk, body="A reply.", parent_id=first.pk
    )
    html = talk_of(page_of(post))
    assert "3 comments" in html
    order = [html.index(f'id="comment-{c.pk}"') for c in (first, reply, second)]
    assert order == sorted(order)
    # The reply is inside the first thread's list of replies, which closes before the second.
    replies = html.index(f'id="replies-{first.pk}"')
    assert (
        replies < html.index(f'id="comment-{reply.pk}"') < html.index(f'id="comment-{second.pk}"')
    )
    # Each thread folds without JavaScript, and says how much it hides when folded.
    assert html.count('<details class="comment-fold" open>') == 3
    assert "(1 reply hidden)" in html


def test_visitors_read_the_talk_and_are_invited_to_log_in(member):
    post = make_post(member)
    comment_create(author=member, post_id=post.pk, body="Hello, readers.")
    html = talk_of(page_of(post))
    assert "Hello, readers." in html
    assert "<form" not in html
    login = reverse("account_login")
    assert f'href="{login}?next=/p/{post.pk}/%23talk"' in html


def test_waitlisted_members_read_why_they_cannot_comment(member, waitlisted):
    post = make_post(member)
    html = talk_of(page_of(post, waitlisted))
    assert "once it is admitted" in html and "<form" not in html


def test_an_empty_talk_says_so(member):
    html = talk_of(page_of(make_post(member), member))
    assert "No comments yet" in html and "0 comments" in html
    assert 'id="comment-body"' in html


def test_mentions_link_to_profiles_of_members_who_exist(member):
    ada = MemberFactory.create(username="ada_l")
    post = make_post(member)
    comment_create(
        author=member, post_id=post.pk, body="Thanks @ada_l and @nobody_here; `@ada_l` in code."
    )
    html = talk_of(page_of(post))
    assert f'<a href="{ada.get_absolute_url()}" rel="nofollow ugc noopener">@ada_l</a>' in html
    assert "@nobody_here" in html and "/u/nobody_here/" not in html
    assert "<code>@ada_l</code>" in html


def test_markdown_is_sanitised(member):
    post = make_post(member)
    comment_create(
        author=member,
        post_id=post.pk,
        body='<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror="alert(1)">',
    )
    html = talk_of(page_of(post))
    assert "&lt;script&gt;" in html  # shown as text
    assert "<script" not in html and 'href="javascript' not in html and "<img" not in html


def test_the_author_and_moderators_get_their_buttons_and_others_only_reply(
    member, other_member, moderator
):
    post = make_post(member, make_subwiki(member))
    comment = comment_create(author=other_member, post_id=post.pk, body="Mine.")
    mine = talk_of(page_of(post, other_member))
    assert action_url("edit", comment) in mine and action_url("delete", comment) in mine
    assert action_url("remove", comment) not in mine
    theirs = talk_of(page_of(post, moderator))
    assert action_url("remove", comment) in theirs and action_url("edit", comment) not in theirs
    reader = talk_of(page_of(post, MemberFactory.create()))
    assert f'id="reply-{comment.pk}"' in reader
    assert not any(action_url(name, comment) in reader for name in ("edit", "delete", "remove"))


# --- Commenting without JavaScript ---------------------------------------------------------


def test_commenting_without_javascript_goes_back_to_the_new_comment(member):
    post = make_post(member)
    client = client_for(member)
    response = client.post(create_url(post), {"body": "Interesting.\r\nVery."})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/p/{post.pk}/#comment-{comment.pk}"
    assert comment.body == "Interesting.\nVery."
    page = client.get(response["Location"]).content.decode()
    assert "Your comment is posted." in page and "Interesting." in page


def test_replying_without_javascript(member, other_member):
    post = make_post(member)
    parent = comment_create(author=member, post_id=post.pk, body="Question?")
    response = client_for(other_member).post(
        create_url(post), {"body": "Answer.", "parent": parent.pk}
    )
    reply = Comment.objects.get(parent=parent)
    assert response["Location"].endswith(f"#comment-{reply.pk}")


def test_a_refused_comment_without_javascript_keeps_the_text(member):
    post = make_post(member)
    parent = comment_create(author=member, post_id=post.pk, body="Question?")
    long_text = "word " * (MAX_BODY // 5 + 10)
    response = client_for(member).post(create_url(post), {"body": long_text, "parent": parent.pk})
    assert response.status_code == 400
    html = response.content.decode()
    assert "characters at most" in html
    assert long_text.strip() in html  # what was typed, kept
    assert f'name="parent" value="{parent.pk}"' in html
    assert Comment.objects.count() == 1


def test_an_empty_comment_is_refused_with_a_message(member):
    post = make_post(member)
    response = client_for(member).post(create_url(post), {"body": "   "})
    assert response.status_code == 400
    assert "Please write something." in response.content.decode()


def test_a_reply_to_a_deleted_comment_is_refused_with_the_text_kept(member, other_member):
    post = make_post(member)
    parent = comment_create(author=other_member, post_id=post.pk, body="Gone soon.")
    client_for(other_member).post(action_url("delete", parent))
    response = client_for(member).post(create_url(post), {"body": "Too late?", "parent": parent.pk})
    html = response.content.decode()
    assert response.status_code == 400
    assert "can no longer be replied to" in html and "Too late?" in html


def test_waitlisted_members_are_told_they_cannot_comment_yet(member, waitlisted):
    post = make_post(member)
    response = client_for(waitlisted).post(create_url(post), {"body": "Hi!"})
    assert response.status_code == 403
    assert "once it is admitted" in response.content.decode()
    assert not Comment.objects.exists()


def test_visitors_are_sent_to_log_in(member):
    post = make_post(member)
    response = Client().post(create_url(post), {"body": "Hi!"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_comments_address_leads_back_to_the_talk(member):
    post = make_post(member)
    response = client_for(member).get(create_url(post))
    assert response["Location"] == f"/p/{post.pk}/#talk"


# --- Commenting with htmx --------------------------------------------------------------------


def test_htmx_gets_the_new_reply_to_put_under_its_parent(member, other_member):
    post = make_post(member)
    parent = comment_create(author=member, post_id=post.pk, body="Question?")
    response = client_for(other_member).post(
        create_url(post),
        {"body": f"Answer, @{member.username}.", "parent": parent.pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#replies-{parent.pk}"
    assert response["HX-Reswap"] == "beforeend"
    html = response.content.decode()
    assert_well_formed(response.content)
    reply = Comment.objects.get(parent=parent)
    assert html.lstrip().startswith(f'<li id="comment-{reply.pk}"')
    assert f'href="{member.get_absolute_url()}"' in html  # the mention, linked
    # The reply form it came from, emptied and closed, and the new count.
    assert f'<details id="reply-{parent.pk}" class="comment-action" hx-swap-oob="true">' in html
    assert 'id="talk-count" class="talk-count" hx-swap-oob="true">2 comments' in html


def test_htmx_puts_a_too_deep_reply_where_it_lands(member):
    post = make_post(member)
    parent = None
    for level in range(MAX_DEPTH + 1):
        parent = comment_create(
            author=member, post_id=post.pk, body=str(level), parent_id=parent.pk if parent else None
        )
    assert parent is not None
    response = client_for(member).post(
        create_url(post), {"body": "Deeper.", "parent": parent.pk}, headers=HTMX
    )
    assert response["HX-Retarget"] == f"#replies-{parent.parent_id}"
    # The form that was used (under the deepest comment) is the one emptied.
    assert f'id="reply-{parent.pk}"' in response.content.decode()


def test_htmx_gets_a_new_thread_for_the_end_of_the_talk(member):
    post = make_post(member)
    response = client_for(member).post(create_url(post), {"body": "First!"}, headers=HTMX)
    assert response["HX-Retarget"] == "#thread-root"
    html = response.content.decode()
    assert '<div id="comment-form" class="talk-form" hx-swap-oob="true">' in html
    assert '<p id="talk-empty" hx-swap-oob="delete">' in html
    assert_well_formed(response.content)


def test_htmx_gets_the_form_back_in_place_with_the_error_and_the_text(member):
    post = make_post(member)
    parent = comment_create(author=member, post_id=post.pk, body="Question?")
    response = client_for(member).post(
        create_url(post), {"body": "x" * (MAX_BODY + 1), "parent": parent.pk}, headers=HTMX
    )
    # htmx swaps 2xx answers only: the form with its error comes with 200.
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#reply-{parent.pk}"
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert "characters at most" in html and "x" * (MAX_BODY + 1) in html
    assert f'<details id="reply-{parent.pk}" class="comment-action" open>' in html
    assert 'aria-invalid="true"' in html
    assert_well_formed(response.content)
    assert Comment.objects.count() == 1


def test_htmx_gets_the_top_form_back_with_its_error(member):
    post = make_post(member)
    response = client_for(member).post(create_url(post), {"body": ""}, headers=HTMX)
    assert response["HX-Retarget"] == "#comment-form"
    assert "Please write something." in response.content.decode()
    assert_well_formed(response.content)


# --- Editing, history, deleting, removing --------------------------------------------------------


def test_editing_marks_the_comment_and_keeps_the_earlier_text_readable(member, other_member):
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="Frist.")
    client = client_for(member)
    assert client.get(action_url("edit", comment)).status_code == 200
    response = client.post(
        action_url("edit", comment), {"body": f"First, @{other_member.username}."}
    )
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    html = talk_of(page_of(post))
    assert "edited" in html and action_url("history", comment) in html
    history = Client().get(action_url("history", comment)).content.decode()
    assert "Frist." in history and "First," in history
    assert f'href="{other_member.get_absolute_url()}"' in history
    assert history.index("First,") < history.index("Frist.")  # newest first


def test_editing_with_htmx_swaps_the_comment_in_place(member):
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="Before.")
    response = client_for(member).post(
        action_url("edit", comment), {"body": "After."}, headers=HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div id="comment-main-{comment.pk}"')
    assert "After." in html and "Your comment is saved." in html
    assert f'<span id="comment-who-{comment.pk}" class="comment-who" hx-swap-oob="true">' in html
    assert_well_formed(response.content)


def test_a_bad_edit_keeps_the_typed_text(member):
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="Fine.")
    too_long = "y" * (MAX_BODY + 1)
    page = client_for(member).post(action_url("edit", comment), {"body": too_long})
    assert page.status_code == 400 and too_long in page.content.decode()
    fragment = client_for(member).post(
        action_url("edit", comment), {"body": too_long}, headers=HTMX
    )
    html = fragment.content.decode()
    assert fragment.status_code == 200 and too_long in html
    assert f'<details id="edit-{comment.pk}" class="comment-action" open>' in html
    comment.refresh_from_db()
    assert comment.body == "Fine."


def test_others_are_told_they_may_not_edit(member, other_member):
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="Mine.")
    for method in ("get", "post"):
        response = getattr(client_for(other_member), method)(action_url("edit", comment))
        assert response.status_code == 403
        assert "Only its author may edit a comment." in response.content.decode()


def test_deleting_leaves_deleted_in_place_and_keeps_the_replies(member, other_member):
    post = make_post(member)
    parent = comment_create(author=member, post_id=post.pk, body="Regret.")
    comment_create(author=other_member, post_id=post.pk, body="Reply stays.", parent_id=parent.pk)
    response = client_for(member).post(action_url("delete", parent))
    assert response["Location"].endswith(f"#comment-{parent.pk}")
    html = talk_of(page_of(post))
    assert "[deleted]" in html and "Regret." not in html and "Reply stays." in html
    assert "1 comment" in html


def test_deleting_with_htmx_returns_the_tombstone(member):
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="Regret.")
    response = client_for(member).post(action_url("delete", comment), headers=HTMX)
    html = response.content.decode()
    assert "Regret." not in html and "[deleted]" in html and "Your comment is deleted." in html
    assert 'id="talk-count" class="talk-count" hx-swap-oob="true">0 comments' in html
    assert_well_formed(response.content)


def test_a_moderator_removes_a_comment(member, other_member, moderator):
    post = make_post(member, make_subwiki(member))
    comment = comment_create(author=other_member, post_id=post.pk, body="Spam.")
    response = client_for(moderator).post(action_url("remove", comment))
    assert response.status_code == 302
    html = talk_of(page_of(post))
    assert "[removed by a moderator]" in html and "Spam." not in html


def test_members_are_told_only_moderators_remove(member, other_member):
    post = make_post(member, make_subwiki(member))
    comment = comment_create(author=member, post_id=post.pk, body="Stays.")
    response = client_for(other_member).post(action_url("remove", comment))
    assert response.status_code == 403
    assert "Only moderators may remove comments." in response.content.decode()
    # With htmx, the refusal is shown in place (htmx swaps 2xx answers only).
    response = client_for(other_member).post(action_url("remove", comment), headers=HTMX)
    assert response.status_code == 200
    assert "Only moderators may remove comments." in response.content.decode()
    assert Comment.objects.get().state == CommentState.VISIBLE


def test_a_comment_of_another_post_is_not_found_at_this_posts_address(member):
    post, other = make_post(member), make_post(member)
    comment = comment_create(author=member, post_id=other.pk, body="Elsewhere.")
    url = reverse("talk:history", args=[post.pk, comment.pk])
    assert client_for(member).get(url).status_code == 404


# --- Long talks ---------------------------------------------------------------------------


@pytest.mark.parametrize("comments", [10, 200])
def test_the_post_page_costs_the_same_queries_for_any_talk(
    member, other_member, comments, django_assert_max_num_queries
):
    post = make_post(member, make_subwiki(member))
    mentioned = MemberFactory.create(username="mentioned")
    parent = None
    for n in range(comments):
        # Threads of three: a comment and two nested replies; one in ten edited.
        parent_id = parent.pk if parent is not None and n % 3 else None
        parent = comment_create(
            author=[member, other_member, mentioned][n % 3],
            post_id=post.pk,
            body=f"Comment {n} for @mentioned and @member_{n}",
            parent_id=parent_id,
        )
        if n % 10 == 0:
            comment_edit(actor=parent.author, comment_id=parent.pk, body=f"Comment {n}, edited")
    for viewer in (None, member, other_member):
        client = client_for(viewer)
        with django_assert_max_num_queries(8):
            response = client.get(post.get_absolute_url())
        html = response.content.decode()
        assert html.count('class="comment"') == comments
    assert f'href="{mentioned.get_absolute_url()}"' in html


def test_a_very_long_talk_continues_on_more_comments(member, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_COMMENTS", 3)
    post = make_post(member)
    first = comment_create(author=member, post_id=post.pk, body="one")
    for body in ("two", "three", "four"):
        comment_create(author=member, post_id=post.pk, body=body, parent_id=first.pk)
    comment_create(author=member, post_id=post.pk, body="five")
    html = page_of(post)
    more = re.search(r'href="(/p/\d+/\?comments=[^"#]+)#talk"', html)
    assert more and "four" not in talk_of(html)
    rest = talk_of(Client().get(more.group(1)).content.decode())
    assert "four" in rest and "five" in rest and ">one<" not in rest
    assert "In reply to a comment further up the talk." in rest
    assert Client().get(f"/p/{post.pk}/?comments=garbage").status_code == 400
