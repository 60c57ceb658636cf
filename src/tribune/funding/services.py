"""Every write of funding: pledges, payments, confirmations and cancellations.

Payments are recorded by their provider reference, which is unique: a payment
reported twice (a webhook delivered again, two staff confirming at once) is
recorded once, and the supporter period it pays for is added once.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tribune.accounts.models import Access, Member
from tribune.accounts.waitlist import member_admit_supporter, waitlist_lock
from tribune.core.exceptions import Forbidden, NotFound, ServiceError
from tribune.funding.models import Donation, DonationStatus, Interval, Payment, Provider
from tribune.funding.periods import add_months, months_supported
from tribune.funding.permissions import can_confirm_donation, can_donate
from tribune.funding.providers import ProviderUnavailable, payment_provider

FUNDING_CACHE_KEY = "tribune:funding-summary"


class ProviderError(ServiceError):
    status = 502
    code = "payment_provider_unavailable"


def clean_amount(raw: object, currency: str) -> Decimal:
    """A donation amount in the currency's units, or ServiceError naming the problem."""
    try:
        amount = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise ServiceError(
            _("Enter the amount as a number, such as 13.00."),
            code="invalid_amount",
            errors={"amount": [_("Enter a number, such as 13.00.")]},
        )
    # The range first: quantizing a number with more digits than Decimal holds fails.
    low, high = settings.TRIBUNE_DONATION_MIN, settings.TRIBUNE_DONATION_MAX
    if not low <= amount <= high:
        message = _("Give from %(low)s to %(high)s %(currency)s.") % {
            "low": low,
            "high": high,
            "currency": currency,
        }
        raise ServiceError(message, code="invalid_amount", errors={"amount": [message]})
    if amount != amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise ServiceError(
            _("An amount has at most two decimal places."),
            code="invalid_amount",
            errors={"amount": [_("Use at most two decimal places.")]},
        )
    return amount.quantize(Decimal("0.01"))


def clean_currency(raw: object) -> str:
    currency = str(raw).strip().upper()
    if currency not in settings.TRIBUNE_DONATION_AMOUNTS:
        offered = ", ".join(settings.TRIBUNE_DONATION_AMOUNTS)
        message = _("Choose one of the currencies offered: %(offered)s.") % {"offered": offered}
        raise ServiceError(message, code="invalid_currency", errors={"currency": [message]})
    return currency


def clean_interval(raw: object) -> str:
    interval = str(raw).strip()
    if interval not in Interval.values:
        message = _("Choose once, month or year.")
        raise ServiceError(message, code="invalid_interval", errors={"interval": [message]})
    return interval


def donation_create(
    *,
    member: Member,
    amount: object,
    currency: object,
    interval: object,
    success_url: str,
    cancel_url: str,
) -> tuple[Donation, str]:
    """Pledge a donation and start paying it; returns it and the provider's instructions.

    The donation stays `pending` until the provider reports the payment (Stripe) or
    staff confirm it (offline).
    """
    if not can_donate(member):
        raise Forbidden(_("Your account cannot make donations."))
    errors: dict[str, list[str]] = {}
    problems: list[ServiceError] = []
    cleaned_currency = cleaned_amount = cleaned_interval = None
    try:
        cleaned_currency = clean_currency(currency)
        cleaned_amount = clean_amount(amount, cleaned_currency)
    except ServiceError as e:
        problems.append(e)
    try:
        cleaned_interval = clean_interval(interval)
    except ServiceError as e:
        problems.append(e)
    if problems or cleaned_currency is None or cleaned_amount is None or cleaned_interval is None:
        for problem in problems:
            for name, messages in (problem.errors or {}).items():
                errors.setdefault(name, []).extend(messages)
        raise ServiceError(problems[0].detail, code=problems[0].code, errors=errors)
    provider = payment_provider()
    donation = Donation.objects.create(
        member=member,
        amount=cleaned_amount,
        currency=cleaned_currency,
        interval=cleaned_interval,
        provider=provider.name,
    )
    try:
        checkout = provider.start(donation, success_url=success_url, cancel_url=cancel_url)
    except ProviderUnavailable:
        Donation.objects.filter(pk=donation.pk).update(
            status=DonationStatus.CANCELLED, cancelled_at=timezone.now()
        )
        raise ProviderError(
            _("The payment service could not be reached. Nothing was charged; please try again.")
        ) from None
    if checkout.checkout_url or checkout.session_id:
        donation.checkout_url = checkout.checkout_url
        donation.checkout_session = checkout.session_id
        donation.save(update_fields=["checkout_url", "checkout_session"])
    return donation, checkout.instructions


def donation_confirm(*, actor: Member | None, donation_id: int) -> tuple[Donation, bool]:
    """Staff confirm that an offline donation's money arrived (None: the operator's command).

    Returns the donation and whether this call confirmed it; a second confirmation,
    even at the same moment, records nothing more.
    """
    if actor is not None and not can_confirm_donation(actor):
        raise Forbidden
    donation = Donation.objects.filter(pk=donation_id).first()
    if donation is None:
        raise NotFound(_("There is no donation #%(id)s.") % {"id": donation_id})
    if donation.provider != Provider.OFFLINE:
        raise ServiceError(
            _("Only offline donations are confirmed by hand; the provider reports the others."),
            code="not_offline",
        )
    if donation.status == DonationStatus.CANCELLED:
        raise ServiceError(_("This donation was cancelled."), code="donation_cancelled")
    payment = payment_record(
        donation=donation,
        amount=donation.amount,
        currency=donation.currency,
        reference=f"offline:{donation.pk}",
    )
    donation.refresh_from_db()
    return donation, payment is not None


def payment_record(
    *,
    donation: Donation,
    amount: Decimal,
    currency: str,
    reference: str,
    paid_at: dt.datetime | None = None,
    period_end: dt.datetime | None = None,
) -> Payment | None:
    """Record money received for a donation, once per reference; None if already recorded.

    Confirms the donation, makes its member a supporter until the period paid for
    ends (never shortening a longer one), and admits them if they wait in line.
    `period_end` is the provider's when it names one; else the donation's interval
    counts from now, or from the end of the support already paid for.
    """
    paid_at = paid_at or timezone.now()
    with transaction.atomic():
        locked = Donation.objects.select_for_update().get(pk=donation.pk)
        if (
            locked.member_id is not None
            and Member.objects.filter(pk=locked.member_id, access=Access.WAITLISTED).exists()
        ):
            # Admitting takes the waitlist's lock before the member's, as e-mail
            # confirmation does: the same order here, or the two could deadlock.
            waitlist_lock()
        member = (
            Member.objects.select_for_update().filter(pk=locked.member_id).first()
            if locked.member_id
            else None
        )
        if period_end is None:
            start = max(paid_at, (member.supporter_until if member else None) or paid_at)
            months = months_supported(interval=locked.interval, amount=amount, currency=currency)
            period_end = add_months(start, months)
        try:
            with transaction.atomic():  # a savepoint: a duplicate leaves the rest intact
                payment = Payment.objects.create(
                    donation=locked,
                    member=member,
                    amount=amount,
                    currency=currency,
                    paid_at=paid_at,
                    period_end=period_end,
                    reference=reference,
                )
        except IntegrityError:
            return None
        if locked.status == DonationStatus.PENDING:
            locked.status = DonationStatus.CONFIRMED
            locked.confirmed_at = paid_at
            locked.save(update_fields=["status", "confirmed_at"])
        if member is not None:
            if member.supporter_until is None or member.supporter_until < period_end:
                member.supporter_until = period_end
                member.save(update_fields=["supporter_until"])
            if member.is_waitlisted:
                member_admit_supporter(member_id=member.pk)
        transaction.on_commit(lambda: cache.delete(FUNDING_CACHE_KEY))
    return payment


def donation_mark_confirmed(*, donation: Donation, when: dt.datetime | None = None) -> bool:
    """The provider says the donation is set up (a subscription); payments come apart."""
    updated = Donation.objects.filter(pk=donation.pk, status=DonationStatus.PENDING).update(
        status=DonationStatus.CONFIRMED, confirmed_at=when or timezone.now()
    )
    return bool(updated)


def donation_subscription_set(*, donation: Donation, subscription: str) -> bool:
    """Remember the provider's subscription for a donation; False if it names another one.

    Whichever of the provider's events arrives first sets it; the others find it.
    """
    try:
        with transaction.atomic():
            Donation.objects.filter(pk=donation.pk, subscription__isnull=True).update(
                subscription=subscription
            )
    except IntegrityError:  # another donation has it already
        return False
    return Donation.objects.filter(pk=donation.pk, subscription=subscription).exists()


def donation_cancel(*, donation: Donation, when: dt.datetime | None = None) -> bool:
    """A subscription ended or a pledge lapsed: no more payments are expected.

    The member stays a supporter until the period already paid for ends, and keeps
    everything they wrote.
    """
    updated = (
        Donation.objects.filter(pk=donation.pk)
        .exclude(status=DonationStatus.CANCELLED)
        .update(status=DonationStatus.CANCELLED, cancelled_at=when or timezone.now())
    )
    return bool(updated)
