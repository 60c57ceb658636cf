"""Stripe's signed webhook events: payments, each paid period of a subscription, its end.

Each event is handled once: its id is recorded in the same transaction as what it
changes, under a unique constraint, so a replay (even one racing the first delivery)
finds it and changes nothing. Events may arrive in any order: an invoice paid before
the checkout completed still finds its donation by the metadata Tribune gave Stripe.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tribune.funding.models import Donation, Provider, ProviderEvent
from tribune.funding.services import (
    donation_cancel,
    donation_mark_confirmed,
    donation_subscription_set,
    payment_record,
)
from tribune.funding.stripe_provider import from_minor_units

logger = logging.getLogger(__name__)

# How old a signed event may be (Stripe's own default): an older one is a replay.
TOLERANCE_SECONDS = stripe.Webhook.DEFAULT_TOLERANCE

Obj = dict[str, Any]


class MalformedEvent(Exception):
    """A signed event that is not shaped like one of Stripe's."""


# --- Reading Stripe's objects --------------------------------------------------------------


def _obj(value: object, what: str) -> Obj:
    if not isinstance(value, dict):
        raise MalformedEvent(f"{what} is not an object")
    return value


def _str(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"{what} is not a string")
    return value


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedEvent(f"{what} is not a whole number")
    return value


def _timestamp(value: object) -> dt.datetime | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def _dict(value: object) -> Obj:
    """An optional nested object, or an empty one."""
    return value if isinstance(value, dict) else {}


def _id(value: object) -> str | None:
    """An id, whether Stripe sent it as is or expanded into its object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _lines(invoice: Obj) -> Iterator[Obj]:
    data = _dict(invoice.get("lines")).get("data")
    if isinstance(data, list):
        yield from (line for line in data if isinstance(line, dict))


def _invoice_subscription(invoice: Obj) -> str | None:
    """The subscription an invoice bills: `parent` since API 2025-03-31, top level before."""
    details = _dict(_dict(invoice.get("parent")).get("subscription_details"))
    found = _id(details.get("subscription")) or _id(invoice.get("subscription"))
    if found:
        return found
    for line in _lines(invoice):
        item = _dict(_dict(line.get("parent")).get("subscription_item_details"))
        found = _id(item.get("subscription")) or _id(line.get("subscription"))
        if found:
            return found
    return None


def _invoice_donation_id(invoice: Obj) -> str | None:
    """The donation_id Tribune put in the subscription's metadata, wherever the invoice has it."""
    places = [
        _dict(_dict(invoice.get("parent")).get("subscription_details")).get("metadata"),
        _dict(invoice.get("subscription_details")).get("metadata"),
        *(line.get("metadata") for line in _lines(invoice)),
        invoice.get("metadata"),
    ]
    for metadata in places:
        value = _dict(metadata).get("donation_id")
        if isinstance(value, str) and value:
            return value
    return None


def _invoice_period_end(invoice: Obj) -> dt.datetime | None:
    """When the period this invoice paid for ends: its lines' period (not the invoice's own
    `period_end`, which for a subscription is the end of the period before)."""
    ends = [_timestamp(_dict(line.get("period")).get("end")) for line in _lines(invoice)]
    known = [end for end in ends if end is not None]
    return max(known) if known else None


# --- Finding the donation ------------------------------------------------------------------


def _stripe_donation(donation_id: str | None) -> Donation | None:
    if donation_id is None or not donation_id.isdigit():
        return None
    return Donation.objects.filter(pk=int(donation_id), provider=Provider.STRIPE).first()


def _subscription_donation(subscription: str | None, donation_id: str | None) -> Donation | None:
    """A subscription's donation: by the id Stripe gave it, else by Tribune's metadata.

    Found by metadata, it remembers the subscription, so that later events find it.
    """
    if subscription is not None:
        donation = Donation.objects.filter(subscription=subscription).first()
        if donation is not None:
            return donation
    donation = _stripe_donation(donation_id)
    if donation is None or subscription is None:
        return donation
    if not donation_subscription_set(donation=donation, subscription=subscription):
        logger.warning(
            "Stripe subscription %s names donation %s, which has subscription %s: ignored",
            subscription,
            donation.pk,
            donation.subscription,
        )
        return None
    return donation


# --- Handling each kind of event -----------------------------------------------------------

# What became of an event (answered to Stripe, which shows it in its dashboard).
RECORDED, IGNORED, UNKNOWN_DONATION, REPLAYED = "recorded", "ignored", "unknown_donation", "replay"


def _checkout_completed(event: Obj, session: Obj) -> str:
    session_id = _str(session.get("id"), "the session's id")
    metadata = _dict(session.get("metadata"))
    donation_id = metadata.get("donation_id") or session.get("client_reference_id")
    donation = _stripe_donation(donation_id if isinstance(donation_id, str) else None)
    if donation is None:
        logger.warning("Stripe checkout %s names no donation of ours (%r)", session_id, donation_id)
        return UNKNOWN_DONATION
    if donation.checkout_session and donation.checkout_session != session_id:
        logger.warning(
            "Stripe checkout %s is not donation %s's (%s): ignored",
            session_id,
            donation.pk,
            donation.checkout_session,
        )
        return IGNORED
    when = _timestamp(event.get("created"))
    mode = session.get("mode")
    if mode == "subscription":
        subscription = _id(session.get("subscription"))
        if subscription is None:
            raise MalformedEvent("a subscription checkout without its subscription")
        if not donation_subscription_set(donation=donation, subscription=subscription):
            logger.warning(
                "Stripe subscription %s for donation %s, which has %s: ignored",
                subscription,
                donation.pk,
                donation.subscription,
            )
            return IGNORED
        # The money comes with each invoice.paid; the subscription runs from now.
        donation_mark_confirmed(donation=donation, when=when)
        return RECORDED
    if mode != "payment":
        return IGNORED
    # Bank debits and vouchers complete the checkout unpaid; the money follows in
    # checkout.session.async_payment_succeeded, handled here again.
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        logger.info("Stripe checkout %s completed, payment still pending", session_id)
        return IGNORED
    currency = _str(session.get("currency"), "the session's currency").upper()
    amount = from_minor_units(_int(session.get("amount_total"), "amount_total"), currency)
    if amount <= 0:
        return IGNORED
    payment_intent = _id(session.get("payment_intent"))
    payment_record(
        donation=donation,
        amount=amount,
        currency=currency,
        reference=f"stripe:{payment_intent or session_id}",
        paid_at=when,
    )
    return RECORDED


def _invoice_paid(event: Obj, invoice: Obj) -> str:
    invoice_id = _str(invoice.get("id"), "the invoice's id")
    subscription = _invoice_subscription(invoice)
    donation_id = _invoice_donation_id(invoice)
    if subscription is None and donation_id is None:
        return IGNORED  # an invoice of something else on the same Stripe account
    donation = _subscription_donation(subscription, donation_id)
    if donation is None:
        logger.warning(
            "Stripe invoice %s (subscription %s) names no donation of ours (%r)",
            invoice_id,
            subscription,
            donation_id,
        )
        return UNKNOWN_DONATION
    currency = _str(invoice.get("currency"), "the invoice's currency").upper()
    amount = from_minor_units(_int(invoice.get("amount_paid"), "amount_paid"), currency)
    if amount <= 0:
        return IGNORED  # a trial or a full discount: nothing was given
    paid_at = _timestamp(_dict(invoice.get("status_transitions")).get("paid_at")) or _timestamp(
        invoice.get("created")
    )
    payment_record(
        donation=donation,
        amount=amount,
        currency=currency,
        reference=f"stripe:{invoice_id}",
        paid_at=paid_at,
        period_end=_invoice_period_end(invoice),
    )
    return RECORDED


def _subscription_deleted(event: Obj, subscription: Obj) -> str:
    subscription_id = _str(subscription.get("id"), "the subscription's id")
    donation_id = _dict(subscription.get("metadata")).get("donation_id")
    donation = _subscription_donation(
        subscription_id, donation_id if isinstance(donation_id, str) else None
    )
    if donation is None:
        logger.warning("Stripe subscription %s names no donation of ours", subscription_id)
        return UNKNOWN_DONATION
    when = _timestamp(subscription.get("ended_at")) or _timestamp(event.get("created"))
    donation_cancel(donation=donation, when=when)
    return RECORDED


HANDLERS: dict[str, Callable[[Obj, Obj], str]] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_completed,
    "invoice.paid": _invoice_paid,
    "customer.subscription.deleted": _subscription_deleted,
}


def stripe_event_handle(*, event: Obj) -> str:
    """Apply one verified Stripe event, once; a replay changes nothing (returns "replay")."""
    event_id = _str(event.get("id"), "the event's id")
    kind = _str(event.get("type"), "the event's type")
    obj = _obj(_dict(event.get("data")).get("object"), "data.object")
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the duplicate is the answer, not an error
                ProviderEvent.objects.create(provider=Provider.STRIPE, event_id=event_id, kind=kind)
        except IntegrityError:
            return REPLAYED
        handler = HANDLERS.get(kind)
        # MalformedEvent rolls the recorded id back with the rest: nothing changes.
        return handler(event, obj) if handler else IGNORED


# --- The endpoint --------------------------------------------------------------------------


def _refuse(detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=400)


@csrf_exempt  # Stripe signs its requests instead; it has no CSRF token to send
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    """Receive a Stripe event: verify its signature, then apply it once."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        logger.error("A Stripe event arrived but STRIPE_WEBHOOK_SECRET is not set")
        return _refuse(_("This site does not accept Stripe events."), "webhook_not_configured")
    try:
        payload = request.body.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            payload, request.headers.get("Stripe-Signature"), secret, TOLERANCE_SECONDS
        )
    except UnicodeDecodeError:
        return _refuse(_("The event is not valid UTF-8."), "bad_payload")
    except stripe.SignatureVerificationError as e:
        logger.warning("Refused a Stripe event: %s", e)
        return _refuse(
            _("The Stripe-Signature header is missing, stale or does not match."),
            "bad_signature",
        )
    try:
        outcome = stripe_event_handle(event=_obj(json.loads(payload), "the event"))
    except (json.JSONDecodeError, MalformedEvent) as e:
        logger.warning("Refused a malformed Stripe event: %s", e)
        return _refuse(_("The event is not shaped like a Stripe event."), "bad_payload")
    return JsonResponse({"received": True, "outcome": outcome})
