"""The edit-policy table (DESIGN.md), walked for every role, through the real services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.accounts.models import Access
from tribune.communities.models import Role
from tribune.communities.permissions import EditDecision
from tribune.communities.services import membership_set_role, subwiki_join
from tribune.core.exceptions import Forbidden
from tribune.posts.permissions import can_view_post, post_edit_decision
from tribune.posts.services import post_edit

pytestmark = pytest.mark.django_db

L, P, D = EditDecision.LIVE, EditDecision.PENDING, EditDecision.DENIED
POLICIES = ("open", "reviewed", "members", "protected", "locked")

# role: decision under open, reviewed, members, protected, locked
TABLE = {
    "visitor": (D, D, D, D, D),
    "waitlisted": (D, D, D, D, D),
    "suspended": (D, D, D, D, D),
    "author": (L, L, L, L, L),
    "outsider": (L, P, D, D, D),
    "subwiki_member": (L, P, L, D, D),
    "trusted_outsider": (L, L, D, D, D),
    "subwiki_moderator": (L, L, L, L, D),
    "site_moderator": (L, L, L, L, D),
    "staff": (L, L, L, L, D),
}


def make_role(role: str, subwiki, owner):
    if role == "visitor":
        return AnonymousUser()
    if role == "author":
        return owner
    member = MemberFactory(
        access={"waitlisted": Access.WAITLISTED, "suspended": Access.SUSPENDED}.get(
            role, Access.ADMITTED
        ),
        trust_level=2 if role == "trusted_outsider" else 0,
        is_moderator=role in {"site_moderator", "staff"},
        is_staff=role == "staff",
    )
    if role in {"subwiki_member", "subwiki_moderator"}:
        subwiki_join(actor=member, subwiki=subwiki)
    if role == "subwiki_moderator":
        membership_set_role(
            actor=owner, subwiki=subwiki, username=member.username, role=Role.MODERATOR
        )
    return member


@pytest.mark.parametrize("role", TABLE)
def test_edit_policy_table(role):
    owner = MemberFactory()
    subwiki = make_subwiki(owner)
    viewer = make_role(role, subwiki, owner)
    for policy, expected in zip(POLICIES, TABLE[role], strict=True):
        post = make_post(owner, subwiki=subwiki, edit_policy=policy)
        post.subwiki.__dict__.pop("_membership_cache", None)
        assert post_edit_decision(viewer, post) is expected, (role, policy)


@pytest.mark.parametrize("role", ["outsider", "subwiki_member", "subwiki_moderator", "staff"])
def test_the_service_applies_the_table(role):
    owner = MemberFactory()
    subwiki = make_subwiki(owner)
    viewer = make_role(role, subwiki, owner)
    for policy, expected in zip(POLICIES, TABLE[role], strict=True):
        post = make_post(owner, subwiki=subwiki, edit_policy=policy)
        base = post.page.current_revision_id
        if expected is D:
            with pytest.raises(Forbidden):
                post_edit(actor=viewer, post_id=post.pk, base_revision=base, changes={"title": "X"})
            continue
        post, result = post_edit(
            actor=viewer, post_id=post.pk, base_revision=base, changes={"title": "X"}
        )
        assert result.pending is (expected is P), (role, policy)
        post.refresh_from_db()
        assert (post.title == "X") is (expected is L), (role, policy)


def test_private_subwiki_posts_are_invisible_to_outsiders():
    owner = MemberFactory()
    subwiki = make_subwiki(owner, visibility="private")
    post = make_post(owner, subwiki=subwiki)
    assert can_view_post(owner, post)
    assert not can_view_post(MemberFactory(), post)
    assert not can_view_post(AnonymousUser(), post)
    assert not can_view_post(MemberFactory(is_moderator=True), post)
    assert can_view_post(MemberFactory(is_staff=True), post)
