"""posts.permissions walked for every role: the edit-policy table (DESIGN.md), through
the real services, and every other rule."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import MemberFactory, make_post, make_subwiki
from tests.moderation import places
from tests.moderation.places import Place
from tests.permission_tables import (
    ADMITTED,
    EVERYONE,
    NOBODY,
    SIGNED_IN,
    Row,
    at_level,
    check_row,
    only,
    rows_param,
    rules_walked,
)
from tribune.accounts.models import Access
from tribune.accounts.permissions import ROLLBACK_LEVEL
from tribune.communities.models import Role
from tribune.communities.permissions import EditDecision
from tribune.communities.services import membership_set_role, subwiki_join
from tribune.core.exceptions import Forbidden
from tribune.posts.permissions import (
    can_change_edit_policy,
    can_create_post,
    can_moderate_post,
    can_post_links,
    can_react,
    can_revert,
    can_review_revisions,
    can_rollback,
    can_view_post,
    post_edit_decision,
)
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
    member = MemberFactory.create(
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
    owner = MemberFactory.create()
    subwiki = make_subwiki(owner)
    viewer = make_role(role, subwiki, owner)
    for policy, expected in zip(POLICIES, TABLE[role], strict=True):
        post = make_post(owner, subwiki=subwiki, edit_policy=policy)
        post.subwiki.__dict__.pop("_membership_cache", None)
        assert post_edit_decision(viewer, post) is expected, (role, policy)


@pytest.mark.parametrize("role", ["outsider", "subwiki_member", "subwiki_moderator", "staff"])
def test_the_service_applies_the_table(role):
    owner = MemberFactory.create()
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
    owner = MemberFactory.create()
    subwiki = make_subwiki(owner, visibility="private")
    post = make_post(owner, subwiki=subwiki)
    assert can_view_post(owner, post)
    assert not can_view_post(MemberFactory.create(), post)
    assert not can_view_post(AnonymousUser(), post)
    assert not can_view_post(MemberFactory.create(is_moderator=True), post)
    assert can_view_post(MemberFactory.create(is_staff=True), post)


# --- Every rule of posts.permissions, walked for every role ---------------------------
# The place: `author` wrote an open post and a reviewed one in the public square (owned
# by `owner`, moderated by `submod`), and a post in the private back room (`owner` and
# `author` are its members).

place = places.place  # the fixture (pytest finds it by name)

MODERATORS = only("submod", "sitemod", "staff", "owner")
PRIVATE_MEMBERS = only("owner", "author", "staff")  # staff read private subwikis too
UNSANDBOXED = only("member", "trusted", "sitemod", "staff")  # level 1+, staff, site moderators
THREE_LINKS = {"https://a.example", "https://b.example", "https://c.example"}


def removed(post):
    post.is_removed = True
    return post


def profile_post(place):
    return make_post(place.author, subwiki=None, title="On my profile")


ROWS = [
    Row(
        "can_view_post",
        "a public subwiki's post",
        lambda place, who: can_view_post(who, place.post),
        EVERYONE,
    ),
    Row(
        "can_view_post",
        "with public reading off",
        lambda place, who: can_view_post(who, place.post),
        SIGNED_IN,
        public_read=False,
    ),
    Row(
        "can_view_post",
        "a private subwiki's post",
        lambda place, who: can_view_post(who, place.private_post),
        PRIVATE_MEMBERS,
    ),
    Row(
        "can_view_post",
        "a removed post: its moderators only",
        lambda place, who: can_view_post(who, removed(place.post)),
        MODERATORS,
    ),
    Row(
        "can_view_post",
        "a post on a profile",
        lambda place, who: can_view_post(who, profile_post(place)),
        EVERYONE,
    ),
    Row(
        "can_create_post",
        "in a public subwiki",
        lambda place, who: can_create_post(who, place.square),
        ADMITTED,
    ),
    Row(
        "can_create_post",
        "in a private subwiki: its members",
        lambda place, who: can_create_post(who, place.backroom),
        only("owner", "author"),
    ),
    Row(
        "can_create_post",
        "on one's profile",
        lambda place, who: can_create_post(who, None),
        ADMITTED,
    ),
    Row(
        "can_post_links",
        "as many links as the sandbox allows",
        lambda place, who: can_post_links(who, THREE_LINKS - {"https://c.example"}),
        SIGNED_IN,
    ),
    Row(
        "can_post_links",
        "more links than the sandbox allows",
        lambda place, who: can_post_links(who, THREE_LINKS),
        UNSANDBOXED,
    ),
    Row(
        "can_post_links",
        "an edit that adds no new link",
        lambda place, who: can_post_links(who, THREE_LINKS, THREE_LINKS),
        SIGNED_IN,
    ),
    Row(
        "can_post_links",
        "an edit that adds one more",
        lambda place, who: can_post_links(who, THREE_LINKS, THREE_LINKS - {"https://c.example"}),
        UNSANDBOXED,
    ),
    Row(
        "can_change_edit_policy",
        "the author and the post's moderators",
        lambda place, who: can_change_edit_policy(who, place.post),
        MODERATORS | {"author"},
    ),
    Row(
        "can_change_edit_policy",
        "in a private subwiki",
        lambda place, who: can_change_edit_policy(who, place.private_post),
        only("author", "owner", "staff"),
    ),
    Row(
        "can_moderate_post",
        "in a public subwiki: its moderators, site moderators, staff",
        lambda place, who: can_moderate_post(who, place.post),
        MODERATORS,
    ),
    Row(
        "can_moderate_post",
        "in a private subwiki: its own moderators and staff",
        lambda place, who: can_moderate_post(who, place.private_post),
        only("owner", "staff"),
    ),
    Row(
        "can_moderate_post",
        "on a profile: site moderators and staff",
        lambda place, who: can_moderate_post(who, profile_post(place)),
        only("sitemod", "staff"),
    ),
    # Trusted editors: level 2, the author, moderators. The caller found the post first,
    # so the private post's row does not ask who may read it.
    Row(
        "can_review_revisions",
        "a public subwiki's reviewed post",
        lambda place, who: can_review_revisions(who, place.reviewed),
        MODERATORS | {"trusted", "author"},
    ),
    Row(
        "can_review_revisions",
        "a private subwiki's post",
        lambda place, who: can_review_revisions(who, place.private_post),
        only("trusted", "author", "owner", "staff"),
    ),
    Row("can_rollback", "moderators", lambda place, who: can_rollback(who, place.post), MODERATORS),
    Row(
        "can_rollback",
        "everyone at the rollback level, where their edits go live",
        lambda place, who: can_rollback(at_level(who, ROLLBACK_LEVEL), place.post),
        ADMITTED,
    ),
    Row(
        "can_revert",
        "an open post: whoever edits it live",
        lambda place, who: can_revert(who, place.post),
        ADMITTED,
    ),
    Row(
        "can_revert",
        "a reviewed post: trusted editors",
        lambda place, who: can_revert(who, place.reviewed),
        MODERATORS | {"trusted", "author"},
    ),
    Row("can_react", "a public post", lambda place, who: can_react(who, place.post), ADMITTED),
    Row(
        "can_react",
        "a private post",
        lambda place, who: can_react(who, place.private_post),
        only("owner", "author", "staff"),
    ),
    Row(
        "can_react",
        "a removed post: nobody",
        lambda place, who: can_react(who, removed(place.post)),
        NOBODY,
    ),
]

RULES_WALKED = rules_walked(ROWS) | {"post_edit_decision"}  # the policy table above


@rows_param(ROWS)
def test_each_role_may_exactly_what_the_table_says(row: Row, place: Place, settings):
    check_row(row, place, settings)
