"""`tribune demo` leaves donations of every interval paid over the last months (the
financials have a chart), a pending pledge, and a couple of supporters; idempotent."""

from __future__ import annotations

import pytest
from django.db.models import Count

from tribune.accounts.models import Member
from tribune.core.demo import DEMO_MODULES, demo_run, demo_steps
from tribune.funding.models import Donation, DonationStatus, Interval, Payment
from tribune.funding.selectors import financials_by_month, funding_summary

pytestmark = pytest.mark.django_db

MODULES = ("tribune.accounts.demo", "tribune.funding.demo")


def load() -> int:
    return sum(created for _step, created in demo_run(demo_steps(MODULES)))


def snapshot() -> tuple[object, ...]:
    return (
        list(
            Donation.objects.order_by("pk").values_list(
                "member__username", "amount", "interval", "status", "confirmed_at"
            )
        ),
        list(
            Payment.objects.order_by("pk").values_list(
                "reference", "amount", "currency", "period_end"
            )
        ),
        list(
            Member.objects.order_by("pk").values_list(
                "username", "supporter_until", "show_supporter_badge"
            )
        ),
    )


@pytest.fixture(autouse=True)
def _offline(settings) -> None:
    settings.TRIBUNE_PAYMENT_PROVIDER = "offline"


def test_the_funding_demo_is_loaded_by_tribune_demo_after_the_members():
    assert DEMO_MODULES.index("tribune.funding.demo") > DEMO_MODULES.index("tribune.accounts.demo")


def test_demo_donations_of_every_interval_and_a_pending_pledge():
    load()

    confirmed = Donation.objects.filter(status=DonationStatus.CONFIRMED)
    assert set(confirmed.values_list("interval", flat=True)) == set(Interval.values)
    assert set(confirmed.values_list("provider", flat=True)) == {"offline"}
    assert Donation.objects.filter(status=DonationStatus.PENDING).count() == 1
    assert not Payment.objects.filter(donation__status=DonationStatus.PENDING).exists()
    monthly = confirmed.annotate(paid=Count("payments")).get(interval=Interval.MONTH)
    assert monthly.paid >= 3

    supporters = [m for m in Member.objects.all() if m.is_supporter]
    assert 1 <= len(supporters) <= 2
    assert any(not m.shows_supporter_badge for m in supporters)  # one hides the badge
    assert Member.objects.filter(supporter_until__isnull=False).count() > len(supporters)


def test_the_financials_have_a_chart_and_the_bar_has_moved():
    load()

    months = financials_by_month()
    assert sum(1 for m in months if m.raised) >= 4
    assert {c for m in months for c in m.raised} == {"EUR", "USD"}
    assert months[-1].raised  # this month too
    summary = funding_summary()
    assert summary.raised > 0
    assert summary.percent > 0
    assert summary.supporters >= 1


def test_running_the_funding_demo_twice_changes_nothing():
    first = load()
    before = snapshot()

    assert load() == 0
    assert snapshot() == before
    assert first == len(demo_steps(MODULES))


def test_the_demo_never_calls_a_real_payment_provider(settings):
    settings.TRIBUNE_PAYMENT_PROVIDER = "stripe"
    load()
    assert not Donation.objects.exists()
