"""Trust levels 0 to 3: what each takes, and how a member's counts move them, with hysteresis.

Pure rules, no database: trust.services counts and stores. As Discourse does, a member
is promoted only when they meet every requirement of the next level, and demoted only
when a requirement of their level falls below 90% of it, so that a level does not flip
back and forth around a threshold. Upheld reports are a penalty, not noise: past a
level's allowance they demote at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_LEVEL = 3
# A level is kept while each requirement holds at 90% of it or more (Discourse's rule).
HOLD_PERCENT = 90
# Upheld reports count for this long; older ones no longer weigh on a member.
REPORT_WINDOW_DAYS = 180


@dataclass(frozen=True)
class Requirements:
    """What a level takes: at least `days`, `edits`, `comments`, `vouches`; at most `reports`."""

    days: int  # days since admission (or sign-up)
    edits: int  # live revisions they wrote (posts, their edits, descriptions)
    comments: int  # visible comments
    vouches: int  # vouches from members at level 2+ (or staff and site moderators)
    reports: int  # upheld reports against them, by distinct target, in REPORT_WINDOW_DAYS


# What each level takes, lowest first; each level asks at least as much as the one below
# (docs/trust.md shows this table to members: change both together).
#   1 basic:     a few days and a first contribution; may vouch and write notes.
#   2 trusted:   a month of steady contributions and a trusted member's word; edits to
#                reviewed posts go live, may approve pending edits and patrol.
#   3 veteran:   half a year, many contributions, several trusted members' word, and no
#                upheld report; may also roll back a member's consecutive edits.
REQUIREMENTS: dict[int, Requirements] = {
    1: Requirements(days=2, edits=1, comments=3, vouches=0, reports=1),
    2: Requirements(days=30, edits=20, comments=20, vouches=1, reports=1),
    3: Requirements(days=180, edits=100, comments=50, vouches=3, reports=0),
}
# The "at least" requirements, in the order the profile lists them; `reports` is "at most".
MINIMUMS = ("days", "edits", "comments", "vouches")
NAMES = (*MINIMUMS, "reports")


@dataclass(frozen=True)
class Counts:
    """The numbers a member's level is computed from."""

    days: int = 0
    edits: int = 0
    comments: int = 0
    vouches: int = 0
    reports: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in NAMES}


def _holds_at(value: int, needed: int, percent: int) -> bool:
    # Integer arithmetic: 18 of 20 holds at 90%, 17 does not.
    return value * 100 >= needed * percent


def _check(level: int, counts: Counts, *, percent: int) -> bool:
    rules = REQUIREMENTS[level]
    if counts.reports > rules.reports:
        return False
    return all(_holds_at(getattr(counts, n), getattr(rules, n), percent) for n in MINIMUMS)


def level_for(counts: Counts, current: int) -> tuple[int, str]:
    """The level a member at `current` has with these counts, and how it changed.

    Promotion needs every requirement of the next level; demotion happens only when a
    requirement of the current level falls below HOLD_PERCENT of it, or at once when
    upheld reports pass the level's allowance ("penalty").
    """
    level = min(max(current, 0), MAX_LEVEL)
    change = "kept"
    while level > 0 and not _check(level, counts, percent=HOLD_PERCENT):
        if counts.reports > REQUIREMENTS[level].reports:
            change = "penalty"
        elif change != "penalty":
            change = "demoted"
        level -= 1
    while level < MAX_LEVEL and _check(level + 1, counts, percent=100):
        level += 1
        change = "promoted"
    return level, change


def _checks(level: int, counts: Counts) -> list[dict[str, Any]]:
    """Each requirement of `level` against the counts, as the profile lists them."""
    rules = REQUIREMENTS[level]
    rows = []
    for name in NAMES:
        value, needed = getattr(counts, name), getattr(rules, name)
        if name == "reports":
            met = held = value <= needed
        else:
            met = value >= needed
            held = _holds_at(value, needed, HOLD_PERCENT)
        rows.append({"name": name, "value": value, "needed": needed, "met": met, "held": held})
    return rows


def reasons_for(counts: Counts, previous: int, level: int, change: str) -> dict[str, Any]:
    """What the TrustRecord keeps: the numbers, and which requirement was met or missed."""
    return {
        "counts": counts.as_dict(),
        "previous": previous,
        "change": change,
        # Why the level is what it is, and what the next one takes.
        "current": _checks(level, counts) if level > 0 else [],
        "next": _checks(level + 1, counts) if level < MAX_LEVEL else [],
    }
