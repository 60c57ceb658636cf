"""How long a payment makes a member a supporter."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from django.conf import settings

from tribune.funding.models import Interval


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` later (the month's last day when it is shorter)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def months_supported(*, interval: str, amount: Decimal, currency: str) -> int:
    """A month or a year for subscriptions; a gift counts in suggested monthly amounts.

    A one-time gift of at least the suggested yearly amount covers a year; less
    covers one month per suggested monthly amount, and at least one month.
    """
    if interval == Interval.MONTH:
        return 1
    if interval == Interval.YEAR:
        return 12
    suggested = settings.TRIBUNE_DONATION_AMOUNTS.get(currency)
    if suggested is None:  # a currency the operator has since stopped offering
        return 1
    monthly, yearly = suggested
    if amount >= yearly:
        return 12
    return max(1, min(12, int(amount // monthly)))
