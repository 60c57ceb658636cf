from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, F, Func, OuterRef, QuerySet, Subquery
from django.db.models.functions import Upper

from tribune.accounts.models import Member, MemberFollow
from tribune.accounts.permissions import Viewer, can_view_profiles
from tribune.core.exceptions import NotFound
from tribune.core.pagination import paginate_keyset


def members_named(username: str) -> QuerySet[Member]:
    """The members called `username` in any letter case (usernames are ASCII), read
    through the index on the upper-cased name (`iexact` is LIKE on SQLite, which no
    index serves)."""
    if not username.isascii():  # "ß".upper() is "SS": no such name is ASCII's upper case
        return Member.objects.none()
    return Member.objects.alias(username_upper=Upper("username")).filter(
        username_upper=username.upper()
    )


def member_get_profile(*, viewer: Viewer, username: str) -> Member:
    """The member behind a profile page; NotFound if unknown or not visible to `viewer`."""
    if not can_view_profiles(viewer):
        raise NotFound
    # Usernames are unique as written and, through sign-up, regardless of case: the name
    # as written is one seek on the username index; an address typed in another case
    # (/u/Ada/ for ada) is one seek on the index of the upper-cased names.
    found = Member.objects.filter(username=username, is_active=True).first()
    if found is None:
        found = members_named(username).filter(is_active=True).first()
    if found is None:
        raise NotFound
    return found


# --- Follows ---------------------------------------------------------------------


@dataclass(frozen=True)
class FollowSummary:
    """What a profile says about follows: counts, and how the viewer and the member relate."""

    follower_count: int
    following_count: int
    following: bool  # the viewer follows the member
    follows_you: bool  # the member follows the viewer

    @property
    def friends(self) -> bool:
        return self.following and self.follows_you


def _count_of(rows: QuerySet[MemberFollow]) -> Subquery:
    # COUNT without GROUP BY: one row, 0 when nothing matches.
    return Subquery(rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))


def member_follow_summary(*, viewer: Viewer, member: Member) -> FollowSummary:
    """Follower and following counts of `member`, and the viewer's follows, in one query."""
    # Counted among active members, as the lists show them; each count is an index range.
    row = Member.objects.filter(pk=member.pk).annotate(
        follower_total=_count_of(
            MemberFollow.objects.filter(followed_id=OuterRef("pk"), follower__is_active=True)
        ),
        following_total=_count_of(
            MemberFollow.objects.filter(follower_id=OuterRef("pk"), followed__is_active=True)
        ),
    )
    if viewer.is_authenticated and viewer.pk != member.pk:
        row = row.annotate(
            viewer_follows=Exists(
                MemberFollow.objects.filter(follower_id=viewer.pk, followed_id=OuterRef("pk"))
            ),
            follows_viewer=Exists(
                MemberFollow.objects.filter(follower_id=OuterRef("pk"), followed_id=viewer.pk)
            ),
        )
    values = row.values(*row.query.annotations).first() or {}
    return FollowSummary(
        follower_count=values.get("follower_total") or 0,
        following_count=values.get("following_total") or 0,
        following=bool(values.get("viewer_follows")),
        follows_you=bool(values.get("follows_viewer")),
    )


def member_is_followed(*, viewer: Viewer, member: Member) -> bool:
    """Whether the viewer follows `member` (False for visitors and for oneself)."""
    if not viewer.is_authenticated or viewer.pk == member.pk:
        return False
    return MemberFollow.objects.filter(follower_id=viewer.pk, followed=member).exists()


def members_followed(*, viewer: Viewer, member_ids: Iterable[int]) -> set[int]:
    """Which of these members the viewer follows, in one query for a whole list."""
    ids = list(member_ids)
    if not viewer.is_authenticated or not ids:
        return set()
    return set(
        MemberFollow.objects.filter(follower_id=viewer.pk, followed_id__in=ids).values_list(
            "followed_id", flat=True
        )
    )


@dataclass(frozen=True)
class FollowEntry:
    """One line of a followers or following list."""

    member: Member
    since: dt.datetime
    friends: bool  # the two follow each other


@dataclass(frozen=True)
class FollowPage:
    """A page of a followers or following list, with the cursor of the next."""

    items: list[FollowEntry]
    next_cursor: str | None


def _follow_list(
    queryset: QuerySet[MemberFollow],
    *,
    side: str,
    cursor: str | None,
    limit: int | str | None,
) -> FollowPage:
    # A follow is mutual when the reverse row exists: one index lookup per row, same query.
    mutual = MemberFollow.objects.filter(
        follower_id=OuterRef("followed_id"), followed_id=OuterRef("follower_id")
    )
    queryset = queryset.filter(**{f"{side}__is_active": True}).select_related(side)
    page = paginate_keyset(queryset.annotate(mutual=Exists(mutual)), cursor=cursor, limit=limit)
    return FollowPage(
        items=[
            FollowEntry(member=getattr(row, side), since=row.created_at, friends=row.mutual)  # type: ignore[attr-defined]  # annotated
            for row in page.items
        ],
        next_cursor=page.next_cursor,
    )


def member_followers(
    *, viewer: Viewer, member: Member, cursor: str | None = None, limit: int | str | None = None
) -> FollowPage:
    """Who follows `member`, latest follow first; friends (mutual follows) marked."""
    if not can_view_profiles(viewer):
        raise NotFound
    return _follow_list(
        MemberFollow.objects.filter(followed=member), side="follower", cursor=cursor, limit=limit
    )


def member_following(
    *, viewer: Viewer, member: Member, cursor: str | None = None, limit: int | str | None = None
) -> FollowPage:
    """Whom `member` follows, latest follow first; friends (mutual follows) marked."""
    if not can_view_profiles(viewer):
        raise NotFound
    return _follow_list(
        MemberFollow.objects.filter(follower=member), side="followed", cursor=cursor, limit=limit
    )


MAX_MENTIONS = 50


def mentioned_members(
    *, viewer: Viewer, usernames: Iterable[str], limit: int = MAX_MENTIONS
) -> dict[str, str]:
    """Which mentioned names are members whose profile the viewer may open, in one query.

    Maps each name as written to the member's username. Names match as written or
    lower-cased, so that the lookup stays on the username index (a case-insensitive
    match would scan every member).
    """
    written = list(dict.fromkeys(usernames))[:limit]
    if not written or not can_view_profiles(viewer):
        return {}
    candidates = set(written) | {name.lower() for name in written}
    found = set(
        Member.objects.filter(username__in=candidates, is_active=True).values_list(
            "username", flat=True
        )
    )
    result: dict[str, str] = {}
    for name in written:
        if name in found:
            result[name] = name
        elif name.lower() in found:
            result[name] = name.lower()
    return result
