"""`tribune donations confirm ID` and `tribune donations list [--pending]` (API.md)."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import MemberFactory
from tribune.accounts.models import Access
from tribune.funding.models import Donation, DonationStatus, Provider
from tribune.funding.services import donation_cancel, donation_create

pytestmark = pytest.mark.django_db


def pledge(member, amount: str = "13.00", interval: str = "month") -> Donation:
    donation, _instructions = donation_create(
        member=member,
        amount=amount,
        currency="EUR",
        interval=interval,
        success_url="http://testserver/donate/?paid=1",
        cancel_url="http://testserver/donate/",
    )
    return donation


def donations(*args: str) -> str:
    out = StringIO()
    call_command("donations", *args, stdout=out)
    return out.getvalue()


def test_confirm_says_what_it_did_and_a_second_time_that_nothing_changed():
    ada = MemberFactory.create(username="ada", access=Access.WAITLISTED)
    donation = pledge(ada)

    output = donations("confirm", str(donation.pk))
    assert output.startswith(
        f"Confirmed now: TRIBUNE-{donation.pk}: 13.00 EUR monthly from ada (offline, confirmed)."
    )
    assert "ada is a supporter until" in output
    assert "(admitted)" in output
    ada.refresh_from_db()
    assert ada.is_supporter and ada.access == Access.ADMITTED
    until = ada.supporter_until

    output = donations("confirm", f"TRIBUNE-{donation.pk}")
    assert output.startswith(f"Already confirmed, nothing changed: TRIBUNE-{donation.pk}")
    ada.refresh_from_db()
    assert ada.supporter_until == until  # the month is not paid for twice
    assert donation.payments.count() == 1


@pytest.mark.parametrize("given", ["999999", "TRIBUNE-999999"])
def test_confirming_an_unknown_donation_fails_with_the_reason(given):
    with pytest.raises(CommandError, match=r"There is no donation #999999\."):
        donations("confirm", given)


@pytest.mark.parametrize("given", ["abc", "12x", "-3", ""])
def test_confirming_something_that_is_no_number_fails_with_the_reason(given):
    with pytest.raises(CommandError, match="is not a donation number"):
        donations("confirm", given)


def test_only_offline_donations_are_confirmed_by_hand(member):
    # A Stripe donation, as the Stripe provider leaves it: at the checkout.
    stripe = Donation.objects.create(
        member=member,
        amount=Decimal(13),
        currency="EUR",
        interval="month",
        provider=Provider.STRIPE,
        checkout_session="cs_test_1",
    )
    with pytest.raises(CommandError, match="Only offline donations are confirmed by hand"):
        donations("confirm", str(stripe.pk))
    stripe.refresh_from_db()
    assert stripe.status == DonationStatus.PENDING


def test_a_cancelled_donation_is_not_confirmed(member):
    donation = pledge(member)
    donation_cancel(donation=donation)
    with pytest.raises(CommandError, match=r"This donation was cancelled\."):
        donations("confirm", str(donation.pk))
    assert not donation.payments.exists()


def test_list_shows_every_donation_newest_first_or_the_pending_only():
    ada, grace = MemberFactory.create(username="ada"), MemberFactory.create(username="grace")
    first = pledge(ada, amount="13.00")
    second = pledge(grace, amount="100.00", interval="year")
    donations("confirm", str(first.pk))

    lines = donations("list").splitlines()
    assert len(lines) == 3
    assert lines[0].endswith(
        f"TRIBUNE-{second.pk}: 100.00 EUR yearly from grace (offline, pending)"
    )
    assert lines[1].endswith(f"TRIBUNE-{first.pk}: 13.00 EUR monthly from ada (offline, confirmed)")
    assert lines[2] == "2 donations."

    lines = donations("list", "--pending").splitlines()
    assert lines[0].endswith(
        f"TRIBUNE-{second.pk}: 100.00 EUR yearly from grace (offline, pending)"
    )
    assert lines[1:] == ["1 pending donation."]


def test_list_with_no_donations_says_so():
    assert donations("list", "--pending") == "0 pending donations.\n"
