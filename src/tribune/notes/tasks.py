"""The periodic task of community notes: the scorer, every 15 minutes.

The task worker (`tribune serve`, or the huey consumer with Redis) runs it on its
schedule; `tribune notes score` runs it at once.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from tribune.notes.services import notes_score

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]  # huey is untyped
def score_community_notes() -> None:
    """Every 15 minutes: score the community notes from their ratings (notes.services)."""
    run = notes_score()
    logger.info(
        "Community notes scored: %d rated, %d changed status, %d helpful",
        run.scored,
        run.changed,
        run.helpful,
    )
