"""tribune.accounts.permissions, walked for every role: the roles every app asks about,
and who may do what with accounts."""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory
from tests.moderation import places
from tests.moderation.places import Place
from tests.permission_tables import (
    ADMITTED,
    EVERYONE,
    NOBODY,
    NOT_SUSPENDED,
    SIGNED_IN,
    Row,
    check_row,
    only,
    rows_param,
    rules_walked,
)
from tribune.accounts import permissions as p

pytestmark = pytest.mark.django_db

place = places.place  # the fixture (pytest finds it by name)

# Who holds which role: `member` is at trust level 1, `trusted` at 2, everyone else at 0;
# `staff` is a site moderator too.
ROLE_ROWS = [
    Row(
        "is_admitted",
        "neither waitlisted nor suspended",
        lambda _, who: p.is_admitted(who),
        ADMITTED,
    ),
    Row("is_waitlisted", "waits in line", lambda _, who: p.is_waitlisted(who), only("waitlisted")),
    Row("is_suspended", "suspended", lambda _, who: p.is_suspended(who), only("suspended")),
    Row("is_staff", "staff", lambda _, who: p.is_staff(who), only("staff")),
    Row(
        "is_site_moderator",
        "the site moderator's flag",
        lambda _, who: p.is_site_moderator(who),
        only("sitemod", "staff"),
    ),
    Row(
        "has_trust_level",
        "level 0: anyone signed in",
        lambda _, who: p.has_trust_level(who, 0),
        SIGNED_IN,
    ),
    Row(
        "has_trust_level",
        "level 1",
        lambda _, who: p.has_trust_level(who, 1),
        only("member", "trusted"),
    ),
    Row(
        "has_trust_level",
        "the trusted level",
        lambda _, who: p.has_trust_level(who, p.TRUSTED_LEVEL),
        only("trusted"),
    ),
    Row(
        "is_sandboxed",
        "level 0, neither staff nor a site moderator",
        lambda _, who: p.is_sandboxed(who),
        only("waitlisted", "suspended", "submod", "othermod", "owner", "author"),
    ),
]

ROWS = [
    Row(
        "can_view_profiles",
        "profiles are public",
        lambda _, who: p.can_view_profiles(who),
        EVERYONE,
    ),
    Row(
        "can_view_profiles",
        "with public reading off, to members only",
        lambda _, who: p.can_view_profiles(who),
        SIGNED_IN,
        public_read=False,
    ),
    Row(
        "can_edit_profile",
        "someone's profile: only they may edit it, not even staff",
        lambda place, who: p.can_edit_profile(who, place.member),
        only("member"),
    ),
    Row(
        "can_edit_profile",
        "one's own profile, unless suspended",
        lambda _, who: p.can_edit_profile(who, who),
        NOT_SUSPENDED,
    ),
    Row(
        "can_get_api_token",
        "anyone with an account that is not suspended",
        lambda _, who: p.can_get_api_token(who),
        NOT_SUSPENDED,
    ),
    Row(
        "can_follow_member",
        "someone else: admitted members",
        lambda place, who: p.can_follow_member(who, place.member),
        ADMITTED - {"member"},
    ),
    Row(
        "can_follow_member",
        "with public reading off, still admitted members",
        lambda place, who: p.can_follow_member(who, place.member),
        ADMITTED - {"member"},
        public_read=False,
    ),
    Row(
        "can_follow_member", "oneself: nobody", lambda _, who: p.can_follow_member(who, who), NOBODY
    ),
    Row(
        "can_unfollow_member",
        "anyone signed in, whatever their access",
        lambda _, who: p.can_unfollow_member(who),
        SIGNED_IN,
    ),
    Row(
        "can_invite",
        "admitted and waitlisted members",
        lambda _, who: p.can_invite(who),
        NOT_SUSPENDED,
    ),
    Row(
        "can_change_access_mode",
        "staff",
        lambda _, who: p.can_change_access_mode(who),
        only("staff"),
    ),
    Row("can_admit_members", "staff", lambda _, who: p.can_admit_members(who), only("staff")),
]

RULES_WALKED = rules_walked(ROWS)


@rows_param(ROLE_ROWS + ROWS)
def test_each_role_may_exactly_what_the_table_says(row: Row, place: Place, settings):
    check_row(row, place, settings)


def test_a_deactivated_account_gets_no_token_edits_nothing_and_holds_no_role():
    deactivated = MemberFactory.create(is_active=False, is_staff=True, is_moderator=True)
    assert not p.can_get_api_token(deactivated)
    assert not p.can_edit_profile(deactivated, deactivated)
    assert not p.can_invite(deactivated)
    assert p.is_suspended(deactivated)
    assert not (p.is_admitted(deactivated) or p.is_waitlisted(deactivated))
    assert not (p.is_staff(deactivated) or p.is_site_moderator(deactivated))
