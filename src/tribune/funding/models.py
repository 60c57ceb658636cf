"""Donations, the payments that settle them, and the payment provider's events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Interval(models.TextChoices):
    ONCE = "once", _("One time")
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")


class DonationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # pledged, or at the provider's checkout
    CONFIRMED = "confirmed", _("Confirmed")  # paid (a subscription: running)
    CANCELLED = "cancelled", _("Cancelled")  # a subscription that ended, or a lapsed pledge


class Provider(models.TextChoices):
    OFFLINE = "offline", _("Offline (confirmed by staff)")
    STRIPE = "stripe", _("Stripe")


class Donation(models.Model):
    """A member's gift or subscription, from the pledge to its end."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="donations",
        verbose_name=_("member"),
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    interval = models.CharField(_("interval"), max_length=8, choices=Interval.choices)
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=DonationStatus.choices, default=DonationStatus.PENDING
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # The provider's names for it: Stripe's checkout session and subscription ids.
    checkout_session = models.CharField(max_length=255, null=True, blank=True, unique=True)
    subscription = models.CharField(max_length=255, null=True, blank=True, unique=True)
    checkout_url = models.URLField(max_length=2000, blank=True)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        indexes = [
            models.Index(fields=["member", "-created_at", "-id"], name="donation_by_member"),
            models.Index(fields=["status", "-created_at"], name="donation_by_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="donation_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.amount} {self.currency} ({self.interval}, {self.status})"

    @property
    def reference(self) -> str:
        """What a member quotes on a bank transfer for an offline donation."""
        return f"TRIBUNE-{self.pk}"


class Payment(models.Model):
    """Money received: one per one-time donation, one per paid period of a subscription.

    `reference` is unique, so a payment reported twice (a webhook delivered again,
    two staff confirming at once) is recorded once.
    """

    donation = models.ForeignKey(
        Donation, on_delete=models.CASCADE, related_name="payments", verbose_name=_("donation")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="payments",
        verbose_name=_("member"),
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    paid_at = models.DateTimeField(_("paid"), default=timezone.now)
    # The member is a supporter until then.
    period_end = models.DateTimeField(_("supported until"))
    reference = models.CharField(_("reference"), max_length=255, unique=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [models.Index(fields=["paid_at"], name="payment_by_time")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.paid_at:%Y-%m-%d}"


class ProviderEvent(models.Model):
    """An event a payment provider sent, by its id: a replay finds it and stops."""

    provider = models.CharField(max_length=16, choices=Provider.choices)
    event_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.event_id}"
