"""Funding: the public goal's progress and one's donations (API.md, Access and funding).

Thin endpoints over funding.services and funding.selectors, which hold the rules
(which amounts, currencies and intervals are accepted; who sees a donation).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field, PlainValidator, WithJsonSchema

from tribune.accounts.models import Member
from tribune.api.auth import member_auth
from tribune.api.schemas import ERRORS, ErrorOut, InSchema, ListOut, ListParams
from tribune.core.exceptions import NotFound
from tribune.funding.models import Donation, DonationStatus
from tribune.funding.selectors import donation_get, donations_of, funding_summary
from tribune.funding.services import donation_create

router = Router(tags=["funding"])

CENT = Decimal("0.01")
# 502: the payment provider could not be reached (nothing was charged).
WITH_PROVIDER: dict[int, Any] = {**ERRORS, 502: ErrorOut}


def member_of(request: HttpRequest) -> Member:
    return request.auth  # type: ignore[attr-defined, no-any-return]  # set by member_auth


def money(value: Decimal) -> str:
    """An amount as the API writes it: a string with two decimals ("13.00")."""
    return str(value.quantize(CENT))


# --- The goal ------------------------------------------------------------------------


class FundingOut(Schema):
    goal: str = Field(description='This month\'s goal, with two decimals ("2000.00").')
    raised: str = Field(description="Raised this month in `currency`, with two decimals.")
    currency: str = Field(description="The goal's currency (ISO 4217).")
    supporters: int = Field(description="How many members support the site now.")
    percent: int = Field(description="Addition: progress towards the goal, 0 to 100.")
    period_start: dt.datetime = Field(description="Addition: when this period (a month) began.")
    period_end: dt.datetime = Field(description="Addition: when it ends.")


@router.get(
    "/funding",
    response={200: FundingOut, **ERRORS},
    # Public whoever asks: a visitor, an admitted or a waitlisted member alike.
    auth=None,
    description=(
        "Public, with or without a token: the site's funding goal for the current period "
        "and what was raised towards it (payments in other currencies are not counted "
        "here; `/financials/` lists them), and how many members support the site. "
        "Never any names."
    ),
)
def funding(request: HttpRequest) -> FundingOut:
    """The funding goal's progress this month."""
    summary = funding_summary()
    return FundingOut(
        goal=money(summary.goal),
        raised=money(summary.raised),
        currency=summary.currency,
        supporters=summary.supporters,
        percent=summary.percent,
        period_start=summary.period_start,
        period_end=summary.period_end,
    )


# --- Donations -----------------------------------------------------------------------


def _as_sent(value: object) -> object:
    return value


# The service checks and explains these (codes invalid_amount, invalid_currency,
# invalid_interval); taken as sent, so that any wrong value gets its reason.
Amount = Annotated[
    object,
    PlainValidator(_as_sent),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "number"}],
            "description": (
                "The amount in the currency's units, with at most two decimals: a string "
                '("13.00") or a number.'
            ),
        }
    ),
]
Currency = Annotated[
    object,
    PlainValidator(_as_sent),
    WithJsonSchema(
        {
            "type": "string",
            "description": "One of the currencies the site offers (EUR and USD by default).",
        }
    ),
]
IntervalIn = Annotated[
    object,
    PlainValidator(_as_sent),
    WithJsonSchema(
        {
            "type": "string",
            "enum": ["once", "month", "year"],
            "default": "once",
            "description": "`once`, or a subscription paid each `month` or `year`.",
        }
    ),
]


class DonationIn(InSchema):
    amount: Amount
    currency: Currency
    interval: IntervalIn = "once"


class DonationOut(Schema):
    id: str
    status: Literal["pending", "confirmed", "cancelled"] = Field(
        description=(
            "`pending` until the payment is reported (Stripe) or staff confirm it (offline); "
            "`confirmed` once paid (a subscription: while it runs); `cancelled` when a "
            "subscription ended or a pledge lapsed."
        )
    )
    amount: str = Field(description='With two decimals ("13.00").')
    currency: str
    interval: Literal["once", "month", "year"]
    provider: Literal["offline", "stripe"] = Field(description="Addition: who takes the payment.")
    reference: str = Field(description="Addition: what to quote on an offline payment.")
    created_at: dt.datetime
    confirmed_at: dt.datetime | None = Field(description="Addition: when it was confirmed.")
    checkout_url: str | None = Field(
        description="Stripe: the checkout page to pay on, while the donation is pending; else null."
    )
    instructions: str | None = Field(
        description=(
            "Offline provider: how to pay, in the answer that creates the donation; else null "
            "(quote `reference`)."
        )
    )


def donation_out(donation: Donation, *, instructions: str = "") -> DonationOut:
    pending = donation.status == DonationStatus.PENDING
    return DonationOut(
        id=str(donation.pk),
        status=donation.status,  # type: ignore[arg-type]  # DonationStatus values
        amount=money(donation.amount),
        currency=donation.currency,
        interval=donation.interval,  # type: ignore[arg-type]  # Interval values
        provider=donation.provider,  # type: ignore[arg-type]  # Provider values
        reference=donation.reference,
        created_at=donation.created_at,
        confirmed_at=donation.confirmed_at,
        checkout_url=(donation.checkout_url or None) if pending else None,
        instructions=instructions or None,
    )


def _amount_as_written(request: HttpRequest, amount: object) -> object:
    """A number's own digits, as the client wrote them, rather than a float's.

    JSON numbers parse as floats, which hold neither every decimal nor more than
    about 17 digits: "13.0000000000000001" would read as 13.0 and be accepted.
    """
    if not isinstance(amount, float):
        return amount
    try:
        raw = json.loads(request.body, parse_float=str, parse_constant=str)
    except ValueError:
        return amount
    return raw.get("amount", amount) if isinstance(raw, dict) else amount


def _return_urls(request: HttpRequest) -> tuple[str, str]:
    """Where the provider's checkout sends the member back: after paying, or giving up."""
    # The donate page thanks a member sent back with ?paid=1, as it does for its own form.
    donate = request.build_absolute_uri(reverse("funding:donate"))
    return f"{donate}?paid=1", donate


@router.post(
    "/donations",
    response={201: DonationOut, **WITH_PROVIDER},
    auth=member_auth,
    description=(
        "Pledge a donation: once, or a subscription paid each month or year. It is "
        "`pending` until paid: with Stripe, send the member to `checkout_url`; with the "
        "offline provider, follow `instructions` (staff confirm it when the money arrives). "
        "Waitlisted members may give, and a confirmed donation admits them. A wrong value "
        "answers `400` with code `invalid_amount`, `invalid_currency` or `invalid_interval` "
        "and the reason per field in `errors`; `502` with code "
        "`payment_provider_unavailable` when the payment service cannot be reached "
        "(nothing is charged)."
    ),
)
def create_donation(request: HttpRequest, payload: DonationIn) -> Status[DonationOut]:
    """Pledge a donation."""
    success_url, cancel_url = _return_urls(request)
    donation, instructions = donation_create(
        member=member_of(request),
        amount=_amount_as_written(request, payload.amount),
        currency=payload.currency,
        interval=payload.interval,
        success_url=success_url,
        cancel_url=cancel_url,
    )
    return Status(201, donation_out(donation, instructions=instructions))


@router.get(
    "/donations",
    response={200: ListOut[DonationOut], **ERRORS},
    auth=member_auth,
    description="Addition: your donations, newest first.",
)
def list_donations(request: HttpRequest, params: Query[ListParams]) -> ListOut[DonationOut]:
    """Your donations, newest first."""
    page = donations_of(member=member_of(request), cursor=params.cursor, limit=params.limit)
    return ListOut[DonationOut](
        items=[donation_out(donation) for donation in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/donations/{donation_id}",
    response={200: DonationOut, **ERRORS},
    auth=member_auth,
    description=(
        "Addition: one of your donations, to follow its status (staff: anyone's). Anyone "
        "else's answers `404`, as one that does not exist."
    ),
)
def get_donation(request: HttpRequest, donation_id: str) -> DonationOut:
    """One of your donations."""
    try:
        pk = int(donation_id)
    except ValueError:
        raise NotFound from None
    return donation_out(donation_get(viewer=member_of(request), donation_id=pk))
