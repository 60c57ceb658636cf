"""Things the access matrix points its routes at: subwikis, posts, revisions.

`member` owns them all, so that in the matrix "member" is the owner and author,
and "other_member" someone without a role there.
"""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.posts.services import post_edit
from tribune.talk.services import comment_create, comment_edit


@pytest.fixture
def subwiki(member):
    """A public subwiki that `member` owns."""
    return make_subwiki(owner=member, name="Public square", slug="public-square")


@pytest.fixture
def private_subwiki(member):
    """A private subwiki that `member` owns; nobody else is a member."""
    return make_subwiki(owner=member, name="Back room", slug="back-room", visibility="private")


@pytest.fixture
def post(member, subwiki):
    """A post of `member` in the public subwiki, open to edits by any admitted member."""
    return make_post(author=member, subwiki=subwiki)


@pytest.fixture
def private_post(member, private_subwiki):
    return make_post(author=member, subwiki=private_subwiki)


@pytest.fixture
def comment(member, post):
    """`member`'s comment on their own post, edited once (so that it has a history)."""
    made = comment_create(author=member, post_id=post.pk, body="A first thought.")
    return comment_edit(actor=member, comment_id=made.pk, body="A second thought.")


@pytest.fixture
def private_comment(member, private_post):
    return comment_create(author=member, post_id=private_post.pk, body="Among ourselves.")


@pytest.fixture
def pending_revision(member, subwiki):
    """An edit of a `reviewed` post of `member`, by a newcomer: it waits for review."""
    reviewed = make_post(author=member, subwiki=subwiki, edit_policy="reviewed")
    _post, result = post_edit(
        actor=MemberFactory.create(),
        post_id=reviewed.pk,
        changes={"body": "An edit that waits for a trusted member.\n"},
        base_revision=reviewed.page.current_revision_id,
    )
    assert result.pending
    return result.revision


@pytest.fixture
def pending_description(member):
    """A newcomer's edit of a description under the `reviewed` policy: it waits for review."""
    from tribune.communities.services import (
        subwiki_description_edit,
        subwiki_update_settings,
    )

    subwiki = make_subwiki(owner=member, name="Reviewed wiki", slug="reviewed-wiki")
    subwiki_update_settings(
        actor=member,
        subwiki=subwiki,
        name=subwiki.name,
        visibility="public",
        description_edit_policy="reviewed",
        min_post_edit_policy="open",
    )
    result = subwiki_description_edit(
        actor=MemberFactory.create(),
        subwiki=subwiki,
        description="A change that waits for a trusted member.",
        base_revision=subwiki.page.current_revision_id,
    )
    assert result.pending
    return result.revision


@pytest.fixture
def note(post):
    """A community note on `member`'s public post by a member at trust level 1 (no role)."""
    from tribune.notes.services import note_create

    return note_create(
        actor=MemberFactory.create(trust_level=1),
        post_id=post.pk,
        classification="misleading",
        body="Context, with a source: https://example.org/",
    )


@pytest.fixture
def private_note(member, private_post):
    """`member`'s own note on their private post (written at trust level 1; the roles'
    levels stay 0 for the matrix)."""
    from tribune.notes.services import note_create

    member.trust_level = 1
    note = note_create(
        actor=member, post_id=private_post.pk, classification="misleading", body="Among us."
    )
    member.trust_level = 0
    return note
