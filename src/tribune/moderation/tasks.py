"""Periodic tasks of moderation: trust levels (and the community notes scorer).

The task worker (`tribune serve`, or the huey consumer with Redis) runs them on
their schedule; `tribune trust recompute` runs the trust one at once.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tribune.moderation.notes import notes_score
from tribune.moderation.trust import trust_recompute_all

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="7"))  # type: ignore[untyped-decorator]  # huey is untyped
def recompute_trust_levels() -> None:
    """Every hour: recompute every member's trust level, with hysteresis (moderation.trust)."""
    summary = trust_recompute_all()
    logger.info(
        "Trust levels of %d members recomputed: %d promoted, %d demoted",
        summary.members,
        len(summary.promoted),
        len(summary.demoted),
    )


@db_periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]  # huey is untyped
def score_community_notes() -> None:
    """Every 15 minutes: score the community notes from their ratings (moderation.notes)."""
    run = notes_score()
    logger.info(
        "Community notes scored: %d rated, %d changed status, %d helpful",
        run.scored,
        run.changed,
        run.helpful,
    )
