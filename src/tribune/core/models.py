"""Shared tables that belong to no one app."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """Requests counted in one fixed window of one rate limit (core.ratelimit, without Redis).

    Times are whole seconds since the epoch: the counter is written by one raw upsert
    per request, and integers need no conversion on either database.
    """

    # A keyed digest of scope, who (member, address or e-mail) and period: addresses
    # and e-mails are not stored as such.
    key = models.CharField(max_length=64)
    window_start = models.BigIntegerField()
    expires_at = models.BigIntegerField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_window")
        ]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start}: {self.count}"
