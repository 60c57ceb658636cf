"""funding.permissions walked for every role: who may give, see and confirm donations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.moderation import places
from tests.moderation.places import Place
from tests.permission_tables import (
    NOT_SUSPENDED,
    Row,
    check_row,
    only,
    rows_param,
    rules_walked,
)
from tribune.funding.models import Donation
from tribune.funding.permissions import can_confirm_donation, can_donate, can_view_donation

pytestmark = pytest.mark.django_db

place = places.place  # the fixture (pytest finds it by name)


def donation_of(member) -> Donation:
    return Donation.objects.create(
        member=member, amount=Decimal("13.00"), currency="EUR", interval="month", provider="offline"
    )


ROWS = [
    Row(
        "can_donate",
        "admitted and waitlisted members",
        lambda place, who: can_donate(who),
        NOT_SUSPENDED,
    ),
    Row(
        "can_view_donation",
        "its member and staff",
        lambda place, who: can_view_donation(who, donation_of(place.member)),
        only("member", "staff"),
    ),
    Row(
        "can_view_donation",
        "a waitlisted member's own",
        lambda place, who: can_view_donation(who, donation_of(place.waitlisted)),
        only("waitlisted", "staff"),
    ),
    Row(
        "can_view_donation",
        "an anonymous donation (its member erased): staff",
        lambda place, who: can_view_donation(who, donation_of(None)),
        only("staff"),
    ),
    Row(
        "can_confirm_donation", "staff", lambda place, who: can_confirm_donation(who), only("staff")
    ),
]

RULES_WALKED = rules_walked(ROWS)


@rows_param(ROWS)
def test_each_role_may_exactly_what_the_table_says(row: Row, place: Place, settings):
    check_row(row, place, settings)
