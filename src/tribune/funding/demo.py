"""Demo donations: offline gifts and subscriptions paid over the last months, so that
the funding bar moves and /financials/ has a chart, and a pledge still pending."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.utils import timezone

from tribune.accounts.models import Member
from tribune.accounts.services import member_set_supporter_badge
from tribune.core.demo import DemoStep
from tribune.core.exceptions import ServiceError
from tribune.funding.models import Donation, Provider
from tribune.funding.periods import add_months
from tribune.funding.services import donation_create, payment_record


@dataclass(frozen=True)
class DemoDonation:
    username: str
    amount: str
    currency: str
    interval: str
    # Months ago of each payment, oldest first; empty: a pledge not yet confirmed.
    paid_months_ago: tuple[int, ...]
    show_badge: bool = True


DONATIONS: tuple[DemoDonation, ...] = (
    # A monthly supporter for half a year, this month included.
    DemoDonation("amara", "13", "EUR", "month", (5, 4, 3, 2, 1, 0)),
    # A year paid this month: a supporter who hides the badge.
    DemoDonation("jonas", "100", "EUR", "year", (0,), show_badge=False),
    # One-time gifts whose months have run out.
    DemoDonation("priya", "20", "EUR", "once", (7,)),
    DemoDonation("theo", "26", "USD", "once", (3,)),
    # Pledged by bank transfer; staff have not seen the money yet.
    DemoDonation("liam", "13", "EUR", "once", ()),
)


def _give(spec: DemoDonation) -> bool:
    # The demo never talks to a real payment provider.
    if settings.TRIBUNE_PAYMENT_PROVIDER != Provider.OFFLINE:
        return False
    member = Member.objects.filter(username=spec.username).first()
    if member is None:
        return False
    amount = Decimal(spec.amount)
    if Donation.objects.filter(
        member=member, amount=amount, currency=spec.currency, interval=spec.interval
    ).exists():
        return False
    try:
        donation, _instructions = donation_create(
            member=member,
            amount=amount,
            currency=spec.currency,
            interval=spec.interval,
            success_url="",
            cancel_url="",
        )
    except ServiceError:
        return False  # a suspended member, or a currency the site no longer offers
    # A little before now, so that this month's payment is never in the future.
    now = timezone.now() - dt.timedelta(hours=1)
    for months_ago in spec.paid_months_ago:
        paid_at = add_months(now, -months_ago)
        payment_record(
            donation=donation,
            amount=amount,
            currency=spec.currency,
            reference=f"demo:{donation.pk}:{paid_at:%Y-%m}",
            paid_at=paid_at,
        )
    if spec.paid_months_ago:
        # No service dates a pledge in the past; it was made when first paid.
        first = add_months(now, -spec.paid_months_ago[0])
        Donation.objects.filter(pk=donation.pk).update(created_at=first)
    if not spec.show_badge:
        member_set_supporter_badge(member=member, show=False)
    return True


def steps() -> list[DemoStep]:
    """One step per donation."""
    return [
        DemoStep(
            f"{spec.username} gives {spec.amount} {spec.currency} ({spec.interval})",
            partial(_give, spec),
        )
        for spec in DONATIONS
    ]
