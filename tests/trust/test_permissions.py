"""trust.permissions walked for every role: who may vouch, for whom, and withdraw."""

from __future__ import annotations

import pytest

from tests.moderation import places
from tests.moderation.places import Place
from tests.permission_tables import (
    NOBODY,
    SIGNED_IN,
    Row,
    at_level,
    check_row,
    only,
    rows_param,
    rules_walked,
)
from tribune.accounts.permissions import VOUCH_LEVEL
from tribune.trust.permissions import can_vouch, can_vouch_for, can_withdraw_vouch

pytestmark = pytest.mark.django_db

place = places.place  # the fixture (pytest finds it by name)

# `member` is at level 1 and `trusted` at 2; everyone else is at 0.
VOUCHERS = only("member", "trusted", "sitemod", "staff")

ROWS = [
    Row(
        "can_vouch",
        "admitted members at level 1 and up, staff and site moderators",
        lambda place, who: can_vouch(who),
        VOUCHERS,
    ),
    Row(
        "can_vouch",
        "everyone at the vouching level: still only the admitted",
        lambda place, who: can_vouch(at_level(who, VOUCH_LEVEL)),
        VOUCHERS | {"submod", "othermod", "owner", "author"},
    ),
    Row(
        "can_vouch_for",
        "another admitted member",
        lambda place, who: can_vouch_for(who, place.editor),
        VOUCHERS,
    ),
    Row("can_vouch_for", "oneself: nobody", lambda place, who: can_vouch_for(who, who), NOBODY),
    Row(
        "can_vouch_for",
        "a waitlisted member: nobody",
        lambda place, who: can_vouch_for(who, place.waitlisted),
        NOBODY,
    ),
    Row(
        "can_vouch_for",
        "a suspended member: nobody",
        lambda place, who: can_vouch_for(who, place.suspended),
        NOBODY,
    ),
    Row(
        "can_withdraw_vouch",
        "anyone signed in, whatever their access",
        lambda place, who: can_withdraw_vouch(who),
        SIGNED_IN,
    ),
]

RULES_WALKED = rules_walked(ROWS)


@rows_param(ROWS)
def test_each_role_may_exactly_what_the_table_says(row: Row, place: Place, settings):
    check_row(row, place, settings)
