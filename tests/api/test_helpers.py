"""The pieces the API's routers share: list answers, list queries, edit outcomes and
conflicts, and who asks."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from tests.factories import make_post
from tribune.api.helpers import (
    conflict_answer,
    member_and_profile,
    member_of,
    save_outcome,
    viewer_of,
)
from tribune.api.routers.posts import author_out, post_out
from tribune.api.schemas import AuthorOut, ListOut, ListParams, PostConflictOut
from tribune.core.exceptions import NotFound
from tribune.core.pagination import InvalidLimit, Page
from tribune.posts.services import post_edit
from tribune.wiki.services import EditConflict

pytestmark = pytest.mark.django_db

BODY = "First line.\nSecond line.\n"


def test_a_page_becomes_a_list_answer_item_by_item(member, other_member):
    answer = ListOut[AuthorOut].from_page(
        Page(items=[member, other_member], next_cursor="next"), author_out
    )
    assert type(answer) is ListOut[AuthorOut]
    assert [a.username for a in answer.items] == [member.username, other_member.username]
    assert answer.next_cursor == "next"


def test_the_last_page_has_no_cursor():
    answer = ListOut[AuthorOut].from_page(Page(items=[], next_cursor=None), author_out)
    assert answer.items == [] and answer.next_cursor is None


@pytest.mark.parametrize("limit", ["", "0", "101", "ten", "3.0"])
def test_list_params_refuse_a_wrong_limit(limit):
    with pytest.raises(InvalidLimit):
        ListParams.model_validate({"limit": limit})


@pytest.mark.parametrize("limit", [None, "1", "20", "100"])
def test_list_params_keep_a_limit_in_range(limit):
    assert ListParams.model_validate({"limit": limit}).limit == limit


def test_the_outcome_of_an_edit_that_went_live(member):
    post = make_post(member, body=BODY)
    _post, result = post_edit(
        actor=member,
        post_id=post.pk,
        changes={"body": BODY + "Third.\n"},
        base_revision=post.page.current_revision_id,
    )
    outcome = save_outcome(result)
    assert (outcome.changed, outcome.merged, outcome.pending) == (True, False, False)
    assert outcome.pending_revision is None


def test_the_outcome_of_an_edit_waiting_for_review(member, other_member):
    post = make_post(member, body=BODY, edit_policy="reviewed")
    _post, result = post_edit(
        actor=other_member,
        post_id=post.pk,
        changes={"body": BODY + "Third.\n"},
        base_revision=post.page.current_revision_id,
    )
    outcome = save_outcome(result)
    assert outcome.pending is True
    assert outcome.pending_revision == str(result.revision.pk)


def test_a_conflict_answers_409_with_both_versions(member, other_member):
    post = make_post(member, body=BODY)
    base = post.page.current_revision_id
    post_edit(
        actor=member,
        post_id=post.pk,
        changes={"body": BODY.replace("Second", "2nd")},
        base_revision=base,
    )
    yours = {"body": BODY.replace("Second", "Deuxième")}
    with pytest.raises(EditConflict) as conflict:
        post_edit(actor=other_member, post_id=post.pk, changes=yours, base_revision=base)
    post.refresh_from_db()
    answer = conflict_answer(PostConflictOut, conflict.value, current=post_out(post), yours=yours)
    assert answer.status_code == 409
    assert isinstance(answer.value, PostConflictOut)
    assert answer.value.code == "edit_conflict" and answer.value.detail
    assert answer.value.current.body == BODY.replace("Second", "2nd")
    assert answer.value.yours == yours
    region = answer.value.conflicts["body"][0]
    assert (region.base, region.current, region.yours) == (
        "Second line.\n",
        "2nd line.\n",
        "Deuxième line.\n",
    )


def _request(auth):
    request = RequestFactory().get("/api/v1/")
    request.auth = auth  # type: ignore[attr-defined]  # as the API's auth callable sets it
    return request


def test_who_asks(member):
    assert member_of(_request(member)) == member
    visitor = AnonymousUser()
    assert viewer_of(_request(visitor)) is visitor


def test_the_member_who_asks_and_the_member_named(member, other_member):
    assert member_and_profile(_request(member), other_member.username) == (member, other_member)


@pytest.mark.parametrize("username", ["nobody", "bad\x00name"])
def test_a_member_named_who_does_not_exist_is_not_found(member, username):
    with pytest.raises(NotFound):
        member_and_profile(_request(member), username)
