"""Demo follows between members, several of them mutual (friends), so that home feeds
and the followers / following lists are lived-in."""

from __future__ import annotations

from functools import partial

from tribune.accounts.models import Member, MemberFollow
from tribune.accounts.services import member_follow
from tribune.core.demo import DemoStep
from tribune.core.exceptions import ServiceError

# (follower, followed). Pairs listed both ways are friends.
FOLLOWS: tuple[tuple[str, str], ...] = (
    ("camille", "priya"),
    ("priya", "camille"),
    ("camille", "theo"),
    ("theo", "camille"),
    ("camille", "mireille"),
    ("theo", "priya"),
    ("lea", "mireille"),
    ("mireille", "lea"),
    ("lea", "camille"),
    ("amara", "priya"),
    ("amara", "haruka"),
    ("haruka", "amara"),
    ("jonas", "haruka"),
    ("jonas", "liam"),
    ("liam", "jonas"),
    ("priya", "amara"),
    ("sofia", "camille"),
    ("sofia", "liam"),
    ("noah", "haruka"),
    ("noah", "mireille"),
    ("haruka", "jonas"),
    ("mireille", "camille"),
)


def _follow(follower: str, followed: str) -> bool:
    actor = Member.objects.get(username=follower)
    member = Member.objects.get(username=followed)
    if MemberFollow.objects.filter(follower=actor, followed=member).exists():
        return False
    try:
        return member_follow(actor=actor, member=member)
    except ServiceError:
        return False  # someone else took this demo username and may not follow


def steps() -> list[DemoStep]:
    """One step per follow."""
    return [
        DemoStep(f"{follower} follows {followed}", partial(_follow, follower, followed))
        for follower, followed in FOLLOWS
    ]
