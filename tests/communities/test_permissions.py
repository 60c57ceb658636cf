"""communities.permissions walked for every role, in a public subwiki and a private one.

The place (tests.moderation.places): `owner` owns the public square, which `submod`
moderates, and the private back room, of which `author` is a member; `othermod`
moderates another public subwiki, the annex. `member` is at trust level 1, `trusted`
at 2, everyone else at 0; `staff` is a site moderator too.
"""

from __future__ import annotations

import pytest

from tests.moderation import places
from tests.moderation.places import Place
from tests.permission_tables import (
    ADMITTED,
    EVERYONE,
    NOBODY,
    SIGNED_IN,
    Row,
    check_row,
    only,
    person,
    rows_param,
    rules_walked,
)
from tribune.communities.models import EditPolicy
from tribune.communities.permissions import (
    EditDecision,
    bans_changed,
    can_change_roles,
    can_change_settings,
    can_create_subwiki,
    can_follow,
    can_join,
    can_leave,
    can_manage_members,
    can_post_in,
    can_review_description,
    can_view_subwiki,
    edit_decision,
    is_active_member,
    is_banned,
    is_subwiki_moderator,
    is_trusted_editor,
)
from tribune.moderation.models import Ban

pytestmark = pytest.mark.django_db

place = places.place  # the fixture (pytest finds it by name)

SQUARE_MODERATORS = only("submod", "sitemod", "staff", "owner")
BACKROOM = only("owner", "author")  # its members
OWNERS = only("owner", "staff")  # of the square and the back room
TRUSTED_IN_SQUARE = only("trusted", "submod", "sitemod", "staff", "owner")

ROWS = [
    Row(
        "can_view_subwiki",
        "a public one: everyone",
        lambda place, who: can_view_subwiki(who, place.square),
        EVERYONE,
    ),
    Row(
        "can_view_subwiki",
        "a public one with public reading off",
        lambda place, who: can_view_subwiki(who, place.square),
        SIGNED_IN,
        public_read=False,
    ),
    Row(
        "can_view_subwiki",
        "a private one: its members and staff",
        lambda place, who: can_view_subwiki(who, place.backroom),
        BACKROOM | {"staff"},
    ),
    Row(
        "can_create_subwiki",
        "admitted members",
        lambda place, who: can_create_subwiki(who),
        ADMITTED,
    ),
    Row(
        "can_join",
        "a public one: admitted members not in it yet",
        lambda place, who: can_join(who, place.square),
        ADMITTED - {"submod", "owner"},
    ),
    Row(
        "can_join",
        "a private one: asking needs no sight of it",
        lambda place, who: can_join(who, place.backroom),
        ADMITTED - BACKROOM,
    ),
    Row(
        "can_leave",
        "a public one: its members",
        lambda place, who: can_leave(who, place.square),
        only("submod", "owner"),
    ),
    Row(
        "can_leave",
        "a private one: its members",
        lambda place, who: can_leave(who, place.backroom),
        BACKROOM,
    ),
    Row(
        "can_follow",
        "a public one: admitted members",
        lambda place, who: can_follow(who, place.square),
        ADMITTED,
    ),
    Row(
        "can_follow",
        "a private one: those who may read it",
        lambda place, who: can_follow(who, place.backroom),
        BACKROOM | {"staff"},
    ),
    Row(
        "can_post_in",
        "a public one: admitted members",
        lambda place, who: can_post_in(who, place.square),
        ADMITTED,
    ),
    Row(
        "can_post_in",
        "a private one: its members, not even staff",
        lambda place, who: can_post_in(who, place.backroom),
        BACKROOM,
    ),
    Row(
        "can_manage_members",
        "a public one: its moderators, site moderators, staff",
        lambda place, who: can_manage_members(who, place.square),
        SQUARE_MODERATORS,
    ),
    Row(
        "can_manage_members",
        "a private one: its own moderators and staff",
        lambda place, who: can_manage_members(who, place.backroom),
        OWNERS,
    ),
    Row(
        "can_manage_members",
        "another public one: its own moderators",
        lambda place, who: can_manage_members(who, place.annex),
        only("othermod", "sitemod", "staff"),
    ),
    Row(
        "can_change_roles",
        "owners and staff",
        lambda place, who: can_change_roles(who, place.square),
        OWNERS,
    ),
    Row(
        "can_change_roles",
        "a private one",
        lambda place, who: can_change_roles(who, place.backroom),
        OWNERS,
    ),
    Row(
        "can_change_roles",
        "another one: its moderators may not",
        lambda place, who: can_change_roles(who, place.annex),
        only("staff"),
    ),
    Row(
        "can_change_settings",
        "owners and staff",
        lambda place, who: can_change_settings(who, place.square),
        OWNERS,
    ),
    Row(
        "can_change_settings",
        "a private one",
        lambda place, who: can_change_settings(who, place.backroom),
        OWNERS,
    ),
    Row(
        "can_review_description",
        "trusted editors who may read it",
        lambda place, who: can_review_description(who, place.square),
        TRUSTED_IN_SQUARE,
    ),
    Row(
        "can_review_description",
        "a private one: trusted editors among its readers",
        lambda place, who: can_review_description(who, place.backroom),
        OWNERS,
    ),
    # The subwiki's roles, which the rules above and posts.permissions are made of.
    Row(
        "is_active_member",
        "a public one",
        lambda place, who: is_active_member(who, place.square),
        only("submod", "owner"),
    ),
    Row(
        "is_active_member",
        "a private one",
        lambda place, who: is_active_member(who, place.backroom),
        BACKROOM,
    ),
    Row(
        "is_subwiki_moderator",
        "a public one",
        lambda place, who: is_subwiki_moderator(who, place.square),
        SQUARE_MODERATORS,
    ),
    Row(
        "is_subwiki_moderator",
        "a private one: site moderators stay out",
        lambda place, who: is_subwiki_moderator(who, place.backroom),
        OWNERS,
    ),
    Row(
        "is_banned", "nobody is banned yet", lambda place, who: is_banned(who, place.square), NOBODY
    ),
    Row(
        "is_trusted_editor",
        "in a public one: level 2, its moderators, staff",
        lambda place, who: is_trusted_editor(who, place.square, None),
        TRUSTED_IN_SQUARE,
    ),
    Row(
        "is_trusted_editor",
        "in a private one",
        lambda place, who: is_trusted_editor(who, place.backroom, None),
        OWNERS | {"trusted"},
    ),
    Row(
        "is_trusted_editor",
        "outside subwikis: level 2, site moderators, staff",
        lambda place, who: is_trusted_editor(who, None, None),
        only("trusted", "sitemod", "staff"),
    ),
    Row(
        "is_trusted_editor",
        "of the author's own document",
        lambda place, who: is_trusted_editor(who, place.square, place.author),
        TRUSTED_IN_SQUARE | {"author"},
    ),
]

RULES_WALKED = rules_walked(ROWS)


@rows_param(ROWS)
def test_each_role_may_exactly_what_the_table_says(row: Row, place: Place, settings):
    check_row(row, place, settings)


L, P, D = EditDecision.LIVE, EditDecision.PENDING, EditDecision.DENIED
# What an edit of the square's description does, by its policy (author: none).
DESCRIPTION_EDITS = {
    EditPolicy.OPEN: dict.fromkeys(ADMITTED, L),
    EditPolicy.REVIEWED: {**dict.fromkeys(ADMITTED, P), **dict.fromkeys(TRUSTED_IN_SQUARE, L)},
    EditPolicy.MEMBERS: dict.fromkeys(SQUARE_MODERATORS, L),
    EditPolicy.PROTECTED: dict.fromkeys(SQUARE_MODERATORS, L),
    EditPolicy.LOCKED: {},
}


@pytest.mark.parametrize("policy", list(DESCRIPTION_EDITS))
def test_edit_decisions_on_a_description_by_policy(place: Place, policy: EditPolicy):
    got = {
        role: edit_decision(person(place, role), policy=policy, subwiki=place.square, author=None)
        for role in EVERYONE
    }
    expected = {role: DESCRIPTION_EDITS[policy].get(role, D) for role in EVERYONE}
    assert got == expected


def test_a_ban_keeps_a_member_from_posting_and_editing_there_only(place: Place):
    member = place.member
    assert can_post_in(member, place.square)
    Ban.objects.create(subwiki=place.square, member=member)
    bans_changed()
    assert is_banned(member, place.square)
    assert not can_post_in(member, place.square)
    assert edit_decision(member, policy="open", subwiki=place.square, author=None) is D
    assert not is_banned(member, place.annex)
    assert can_post_in(member, place.annex)
