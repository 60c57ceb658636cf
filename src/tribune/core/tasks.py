"""Periodic housekeeping of shared tables."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tribune.core.ratelimit import rate_counters_prune

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]  # huey is untyped
def prune_rate_counters() -> None:
    """Every quarter hour: drop the rate-limit counters of windows that have ended."""
    deleted = rate_counters_prune()
    if deleted:
        logger.info("Rate limits: %d ended counters deleted", deleted)
