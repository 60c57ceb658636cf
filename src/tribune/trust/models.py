"""Vouches between members, and the reasons behind each member's trust level."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Vouch(models.Model):
    """A member says they trust another (as Trust Café); counts towards trust levels."""

    voucher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vouches_given"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vouches_received"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["voucher", "member"], name="vouch_once"),
            models.CheckConstraint(
                condition=~models.Q(voucher=models.F("member")), name="vouch_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_id} vouches for {self.member_id}"


class TrustRecord(models.Model):
    """Why a member has their trust level: the periodic task's last reckoning."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trust_record"
    )
    level = models.PositiveSmallIntegerField(default=0)
    # What counted, for the profile: {"tenure_days": 40, "accepted_edits": 12, ...}.
    reasons = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"trust {self.level} for {self.member_id}"
