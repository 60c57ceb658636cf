"""Every read of funding: the goal's progress, the public financials, one's donations."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tribune.accounts.models import Member
from tribune.core.exceptions import NotFound
from tribune.core.pagination import Page, paginate_keyset
from tribune.funding.models import Donation, DonationStatus, Payment
from tribune.funding.periods import add_months
from tribune.funding.permissions import can_view_donation
from tribune.funding.services import FUNDING_CACHE_KEY

CENT = Decimal("0.01")
# The bar shows on every home page: a minute old is fresh enough, and payments clear it.
_SUMMARY_SECONDS = 60


@dataclass(frozen=True)
class FundingSummary:
    goal: Decimal
    raised: Decimal
    currency: str
    supporters: int
    period_start: dt.datetime
    period_end: dt.datetime

    @property
    def percent(self) -> int:
        """Progress towards the goal, 0 to 100 (the bar's width)."""
        if self.goal <= 0:
            return 100
        return min(100, int(self.raised * 100 / self.goal))


@dataclass(frozen=True)
class MonthTotals:
    month: dt.date
    raised: dict[str, Decimal] = field(default_factory=dict)
    supporters: int = 0


def month_start(moment: dt.datetime) -> dt.datetime:
    utc = moment.astimezone(dt.UTC)
    return utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def funding_summary_cached() -> FundingSummary | None:
    """The summary if the cache holds this month's, else None: never queries the database.

    For the home page, which shows the bar without waiting for the sums when the
    cache is cold (the bar then fetches itself; see funding.templatetags).
    """
    cached: FundingSummary | None = cache.get(FUNDING_CACHE_KEY)
    if cached is not None and cached.period_end > timezone.now():
        return cached
    return None


def funding_summary() -> FundingSummary:
    """This month's money in the goal's currency, and how many members support the site."""
    cached = funding_summary_cached()
    if cached is not None:
        return cached
    now = timezone.now()
    start = month_start(now)
    end = add_months(start, 1)
    currency = settings.TRIBUNE_FUNDING_CURRENCY
    raised = Payment.objects.filter(
        paid_at__gte=start, paid_at__lt=end, currency=currency
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    raised = Decimal(raised).quantize(CENT)  # SQLite's sum drops the scale
    summary = FundingSummary(
        goal=settings.TRIBUNE_FUNDING_GOAL,
        raised=raised,
        currency=currency,
        supporters=Member.objects.filter(supporter_until__gt=now).count(),
        period_start=start,
        period_end=end,
    )
    cache.set(FUNDING_CACHE_KEY, summary, _SUMMARY_SECONDS)
    return summary


def financials_by_month(*, months: int = 12) -> list[MonthTotals]:
    """Totals raised per month and currency, and how many members paid, oldest first.

    Only sums and counts: no names, no amounts of any one member.
    """
    first = add_months(month_start(timezone.now()), -(months - 1))
    rows = (
        Payment.objects.filter(paid_at__gte=first)
        .annotate(month=TruncMonth("paid_at", tzinfo=dt.UTC))
        .values("month", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    payers = (
        Payment.objects.filter(paid_at__gte=first)
        .annotate(month=TruncMonth("paid_at", tzinfo=dt.UTC))
        .values("month")
        .annotate(members=Count("member", distinct=True))
        .order_by()
    )
    raised: dict[dt.date, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        raised[_as_date(row["month"])][row["currency"]] = Decimal(row["total"]).quantize(CENT)
    counts = {_as_date(row["month"]): row["members"] for row in payers}
    result = []
    for index in range(months):
        month = add_months(first, index).date()
        result.append(
            MonthTotals(month=month, raised=raised.get(month, {}), supporters=counts.get(month, 0))
        )
    return result


def _as_date(value: dt.datetime | dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def donations_of(
    *, member: Member, cursor: str | None = None, limit: int | str | None = None
) -> Page[Donation]:
    """A member's own donations, newest first."""
    return paginate_keyset(Donation.objects.filter(member=member), cursor=cursor, limit=limit)


def donations_for_staff(*, pending_only: bool = False) -> QuerySet[Donation]:
    """Every donation with its member, newest first (the operator's list); or the pending."""
    donations = Donation.objects.select_related("member").order_by("-created_at", "-id")
    return donations.filter(status=DonationStatus.PENDING) if pending_only else donations


def donation_get(*, viewer: Member, donation_id: int) -> Donation:
    """One donation, for its member or staff; NotFound for anyone else."""
    donation = Donation.objects.filter(pk=donation_id).first()
    if donation is None or not can_view_donation(viewer, donation):
        raise NotFound
    return donation


def suggested_amounts() -> dict[str, tuple[Decimal, Decimal]]:
    """Suggested monthly and yearly amounts per currency (TRIBUNE_DONATION_AMOUNTS)."""
    return dict(settings.TRIBUNE_DONATION_AMOUNTS)
