"""The periodic task of trust: every member's level, recomputed every hour.

The task worker (`tribune serve`, or the huey consumer with Redis) runs it on its
schedule; `tribune trust recompute` runs it at once.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tribune.trust.services import trust_recompute_all

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="7"))  # type: ignore[untyped-decorator]  # huey is untyped
def recompute_trust_levels() -> None:
    """Every hour: recompute every member's trust level, with hysteresis (trust.services)."""
    summary = trust_recompute_all()
    logger.info(
        "Trust levels of %d members recomputed: %d promoted, %d demoted",
        summary.members,
        len(summary.promoted),
        len(summary.demoted),
    )
