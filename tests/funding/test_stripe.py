"""Stripe: Checkout sessions against a local stand-in for Stripe's API, and webhook events
signed here with Stripe's algorithm. Nothing reaches Stripe.

The stand-in is a small HTTP server on 127.0.0.1 that records what the official
`stripe` package sends and answers like Stripe (or fails like a Stripe that is down).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.factories import MemberFactory, make_post
from tests.stripe_fake import API_KEY, SECRET
from tribune.accounts.models import Access, Member
from tribune.funding.models import Donation, DonationStatus, Payment, ProviderEvent
from tribune.funding.periods import add_months
from tribune.funding.services import ProviderError, donation_create
from tribune.posts.models import Post

URL = "/funding/webhooks/stripe"
DAY = 24 * 3600

pytestmark = pytest.mark.django_db


def donate(
    member: Member, amount: str = "13.00", currency: str = "EUR", interval: str = "once"
) -> Donation:
    donation, _instructions = donation_create(
        member=member,
        amount=amount,
        currency=currency,
        interval=interval,
        success_url="https://tribune.example/donate/thanks/",
        cancel_url="https://tribune.example/donate/",
    )
    return donation


# --- Events, signed as Stripe signs them --------------------------------------------------


def sign(payload: str, *, secret: str = SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header: HMAC-SHA256 of "{timestamp}.{payload}" with the secret."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def deliver(event: dict[str, Any] | str, client: Client | None = None, **signing: Any):
    payload = event if isinstance(event, str) else json.dumps(event)
    return (client or Client()).post(
        URL,
        payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign(payload, **signing)},
    )


def event(kind: str, obj: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": created or int(time.time()),
        "type": kind,
        "livemode": False,
        "pending_webhooks": 1,
        "data": {"object": obj},
    }


def checkout_completed(
    donation: Donation,
    *,
    kind: str = "checkout.session.completed",
    payment_status: str = "paid",
    subscription: str | None = None,
    session_id: str | None = None,
    amount_total: int | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    once = donation.interval == "once"
    factor = 1 if donation.currency == "JPY" else 100
    session = {
        "id": session_id or donation.checkout_session,
        "object": "checkout.session",
        "mode": "payment" if once else "subscription",
        "status": "complete",
        "payment_status": payment_status,
        "client_reference_id": str(donation.pk),
        "metadata": {"donation_id": str(donation.pk)},
        "amount_total": int(donation.amount * factor) if amount_total is None else amount_total,
        "currency": donation.currency.lower(),
        "payment_intent": f"pi_{donation.pk}" if once else None,
        "subscription": subscription,
    }
    return event(kind, session, created=created)


def invoice_paid(
    donation: Donation,
    subscription: str,
    *,
    invoice_id: str,
    period_end: int,
    shape: str = "current",
    amount_paid: int | None = None,
) -> dict[str, Any]:
    """invoice.paid as the current API version shapes it, or as versions before 2025-03-31."""
    metadata = {"donation_id": str(donation.pk)}
    period_start = period_end - 30 * DAY
    line: dict[str, Any] = {
        "id": f"il_{invoice_id}",
        "object": "line_item",
        "amount": int(donation.amount * 100),
        "currency": donation.currency.lower(),
        "metadata": metadata,
        "period": {"start": period_start, "end": period_end},
    }
    invoice: dict[str, Any] = {
        "id": invoice_id,
        "object": "invoice",
        "status": "paid",
        "amount_paid": int(donation.amount * 100) if amount_paid is None else amount_paid,
        "currency": donation.currency.lower(),
        "created": period_start,
        # An invoice's own period is the one *before* (what it bills in arrears).
        "period_start": period_start - 30 * DAY,
        "period_end": period_start,
        "status_transitions": {"paid_at": period_start + 60},
        "lines": {"object": "list", "data": [line], "has_more": False},
    }
    if shape == "current":
        invoice["parent"] = {
            "type": "subscription_details",
            "subscription_details": {"subscription": subscription, "metadata": metadata},
        }
        line["parent"] = {
            "type": "subscription_item_details",
            "subscription_item_details": {"subscription": subscription},
        }
    else:
        invoice["subscription"] = subscription
        invoice["subscription_details"] = {"metadata": metadata}
        line["subscription"] = subscription
    return event("invoice.paid", invoice)


def subscription_deleted(donation: Donation, subscription: str) -> dict[str, Any]:
    ended = int(time.time())
    return event(
        "customer.subscription.deleted",
        {
            "id": subscription,
            "object": "subscription",
            "status": "canceled",
            "metadata": {"donation_id": str(donation.pk)},
            "canceled_at": ended,
            "ended_at": ended,
        },
    )


def at(timestamp: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)


def in_days(days: int) -> int:
    return int(time.time()) + days * DAY


def reloaded(obj):
    obj.refresh_from_db()
    return obj


# --- Starting a Checkout session ----------------------------------------------------------


def test_a_one_time_gift_opens_a_payment_checkout_in_cents(stripe_api, settings):
    settings.SITE_NAME = "Tribune"
    member = MemberFactory.create()
    donation = donate(member, amount="13.50")

    call = stripe_api.calls[-1]
    assert call["path"] == "/v1/checkout/sessions"
    assert call["headers"]["Authorization"] == f"Bearer {API_KEY}"
    form = stripe_api.form()
    assert form["mode"] == "payment"
    assert form["submit_type"] == "donate"
    assert form["line_items[0][quantity]"] == "1"
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["line_items[0][price_data][unit_amount]"] == "1350"
    assert form["line_items[0][price_data][product_data][name]"] == "Support Tribune"
    assert not any("recurring" in key for key in form)
    assert form["metadata[donation_id]"] == str(donation.pk)
    assert form["client_reference_id"] == str(donation.pk)
    assert form["customer_email"] == member.email
    assert form["success_url"] == "https://tribune.example/donate/thanks/"
    assert form["cancel_url"] == "https://tribune.example/donate/"
    assert donation.status == DonationStatus.PENDING
    assert donation.checkout_session is not None
    assert donation.checkout_session.startswith("cs_test_")
    assert reloaded(donation).checkout_url == (
        f"https://checkout.stripe.com/c/pay/{donation.checkout_session}"
    )


@pytest.mark.parametrize("interval", ["month", "year"])
def test_a_recurring_gift_opens_a_subscription_checkout(stripe_api, interval):
    donation = donate(MemberFactory.create(), amount="100.00", currency="USD", interval=interval)

    form = stripe_api.form()
    assert form["mode"] == "subscription"
    assert "submit_type" not in form
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][price_data][unit_amount]"] == "10000"
    assert form["line_items[0][price_data][recurring][interval]"] == interval
    # Invoices carry the subscription's metadata back, whatever order events come in.
    assert form["subscription_data[metadata][donation_id]"] == str(donation.pk)
    assert form["metadata[donation_id]"] == str(donation.pk)


def test_yen_are_sent_whole_since_they_have_no_cents(stripe_api):
    donate(MemberFactory.create(), amount="2000", currency="JPY")

    form = stripe_api.form()
    assert form["line_items[0][price_data][currency]"] == "jpy"
    assert form["line_items[0][price_data][unit_amount]"] == "2000"


@pytest.mark.parametrize("behaviour", ["error", "close"])
def test_stripe_down_cancels_the_pledge_and_answers_502(stripe_api, behaviour, caplog):
    stripe_api.behaviour = behaviour
    member = MemberFactory.create()

    with pytest.raises(ProviderError) as raised:
        donate(member)

    assert raised.value.status == 502
    assert len(stripe_api.calls) == 2  # tried again once, then gave up
    donation = Donation.objects.get(member=member)
    assert donation.status == DonationStatus.CANCELLED
    assert donation.checkout_url == ""
    assert "Stripe refused a checkout session" in caplog.text


# --- The signature ------------------------------------------------------------------------


@pytest.fixture
def pending(stripe_api) -> Donation:
    """A waitlisted member's one-time gift of 13 EUR, at Stripe's checkout."""
    return donate(MemberFactory.create(access=Access.WAITLISTED, waitlist_key=1))


def assert_nothing_changed(donation: Donation) -> None:
    assert not ProviderEvent.objects.exists()
    assert not Payment.objects.exists()
    assert reloaded(donation).status == DonationStatus.PENDING
    member = reloaded(donation.member)
    assert member.supporter_until is None
    assert member.access == Access.WAITLISTED


def test_a_bad_signature_is_refused_and_changes_nothing(pending):
    response = deliver(checkout_completed(pending), secret="whsec_someone_else")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_signature"
    assert response.json()["detail"]
    assert_nothing_changed(pending)


def test_a_tampered_payload_is_refused(pending):
    original = json.dumps(checkout_completed(pending))
    header = sign(original)
    tampered = original.replace('"amount_total": 1300', '"amount_total": 9900')
    assert tampered != original

    response = Client().post(
        URL, tampered, content_type="application/json", headers={"Stripe-Signature": header}
    )

    assert response.status_code == 400
    assert_nothing_changed(pending)


def test_a_missing_signature_is_refused(pending):
    response = Client().post(
        URL, json.dumps(checkout_completed(pending)), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "bad_signature"
    assert_nothing_changed(pending)


def test_a_stale_event_is_refused(pending):
    response = deliver(checkout_completed(pending), timestamp=int(time.time()) - 301)

    assert response.status_code == 400
    assert response.json()["code"] == "bad_signature"
    assert_nothing_changed(pending)


def test_without_a_webhook_secret_no_event_is_accepted(pending, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = deliver(checkout_completed(pending), secret="")

    assert response.status_code == 400
    assert response.json()["code"] == "webhook_not_configured"
    assert_nothing_changed(pending)


def test_a_get_is_not_allowed(db):
    assert Client().get(URL).status_code == 405


@pytest.mark.parametrize(
    "payload",
    [
        "this is not JSON",
        "[1, 2, 3]",
        json.dumps({"id": "evt_1", "type": "checkout.session.completed", "data": {}}),
    ],
)
def test_a_signed_but_malformed_payload_is_refused(pending, payload):
    response = deliver(payload)

    assert response.status_code == 400
    assert response.json()["code"] == "bad_payload"
    assert_nothing_changed(pending)


def test_an_event_missing_its_amount_is_refused_and_not_recorded(pending):
    bad = checkout_completed(pending)
    del bad["data"]["object"]["amount_total"]

    response = deliver(bad)

    assert response.status_code == 400
    assert_nothing_changed(pending)
    # Fixed by Stripe and sent again, it is handled.
    assert deliver(checkout_completed(pending)).status_code == 200
    assert Payment.objects.count() == 1


# --- One-time gifts -----------------------------------------------------------------------


def test_a_paid_checkout_makes_the_member_a_supporter_and_admits_them(pending):
    sent = checkout_completed(pending)

    response = deliver(sent)

    assert response.status_code == 200
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency) == (Decimal("13.00"), "EUR")
    assert payment.reference == f"stripe:pi_{pending.pk}"
    assert payment.donation == pending
    donation = reloaded(pending)
    assert donation.status == DonationStatus.CONFIRMED
    member = reloaded(pending.member)
    # 13 EUR is the suggested monthly amount: one month, from when Stripe took it.
    assert member.supporter_until == add_months(at(sent["created"]), 1)
    assert member.is_supporter
    assert member.access == Access.ADMITTED
    assert member.waitlist_key is None


def test_the_same_event_twice_counts_once(pending):
    sent = checkout_completed(pending)

    first, second = deliver(sent), deliver(sent)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["outcome"] == "replay"
    assert Payment.objects.count() == 1
    assert ProviderEvent.objects.count() == 1
    assert reloaded(pending.member).supporter_until == add_months(at(sent["created"]), 1)


def test_two_events_for_the_same_payment_count_once(pending):
    deliver(checkout_completed(pending))
    again = checkout_completed(pending)  # another event id, the same payment

    assert deliver(again).status_code == 200

    assert Payment.objects.count() == 1
    assert ProviderEvent.objects.count() == 2


def test_yen_come_back_whole(stripe_api):
    donation = donate(MemberFactory.create(), amount="2000", currency="JPY")

    deliver(checkout_completed(donation))

    payment = Payment.objects.get()
    assert (payment.amount, payment.currency) == (Decimal("2000.00"), "JPY")


def test_a_payment_still_clearing_counts_when_it_succeeds(pending):
    deliver(checkout_completed(pending, payment_status="unpaid"))

    assert not Payment.objects.exists()
    assert reloaded(pending).status == DonationStatus.PENDING

    deliver(checkout_completed(pending, kind="checkout.session.async_payment_succeeded"))

    assert Payment.objects.count() == 1
    assert reloaded(pending).status == DonationStatus.CONFIRMED


def test_a_checkout_that_is_not_the_donations_is_ignored(pending):
    response = deliver(checkout_completed(pending, session_id="cs_test_someone_else"))

    assert response.status_code == 200
    assert not Payment.objects.exists()
    assert reloaded(pending).status == DonationStatus.PENDING


def test_an_unknown_donation_is_acknowledged_and_logged(pending, caplog):
    stranger = checkout_completed(pending)
    stranger["data"]["object"]["metadata"] = {"donation_id": "999999"}
    stranger["data"]["object"]["client_reference_id"] = None

    response = deliver(stranger)

    # Stripe would retry a failure for days; this one cannot get better.
    assert response.status_code == 200
    assert response.json()["outcome"] == "unknown_donation"
    assert "names no donation of ours" in caplog.text
    assert not Payment.objects.exists()
    assert ProviderEvent.objects.count() == 1


def test_other_event_types_are_recorded_and_ignored(pending):
    response = deliver(event("customer.created", {"id": "cus_1", "object": "customer"}))

    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert ProviderEvent.objects.get().kind == "customer.created"
    assert not Payment.objects.exists()


# --- Subscriptions ------------------------------------------------------------------------


@pytest.fixture
def monthly(stripe_api) -> Donation:
    """A waitlisted member's monthly gift of 13 EUR, at Stripe's checkout."""
    return donate(MemberFactory.create(access=Access.WAITLISTED, waitlist_key=1), interval="month")


@pytest.mark.parametrize("shape", ["current", "legacy"])
def test_a_subscription_is_confirmed_then_each_paid_month_extends_support(monthly, shape):
    deliver(checkout_completed(monthly, subscription="sub_1"))

    donation = reloaded(monthly)
    assert donation.status == DonationStatus.CONFIRMED
    assert donation.subscription == "sub_1"
    assert not Payment.objects.exists()  # the money comes with the invoice

    first_end, second_end = in_days(30), in_days(61)
    deliver(invoice_paid(monthly, "sub_1", invoice_id="in_1", period_end=first_end, shape=shape))

    member = reloaded(monthly.member)
    assert member.supporter_until == at(first_end)
    assert member.access == Access.ADMITTED
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency, payment.reference) == (
        Decimal("13.00"),
        "EUR",
        "stripe:in_1",
    )
    assert payment.period_end == at(first_end)

    deliver(invoice_paid(monthly, "sub_1", invoice_id="in_2", period_end=second_end, shape=shape))

    assert Payment.objects.count() == 2
    assert reloaded(monthly.member).supporter_until == at(second_end)


def test_an_invoice_paid_before_the_checkout_completes_still_counts(monthly):
    end = in_days(30)

    response = deliver(invoice_paid(monthly, "sub_1", invoice_id="in_1", period_end=end))

    assert response.status_code == 200
    donation = reloaded(monthly)
    assert donation.subscription == "sub_1"
    assert donation.status == DonationStatus.CONFIRMED
    assert reloaded(monthly.member).supporter_until == at(end)

    deliver(checkout_completed(monthly, subscription="sub_1"))

    assert Payment.objects.count() == 1
    assert reloaded(monthly).status == DonationStatus.CONFIRMED
    assert reloaded(monthly.member).supporter_until == at(end)


def test_an_invoice_found_by_its_lines_alone(monthly):
    sent = invoice_paid(monthly, "sub_1", invoice_id="in_1", period_end=in_days(30))
    del sent["data"]["object"]["parent"]  # only the line says whose it is

    deliver(sent)

    assert reloaded(monthly).subscription == "sub_1"
    assert Payment.objects.count() == 1


def test_the_same_invoice_twice_counts_once(monthly):
    deliver(checkout_completed(monthly, subscription="sub_1"))
    sent = invoice_paid(monthly, "sub_1", invoice_id="in_1", period_end=in_days(30))

    deliver(sent)
    deliver(sent)

    assert Payment.objects.count() == 1


def test_ending_a_subscription_keeps_the_paid_period_and_everything_written(monthly):
    member = monthly.member
    member.access = Access.ADMITTED
    member.waitlist_key = None
    member.save()
    post = make_post(member, title="Written while supporting")
    end = in_days(30)
    deliver(checkout_completed(monthly, subscription="sub_1"))
    deliver(invoice_paid(monthly, "sub_1", invoice_id="in_1", period_end=end))

    response = deliver(subscription_deleted(monthly, "sub_1"))

    assert response.status_code == 200
    donation = reloaded(monthly)
    assert donation.status == DonationStatus.CANCELLED
    assert donation.cancelled_at is not None
    member = reloaded(member)
    assert member.supporter_until == at(end)
    assert member.is_supporter
    assert member.access == Access.ADMITTED
    assert Post.objects.get(pk=post.pk).title == "Written while supporting"
    assert Payment.objects.count() == 1


def test_a_subscription_ended_before_its_invoice_arrives_still_counts_the_payment(monthly):
    deliver(checkout_completed(monthly, subscription="sub_1"))
    end = in_days(30)

    deliver(subscription_deleted(monthly, "sub_1"))
    deliver(invoice_paid(monthly, "sub_1", invoice_id="in_1", period_end=end))

    assert reloaded(monthly).status == DonationStatus.CANCELLED
    assert Payment.objects.count() == 1
    assert reloaded(monthly.member).supporter_until == at(end)


def test_an_invoice_of_another_subscription_is_not_credited(monthly):
    deliver(checkout_completed(monthly, subscription="sub_1"))
    other = invoice_paid(monthly, "sub_other", invoice_id="in_9", period_end=in_days(30))

    response = deliver(other)

    assert response.status_code == 200
    assert response.json()["outcome"] == "unknown_donation"
    assert not Payment.objects.exists()


def test_an_invoice_of_nothing_of_ours_is_ignored(monthly):
    stray = event(
        "invoice.paid",
        {"id": "in_x", "object": "invoice", "amount_paid": 500, "currency": "eur", "lines": {}},
    )

    assert deliver(stray).json()["outcome"] == "ignored"
    assert not Payment.objects.exists()


# --- Deliveries racing ---------------------------------------------------------------------


def race(payloads: list[str]) -> list[int]:
    """Deliver each payload from its own thread at the same moment; their statuses."""
    barrier = threading.Barrier(len(payloads))
    statuses: list[int] = []
    headers = [sign(payload) for payload in payloads]

    def send(n: int) -> None:
        try:
            client = Client()
            barrier.wait(timeout=30)
            response = client.post(
                URL,
                payloads[n],
                content_type="application/json",
                headers={"Stripe-Signature": headers[n]},
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_four_times_at_once_counts_once(stripe_api):
    donation = donate(MemberFactory.create(access=Access.WAITLISTED, waitlist_key=1))
    sent = checkout_completed(donation)

    statuses = race([json.dumps(sent)] * 4)

    assert statuses == [200] * 4
    assert Payment.objects.count() == 1
    assert ProviderEvent.objects.count() == 1
    member = reloaded(donation.member)
    assert member.supporter_until == add_months(at(sent["created"]), 1)
    assert member.access == Access.ADMITTED


@pytest.mark.django_db(transaction=True)
def test_two_invoices_at_once_both_count(stripe_api):
    donation = donate(MemberFactory.create(), interval="month")
    deliver(checkout_completed(donation, subscription="sub_1"))
    first_end, second_end = in_days(30), in_days(61)

    statuses = race(
        [
            json.dumps(invoice_paid(donation, "sub_1", invoice_id="in_1", period_end=first_end)),
            json.dumps(invoice_paid(donation, "sub_1", invoice_id="in_2", period_end=second_end)),
        ]
    )

    assert statuses == [200, 200]
    assert sorted(Payment.objects.values_list("reference", flat=True)) == [
        "stripe:in_1",
        "stripe:in_2",
    ]
    assert reloaded(donation.member).supporter_until == at(second_end)
