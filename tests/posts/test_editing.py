from __future__ import annotations

import pytest

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.core.exceptions import Forbidden
from tribune.posts.models import Post
from tribune.posts.services import post_edit, post_revert, post_rollback, revision_approve
from tribune.wiki.models import Revision, RevisionStatus
from tribune.wiki.services import EditConflict

pytestmark = pytest.mark.django_db

BODY = "First line.\nSecond line.\nThird line.\n"


def head(post: Post) -> int:
    post.page.refresh_from_db()
    revision_id = post.page.current_revision_id
    assert revision_id is not None
    return revision_id


def test_edit_from_current_revision_goes_live(member, other_member):
    post = make_post(member, body=BODY)
    base = head(post)
    post, result = post_edit(
        actor=other_member,
        post_id=post.pk,
        changes={"body": BODY + "Fourth.\n"},
        base_revision=base,
        summary="add a line",
    )
    assert result.changed and not result.merged and not result.pending
    post.refresh_from_db()
    assert post.body.endswith("Fourth.\n")
    assert result.revision.parent_id == base
    assert result.revision.size_delta == len("Fourth.\n")


def test_edits_at_both_ends_from_the_same_base_merge(member, other_member):
    post = make_post(member, body=BODY)
    base = head(post)
    post_edit(
        actor=member,
        post_id=post.pk,
        base_revision=base,
        changes={"body": BODY.replace("First", "1st")},
    )
    _post, result = post_edit(
        actor=other_member,
        post_id=post.pk,
        base_revision=base,
        changes={"body": BODY.replace("Third", "3rd")},
    )
    assert result.merged
    post.refresh_from_db()
    assert post.body == "1st line.\nSecond line.\n3rd line.\n"
    assert Revision.objects.filter(page=post.page, status=RevisionStatus.LIVE).count() == 3


def test_same_line_edits_conflict_and_save_nothing(member, other_member):
    post = make_post(member, body=BODY)
    base = head(post)
    post_edit(
        actor=member,
        post_id=post.pk,
        base_revision=base,
        changes={"body": BODY.replace("Second", "2nd")},
    )
    before = Revision.objects.count()
    with pytest.raises(EditConflict) as caught:
        post_edit(
            actor=other_member,
            post_id=post.pk,
            base_revision=base,
            changes={"body": BODY.replace("Second", "Deuxième")},
        )
    assert Revision.objects.count() == before
    assert caught.value.yours["body"] == BODY.replace("Second", "Deuxième")
    assert caught.value.conflicts["body"][0].current == "2nd line.\n"


def test_unchanged_save_makes_no_revision(member):
    post = make_post(member, body=BODY)
    _post, result = post_edit(
        actor=member, post_id=post.pk, base_revision=head(post), changes={"body": BODY}
    )
    assert not result.changed
    assert Revision.objects.filter(page=post.page).count() == 1


def test_revert_and_rollback(member, other_member, moderator):
    subwiki = make_subwiki(member)
    post = make_post(member, subwiki=subwiki, body=BODY)
    first = head(post)
    post_edit(actor=other_member, post_id=post.pk, base_revision=first, changes={"body": "spam\n"})
    post_edit(
        actor=other_member,
        post_id=post.pk,
        base_revision=head(post),
        changes={"body": "more spam\n"},
    )
    _post, result = post_rollback(actor=moderator, post_id=post.pk, username=other_member.username)
    post.refresh_from_db()
    assert post.body == BODY
    assert result.revision.reverted_to_id == first
    post_edit(actor=other_member, post_id=post.pk, base_revision=head(post), changes={"title": "X"})
    post_revert(actor=member, post_id=post.pk, revision_id=first)
    post.refresh_from_db()
    assert post.title == "A title"


def test_rollback_is_for_moderators(member, other_member):
    post = make_post(member, body=BODY)
    post_edit(
        actor=other_member, post_id=post.pk, base_revision=head(post), changes={"body": "x\n"}
    )
    with pytest.raises(Forbidden):
        post_rollback(actor=member, post_id=post.pk, username=other_member.username)


def test_reviewed_edits_wait_for_approval(member, other_member):
    post = make_post(member, body=BODY, edit_policy="reviewed")
    _post, result = post_edit(
        actor=other_member,
        post_id=post.pk,
        base_revision=head(post),
        changes={"body": BODY + "New.\n"},
    )
    assert result.pending
    post.refresh_from_db()
    assert post.body == BODY
    revision_approve(actor=member, post_id=post.pk, revision_id=result.revision.pk)
    post.refresh_from_db()
    assert post.body == BODY + "New.\n"


def test_locked_post_refuses_others(member):
    post = make_post(member, edit_policy="locked")
    with pytest.raises(Forbidden):
        post_edit(
            actor=MemberFactory.create(),
            post_id=post.pk,
            base_revision=None,
            changes={"title": "x"},
        )


def test_line_endings_alone_make_no_revision(member):
    post = make_post(member, body=BODY)
    _post, result = post_edit(
        actor=member,
        post_id=post.pk,
        base_revision=head(post),
        changes={"body": BODY.replace("\n", "\r\n")},
    )
    assert not result.changed
