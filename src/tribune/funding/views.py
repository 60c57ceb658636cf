"""Funding pages: giving, one's donations, and the public financials.

Thin views over funding.services and funding.selectors, which hold the rules. Nothing
here is behind a paywall: the pages only explain, take a donation and show the sums.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tribune.accounts.web import member_of
from tribune.core.exceptions import Forbidden
from tribune.core.web import form_submit, is_htmx, requested_page, with_query
from tribune.funding.forms import DonationForm
from tribune.funding.models import Provider
from tribune.funding.permissions import can_donate
from tribune.funding.selectors import (
    MonthTotals,
    donation_get,
    donations_of,
    financials_by_month,
    funding_summary,
)
from tribune.funding.services import donation_create


def _see_other(url: str) -> HttpResponse:
    """After a POST, the next page is fetched with GET (303), wherever it is."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _donate_page(
    request: HttpRequest, form: DonationForm | None, *, refusal: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "refusal": refusal,
        "summary": funding_summary(),
        "provider": settings.TRIBUNE_PAYMENT_PROVIDER,
        "paid": request.GET.get("paid") == "1",
    }
    return render(request, "funding/donate.html", context, status=status)


@require_http_methods(["GET", "POST"])
def donate(request: HttpRequest) -> HttpResponse:
    """Why and how to give, the goal's progress, and the form that pledges a donation."""
    viewer = request.user
    if not viewer.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        return _donate_page(request, None)
    member = member_of(request)
    if not can_donate(member):
        refusal = _("Your account is suspended, so it cannot make donations.")
        return _donate_page(
            request, None, refusal=refusal, status=403 if request.method == "POST" else 200
        )
    if request.method != "POST":
        return _donate_page(request, DonationForm())
    form = DonationForm(request.POST)
    try:
        submitted = form_submit(
            request,
            form,
            lambda data: donation_create(
                member=member,
                amount=form.amount_given(),
                currency=data["currency"],
                interval=data["interval"],
                # Stripe sends the member back here; the page thanks them (?paid=1).
                success_url=request.build_absolute_uri(
                    with_query(reverse("funding:donate"), paid=1)
                ),
                cancel_url=request.build_absolute_uri(reverse("funding:donate")),
            ),
            reraise=(Forbidden,),
        )
    except Forbidden as error:
        return _donate_page(request, None, refusal=str(error.detail), status=403)
    if submitted.result is None:
        return _donate_page(request, form, status=submitted.status)
    donation, _instructions = submitted.result
    if donation.checkout_url:
        return _see_other(donation.checkout_url)
    messages.success(request, _("Thank you! Your pledge is recorded: here is how to pay it."))
    return _see_other(reverse("funding:donation", kwargs={"donation_id": donation.pk}))


@login_required
@require_safe
def donation(request: HttpRequest, donation_id: int) -> HttpResponse:
    """One of one's donations: its state, and how to pay it while it is pending."""
    member = member_of(request)
    found = donation_get(viewer=member, donation_id=donation_id)
    context = {
        "donation": found,
        "is_own": found.member_id == member.pk,
        "is_offline": found.provider == Provider.OFFLINE,
        "instructions": settings.TRIBUNE_OFFLINE_INSTRUCTIONS,
    }
    return render(request, "funding/donation.html", context)


@login_required
@require_safe
def my_donations(request: HttpRequest) -> HttpResponse:
    """One's donations, newest first, a page at a time."""
    member = member_of(request)
    requested = requested_page(request, partial(donations_of, member=member))
    context = {
        "donations": requested.page.items,
        "next_url": requested.next_url(reverse("funding:mine")),
        "is_first_page": requested.is_first,
    }
    return render(request, "funding/my_donations.html", context, status=requested.status)


# --- The public financials -------------------------------------------------------------

# The chart's drawing area, in the SVG's own units (it scales to the page's width).
CHART_WIDTH = 360
CHART_TOP = 24
CHART_BASE = 140
SLOT = CHART_WIDTH / 12
BAR_WIDTH = 20


@dataclass(frozen=True)
class Bar:
    month: dt.date
    total: Decimal
    # SVG attributes, written out here: a template would put the language's decimal comma.
    x: str
    y: str
    height: str
    label_x: str


@dataclass(frozen=True)
class CurrencyChart:
    currency: str
    bars: list[Bar]
    peak: Decimal
    total: Decimal


def currency_chart(currency: str, months: list[MonthTotals]) -> CurrencyChart:
    """The bars of one currency's monthly totals, scaled to the highest month."""
    totals = [m.raised.get(currency, Decimal(0)) for m in months]
    peak = max(totals, default=Decimal(0))
    span = CHART_BASE - CHART_TOP
    bars = []
    slot = CHART_WIDTH / len(months) if months else SLOT
    for index, (month, total) in enumerate(zip(months, totals, strict=True)):
        height = float(total / peak * span) if peak > 0 else 0.0
        if total > 0:
            height = max(height, 1.0)  # a small gift still shows
        x = index * slot + (slot - BAR_WIDTH) / 2
        bars.append(
            Bar(
                month=month.month,
                total=total,
                x=f"{x:.1f}",
                y=f"{CHART_BASE - height:.1f}",
                height=f"{height:.1f}",
                label_x=f"{index * slot + slot / 2:.1f}",
            )
        )
    return CurrencyChart(currency=currency, bars=bars, peak=peak, total=sum(totals, Decimal(0)))


def chart_currencies(months: list[MonthTotals]) -> list[str]:
    """The goal's currency first, then the others offered, then any no longer offered."""
    seen = {currency for m in months for currency in m.raised}
    ordered = [settings.TRIBUNE_FUNDING_CURRENCY, *settings.TRIBUNE_DONATION_AMOUNTS]
    ordered += sorted(seen - set(ordered))
    return list(dict.fromkeys(ordered))


@require_safe
def financials(request: HttpRequest) -> HttpResponse:
    """Public: this month's progress, how many support the site, and the last 12 months."""
    months = financials_by_month(months=12)
    currencies = chart_currencies(months)
    context: dict[str, Any] = {
        "summary": funding_summary(),
        "months": months,
        "currencies": currencies,
        "charts": [currency_chart(currency, months) for currency in currencies],
        "rows": [
            {
                "month": m.month,
                "totals": [m.raised.get(c, Decimal(0)) for c in currencies],
                "supporters": m.supporters,
            }
            for m in months
        ],
        "chart": {"width": CHART_WIDTH, "base": CHART_BASE, "top": CHART_TOP, "bar": BAR_WIDTH},
    }
    return render(request, "funding/financials.html", context)


@require_safe
def funding_bar(request: HttpRequest) -> HttpResponse:
    """The filled progress bar, which htmx fetches where the page had no sums at hand."""
    response: HttpResponse
    if not is_htmx(request, include_boosted=True):
        response = redirect("funding:financials")  # the bar alone is no page to land on
    else:
        response = render(request, "funding/_bar_fragment.html", {"summary": funding_summary()})
    patch_vary_headers(response, ["HX-Request"])
    return response
