"""The funding-goal progress bar (`{% funding_bar %}`) and how amounts are written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.template.defaultfilters import floatformat

from tribune.funding.selectors import FundingSummary, funding_summary_cached

register = template.Library()


@register.filter
def money(amount: Decimal | int | None, currency: str = "") -> str:
    """13 EUR, 1,250.50 USD: whole amounts without cents, in the language's separators."""
    number = str(floatformat(amount or 0, "-2g"))
    return f"{number}\u00a0{currency}" if currency else number


@register.inclusion_tag("funding/_funding_bar.html", takes_context=True)
def funding_bar(context: template.Context, summary: FundingSummary | None = None) -> dict[str, Any]:
    """This month's progress towards the goal, with links to give and to the financials.

    Without a `summary`, the cached one: a page as busy as home never waits for the sums.
    When the cache is cold the bar says where to find them, and htmx fetches it filled.
    """
    if summary is None:
        summary = funding_summary_cached()
    request = context.get("request")
    bar: dict[str, Any] = {
        "summary": summary,
        "site_name": context.get("site_name", ""),
        # The bar links to the donate and financials pages, but not to the page it is on.
        "here": request.path if request is not None else "",
    }
    if summary is not None:
        # <progress> wants a maximum above 0, and plain digits whatever the language.
        goal = summary.goal if summary.goal > 0 else Decimal(1)
        bar["progress_max"] = format(goal, "f")
        bar["progress_value"] = format(min(summary.raised, goal) if summary.goal > 0 else goal, "f")
    return bar
