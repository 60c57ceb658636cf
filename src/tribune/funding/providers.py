"""The payment provider interface, and the offline provider (the embedded default).

A provider starts a payment for a donation: either a checkout page to send the
member to (Stripe) or instructions to follow (offline). What the provider later
reports (a payment, a cancelled subscription) goes through funding.services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from tribune.funding.models import Donation, Provider


@dataclass(frozen=True)
class Checkout:
    """Where the member goes next: a provider's checkout page, or instructions."""

    checkout_url: str = ""
    instructions: str = ""
    session_id: str | None = None


class ProviderUnavailable(Exception):
    """The provider could not be reached or refused the request."""


class PaymentProvider(Protocol):
    name: str

    def start(self, donation: Donation, *, success_url: str, cancel_url: str) -> Checkout:
        """Begin paying for a pending donation."""
        ...


class OfflineProvider:
    """Records a pledge; staff confirm it when the money arrives (admin or command)."""

    name: str = Provider.OFFLINE

    def start(self, donation: Donation, *, success_url: str, cancel_url: str) -> Checkout:
        text = _("%(instructions)s Amount: %(amount)s %(currency)s. Reference: %(reference)s.") % {
            "instructions": settings.TRIBUNE_OFFLINE_INSTRUCTIONS,
            "amount": donation.amount,
            "currency": donation.currency,
            "reference": donation.reference,
        }
        return Checkout(instructions=text)


def payment_provider(name: str | None = None) -> PaymentProvider:
    """The configured provider (TRIBUNE_PAYMENT_PROVIDER), or the one named."""
    name = name or settings.TRIBUNE_PAYMENT_PROVIDER
    if name == Provider.STRIPE:
        from tribune.funding.stripe_provider import StripeProvider

        return StripeProvider()
    return OfflineProvider()
