"""Stripe Checkout for donations: a Checkout Session per donation, paid on Stripe's page.

What Stripe reports afterwards (the payment, each paid period of a subscription, its
end) arrives as signed webhook events: funding.webhooks.
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal

import stripe
from django.conf import settings
from django.utils.translation import gettext as _
from stripe.params.checkout import SessionCreateParams

from tribune.funding.models import Donation, Interval, Provider
from tribune.funding.providers import Checkout, ProviderUnavailable

logger = logging.getLogger(__name__)

# Stripe counts amounts in the currency's minor unit: cents for most currencies, but
# these have none (1 JPY is sent as 1) and these have thousandths.
# https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"}
    | {"PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

# The member waits on the donate page while the session is made: fail fast (connect,
# read) and retry once, which Stripe makes safe with an idempotency key of its own.
TIMEOUT_SECONDS = (5.0, 20.0)
NETWORK_RETRIES = 1


def minor_unit_factor(currency: str) -> int:
    """How many of Stripe's units make one unit of `currency` (100 for EUR, 1 for JPY)."""
    code = currency.upper()
    if code in ZERO_DECIMAL_CURRENCIES:
        return 1
    if code in THREE_DECIMAL_CURRENCIES:
        return 1000
    return 100


def to_minor_units(amount: Decimal, currency: str) -> int:
    """An amount as Stripe sends it: 13.00 EUR is 1300, 2000 JPY is 2000."""
    # A fraction of a yen cannot be charged: round to the nearest whole unit.
    return int((amount * minor_unit_factor(currency)).quantize(Decimal(1), ROUND_HALF_UP))


def from_minor_units(value: int, currency: str) -> Decimal:
    """An amount Stripe reported, in the currency's units: 1300 EUR cents is 13.00."""
    return (Decimal(value) / minor_unit_factor(currency)).quantize(Decimal("0.01"))


def stripe_client() -> stripe.StripeClient:
    """A client for the configured account (STRIPE_API_BASE points tests at a local server)."""
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None,
        max_network_retries=NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


def checkout_params(
    donation: Donation, *, success_url: str, cancel_url: str
) -> SessionCreateParams:
    """What Stripe is asked for: one line of the donation's amount, tied back to it by id."""
    donation_id = str(donation.pk)
    metadata = {"donation_id": donation_id}
    price_data: stripe.params.checkout.SessionCreateParamsLineItemPriceData = {
        "currency": donation.currency.lower(),
        "unit_amount": to_minor_units(donation.amount, donation.currency),
        "product_data": {"name": _("Support %(site)s") % {"site": settings.SITE_NAME}},
    }
    params: SessionCreateParams = {
        "line_items": [{"price_data": price_data, "quantity": 1}],
        "client_reference_id": donation_id,
        "metadata": metadata,
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if donation.member is not None and donation.member.email:
        params["customer_email"] = donation.member.email
    if donation.interval == Interval.ONCE:
        params["mode"] = "payment"
        params["submit_type"] = "donate"
    else:
        params["mode"] = "subscription"
        price_data["recurring"] = {
            "interval": "year" if donation.interval == Interval.YEAR else "month"
        }
        # Invoices carry the subscription's metadata: each paid period finds its
        # donation even when it arrives before the checkout's own event.
        params["subscription_data"] = {"metadata": metadata}
    return params


class StripeProvider:
    """Sends the member to a Stripe Checkout page for a one-time gift or a subscription."""

    name: str = Provider.STRIPE

    def start(self, donation: Donation, *, success_url: str, cancel_url: str) -> Checkout:
        params = checkout_params(donation, success_url=success_url, cancel_url=cancel_url)
        try:
            session = stripe_client().v1.checkout.sessions.create(params=params)
        except stripe.StripeError as e:
            logger.error("Stripe refused a checkout session for donation %s: %s", donation.pk, e)
            raise ProviderUnavailable(str(e)) from e
        if not session.url:
            logger.error("Stripe answered a checkout session without a URL: %s", session.id)
            raise ProviderUnavailable("no checkout URL")
        return Checkout(checkout_url=session.url, session_id=session.id)
