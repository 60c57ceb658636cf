"""The talk's rules: who may comment, reply, edit, delete and remove, and what each does."""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory, make_post, make_subwiki
from tests.posts.test_pages import private_subwiki_with
from tribune.accounts.models import Member
from tribune.communities.services import membership_set_role, subwiki_join
from tribune.core.exceptions import Conflict, Forbidden, NotFound, ServiceError
from tribune.posts.models import Post
from tribune.talk.models import Comment, CommentRevision, CommentState
from tribune.talk.selectors import comment_mentioned_readers
from tribune.talk.services import (
    MAX_BODY,
    MAX_DEPTH,
    comment_create,
    comment_delete,
    comment_edit,
    comment_remove,
)
from tribune.talk.signals import comment_posted

pytestmark = pytest.mark.django_db


def count(post: Post) -> int:
    post.refresh_from_db()
    return post.comment_count


# --- Commenting and replying ----------------------------------------------------------------


def test_a_member_comments_on_a_post_in_a_subwiki(member, other_member):
    subwiki = make_subwiki(member)
    post = make_post(member, subwiki)
    comment = comment_create(author=other_member, post_id=post.pk, body="Well sourced, thanks.")
    assert comment.depth == 0 and comment.parent is None
    assert comment.subwiki_id == subwiki.pk  # kept with the comment for privacy filters
    assert comment.state == CommentState.VISIBLE
    assert count(post) == 1


def test_a_reply_sits_under_its_parent_one_level_deeper(member, other_member):
    post = make_post(member)
    first = comment_create(author=member, post_id=post.pk, body="A question?")
    reply = comment_create(
        author=other_member, post_id=post.pk, body="An answer.", parent_id=first.pk
    )
    assert reply.parent_id == first.pk and reply.depth == 1
    assert count(post) == 2


def test_replies_nest_eight_deep_and_deeper_ones_join_the_deepest_level(member):
    post = make_post(member)
    chain = [comment_create(author=member, post_id=post.pk, body="0")]
    for level in range(1, MAX_DEPTH + 3):
        chain.append(
            comment_create(author=member, post_id=post.pk, body=str(level), parent_id=chain[-1].pk)
        )
    assert [c.depth for c in chain[: MAX_DEPTH + 1]] == list(range(MAX_DEPTH + 1))
    # Replies to a comment at the deepest level join that comment's parent.
    for deeper in chain[MAX_DEPTH + 1 :]:
        assert deeper.depth == MAX_DEPTH
        assert deeper.parent_id == chain[MAX_DEPTH - 1].pk


def test_a_reply_must_answer_a_comment_of_the_same_post(member):
    post, other_post = make_post(member), make_post(member)
    elsewhere = comment_create(author=member, post_id=other_post.pk, body="Elsewhere.")
    for parent in (elsewhere.pk, "nope", 10**30, -1):
        with pytest.raises(ServiceError) as refused:
            comment_create(author=member, post_id=post.pk, body="Hi", parent_id=parent)
        assert refused.value.code == "invalid_parent"
        assert "parent" in (refused.value.errors or {})
    assert count(post) == 0


def test_a_deleted_comment_cannot_be_replied_to(member, other_member):
    post = make_post(member)
    gone = comment_create(author=other_member, post_id=post.pk, body="Oops.")
    comment_delete(actor=other_member, comment_id=gone.pk)
    with pytest.raises(ServiceError) as refused:
        comment_create(author=member, post_id=post.pk, body="Hm?", parent_id=gone.pk)
    assert refused.value.code == "parent_gone"


def test_browser_line_ends_are_stored_as_lf_and_blank_edges_dropped(member):
    post = make_post(member)
    comment = comment_create(
        author=member, post_id=post.pk, body="\r\n\r\nOne\r\n\r\n    code\r\n\r\n"
    )
    assert comment.body == "One\n\n    code"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Please write something."),
        ("  \n\t\n", "Please write something."),
        ("x" * (MAX_BODY + 1), f"{MAX_BODY} characters at most (you wrote {MAX_BODY + 1})"),
        ("a\x00b", "NUL"),
    ],
)
def test_bad_text_is_refused_with_a_message_on_the_body(member, body, message):
    post = make_post(member)
    with pytest.raises(ServiceError) as refused:
        comment_create(author=member, post_id=post.pk, body=body)
    assert message in " ".join((refused.value.errors or {})["body"]) + str(refused.value.detail)
    assert not Comment.objects.exists() and count(post) == 0


def test_the_longest_comment_is_accepted(member):
    post = make_post(member)
    assert comment_create(author=member, post_id=post.pk, body="x" * MAX_BODY).pk


def test_waitlisted_and_suspended_members_are_told_why_they_cannot_comment(
    member, waitlisted, suspended
):
    post = make_post(member)
    with pytest.raises(Forbidden, match="waitlist"):
        comment_create(author=waitlisted, post_id=post.pk, body="Hi")
    with pytest.raises(Forbidden, match="suspended"):
        comment_create(author=suspended, post_id=post.pk, body="Hi")
    assert count(post) == 0


def test_outsiders_of_a_private_subwiki_cannot_find_its_posts_talk(member, other_member):
    post = make_post(member, private_subwiki_with(member))
    with pytest.raises(NotFound):
        comment_create(author=other_member, post_id=post.pk, body="Let me in")


def test_members_of_a_private_subwiki_talk_among_themselves(member, other_member):
    post = make_post(member, private_subwiki_with(member, other_member))
    assert comment_create(author=other_member, post_id=post.pk, body="Inside.").pk


def test_the_talk_of_a_removed_post_is_closed(member, staff):
    post = make_post(member)
    Post.objects.filter(pk=post.pk).update(is_removed=True)
    with pytest.raises(NotFound):
        comment_create(author=member, post_id=post.pk, body="Hello?")
    # Staff still see the post, and are told why they cannot comment.
    with pytest.raises(Forbidden, match="removed"):
        comment_create(author=staff, post_id=post.pk, body="Hello?")


# --- Editing ----------------------------------------------------------------------------------


def test_the_author_edits_and_the_earlier_text_is_kept(member):
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="First take.")
    edited = comment_edit(actor=member, comment_id=comment.pk, body="Second take.")
    assert edited.body == "Second take." and edited.edited_at is not None
    (earlier,) = CommentRevision.objects.filter(comment=comment)
    assert earlier.body == "First take." and earlier.created_at == comment.created_at
    again = comment_edit(actor=member, comment_id=comment.pk, body="Third take.")
    texts = list(CommentRevision.objects.order_by("created_at").values_list("body", flat=True))
    assert texts == ["First take.", "Second take."]
    assert CommentRevision.objects.get(body="Second take.").created_at == edited.edited_at
    assert again.edited_at is not None and again.edited_at > edited.edited_at


def test_an_edit_that_changes_nothing_keeps_no_version(member):
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="Same.")
    unchanged = comment_edit(actor=member, comment_id=comment.pk, body="Same.\r\n")
    assert unchanged.edited_at is None and not CommentRevision.objects.exists()


def test_only_the_author_edits_a_comment(member, other_member, moderator):
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="Mine.")
    for someone in (other_member, moderator):
        with pytest.raises(Forbidden, match="Only its author"):
            comment_edit(actor=someone, comment_id=comment.pk, body="Theirs.")
    comment.refresh_from_db()
    assert comment.body == "Mine."


def test_a_bad_edit_keeps_the_comment_as_it_was(member):
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="Fine.")
    with pytest.raises(ServiceError) as refused:
        comment_edit(actor=member, comment_id=comment.pk, body="   ")
    assert "body" in (refused.value.errors or {})
    comment.refresh_from_db()
    assert comment.body == "Fine." and comment.edited_at is None


def test_a_deleted_comment_cannot_be_edited(member):
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="Soon gone.")
    comment_delete(actor=member, comment_id=comment.pk)
    with pytest.raises(Forbidden, match="deleted"):
        comment_edit(actor=member, comment_id=comment.pk, body="Back?")


# --- Deleting and removing --------------------------------------------------------------------


def test_deleting_leaves_a_tombstone_that_keeps_the_replies(member, other_member):
    post = make_post(member)
    parent = comment_create(author=member, post_id=post.pk, body="Regrettable.")
    comment_edit(actor=member, comment_id=parent.pk, body="Still regrettable.")
    reply = comment_create(
        author=other_member, post_id=post.pk, body="Indeed.", parent_id=parent.pk
    )
    deleted = comment_delete(actor=member, comment_id=parent.pk)
    assert deleted.state == CommentState.DELETED
    parent.refresh_from_db()
    # The author's words go, earlier versions too; the row stays for the thread's shape.
    assert parent.body == "" and not CommentRevision.objects.filter(comment=parent).exists()
    reply.refresh_from_db()
    assert reply.parent_id == parent.pk
    assert count(post) == 1


def test_only_the_author_deletes_and_only_once(member, other_member, moderator):
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="Mine.")
    for someone in (other_member, moderator):
        with pytest.raises(Forbidden, match="Only its author"):
            comment_delete(actor=someone, comment_id=comment.pk)
    comment_delete(actor=member, comment_id=comment.pk)
    with pytest.raises(Conflict) as twice:
        comment_delete(actor=member, comment_id=comment.pk)
    assert twice.value.code == "already_gone"
    assert count(post) == 0


def test_a_site_moderator_removes_a_comment_and_its_text_is_kept(member, other_member, moderator):
    post = make_post(member, make_subwiki(member))
    comment = comment_create(author=other_member, post_id=post.pk, body="Spam spam spam.")
    removed = comment_remove(actor=moderator, comment_id=comment.pk)
    assert removed.state == CommentState.REMOVED
    comment.refresh_from_db()
    assert comment.body == "Spam spam spam."  # kept for a review or an appeal
    assert count(post) == 0
    with pytest.raises(Conflict):
        comment_remove(actor=moderator, comment_id=comment.pk)
    assert count(post) == 0


def test_a_subwikis_own_moderators_remove_comments_there(member, other_member):
    subwiki = make_subwiki(member)
    keeper = MemberFactory.create()
    subwiki_join(actor=keeper, subwiki=subwiki)
    membership_set_role(actor=member, subwiki=subwiki, username=keeper.username, role="moderator")
    post = make_post(other_member, subwiki)
    comment = comment_create(author=other_member, post_id=post.pk, body="Off topic.")
    assert comment_remove(actor=keeper, comment_id=comment.pk).state == CommentState.REMOVED


def test_members_cannot_remove_comments(member, other_member):
    post = make_post(member, make_subwiki(member))
    comment = comment_create(author=member, post_id=post.pk, body="Stays.")
    with pytest.raises(Forbidden, match="Only moderators"):
        comment_remove(actor=other_member, comment_id=comment.pk)
    assert count(post) == 1


def test_a_site_moderator_does_not_reach_into_a_private_subwiki(member, moderator):
    post = make_post(member, private_subwiki_with(member))
    comment = comment_create(author=member, post_id=post.pk, body="Private.")
    with pytest.raises(NotFound):
        comment_remove(actor=moderator, comment_id=comment.pk)


# --- After a comment is committed: whom it mentions -----------------------------------------


def test_mentions_are_announced_after_commit_to_those_who_may_read_them(
    member, django_capture_on_commit_callbacks
):
    insider = MemberFactory.create(username="insider")
    MemberFactory.create(username="outsider")  # exists, but is not in the subwiki
    post = make_post(member, private_subwiki_with(member, insider))
    heard: list[tuple[Comment, list[Member]]] = []

    def receiver(sender, comment, mentioned, **kwargs):
        heard.append((comment, mentioned))

    comment_posted.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            comment = comment_create(
                author=member,
                post_id=post.pk,
                body=f"@insider @outsider @{member.username} `@insider` @nobody",
            )
            assert not heard  # nothing is said before the comment is committed
    finally:
        comment_posted.disconnect(receiver)
    assert [(c.pk, [m.username for m in mentioned]) for c, mentioned in heard] == [
        (comment.pk, ["insider"])
    ]


def test_mentioned_readers_of_a_public_post_are_every_member_named(member):
    ada = MemberFactory.create(username="ada_l")
    post = make_post(member)
    comment = comment_create(author=member, post_id=post.pk, body="cc @Ada_L and @ghost")
    assert comment_mentioned_readers(comment=comment) == [ada]
