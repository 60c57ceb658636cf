from __future__ import annotations

import pytest

from tests.factories import MemberFactory, make_subwiki
from tribune.communities.services import (
    subwiki_description_approve,
    subwiki_description_edit,
    subwiki_description_reject,
    subwiki_update_settings,
)
from tribune.core.exceptions import Forbidden
from tribune.wiki.models import RevisionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(member):
    subwiki = make_subwiki(member, description="Original rules.")
    subwiki_update_settings(
        actor=member,
        subwiki=subwiki,
        name=subwiki.name,
        visibility="public",
        description_edit_policy="reviewed",
        min_post_edit_policy="open",
    )
    return subwiki


def suggest(subwiki, text="Better rules."):
    newcomer = MemberFactory.create()
    result = subwiki_description_edit(
        actor=newcomer,
        subwiki=subwiki,
        description=text,
        base_revision=subwiki.page.current_revision_id,
    )
    assert result.pending
    subwiki.refresh_from_db()
    assert subwiki.description == "Original rules."
    return newcomer, result.revision


def test_an_owner_approves_a_suggested_description(member, reviewed):
    _newcomer, revision = suggest(reviewed)
    approved = subwiki_description_approve(actor=member, subwiki=reviewed, revision_id=revision.pk)
    assert approved.status == RevisionStatus.LIVE
    reviewed.refresh_from_db()
    assert reviewed.description == "Better rules."
    assert reviewed.page.current_revision_id == revision.pk


def test_a_rejected_suggestion_stays_in_the_history_only(member, reviewed):
    _newcomer, revision = suggest(reviewed)
    subwiki_description_reject(actor=member, subwiki=reviewed, revision_id=revision.pk)
    revision.refresh_from_db()
    reviewed.refresh_from_db()
    assert revision.status == RevisionStatus.REJECTED
    assert reviewed.description == "Original rules."


def test_newcomers_cannot_review_even_their_own(reviewed):
    newcomer, revision = suggest(reviewed)
    for actor in (newcomer, MemberFactory.create()):
        with pytest.raises(Forbidden):
            subwiki_description_approve(actor=actor, subwiki=reviewed, revision_id=revision.pk)
