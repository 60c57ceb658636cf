"""Reads of the feeds: the home feed (what a member follows), the global stream, and the
public items of the RSS and Atom feeds. Every list is newest first and pages by keyset
cursor on (created_at, id), so a page boundary holds while new posts arrive.

The home feed is the one list that no single index serves: its posts come from many
subwikis and members. Asking for `subwiki IN (...) OR author IN (...)` newest first
makes the database read and sort every matching post, a cost that grows with the table.
Instead each followed source is read newest first along its own index (posts by
subwiki, posts by author), from the cursor on, and the sources are merged under one
ORDER BY and LIMIT: on SQLite a UNION ALL of one arm per source, whose sorted arms it
merges as it reads them (about a page plus a row per source); on PostgreSQL a lateral
join that stops each source's index scan after a page (planned once, however many
sources). Either way the cost follows the page size and the number of sources, not the
size of the table, nor how deep the cursor is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import IntegerField, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tribune.accounts.models import Member, MemberFollow
from tribune.communities.models import Subwiki, SubwikiFollow
from tribune.communities.permissions import Viewer
from tribune.communities.selectors import subwiki_visibility_q
from tribune.core.pagination import (
    Page,
    after_cursor_q,
    clean_limit,
    cursor_values,
    encode_cursor,
    paginate_keyset,
)
from tribune.posts.models import Post
from tribune.posts.selectors import (
    post_queryset,
    post_visibility_q,
    posts_by_member,
    posts_in_subwiki,
)

KEYS = ("created_at", "id")

# SQLite refuses a compound SELECT of more than 500 arms: beyond this many sources, the
# arms are merged in groups, and the groups merged in turn (still one statement).
ARMS_PER_GROUP = 400
# A bound on the sources one feed merges, so that its statement stays within the
# databases' limits on parameters (SQLite: 32,766). Nobody reads 2,000 sources.
MAX_SOURCES_PER_KIND = 2000
# Items of an RSS or Atom feed.
SYNDICATION_ITEMS = 30

_SUBWIKI = 1
_MEMBER = 2
# Stands for a source's id while an arm's SQL is built once for all sources alike.
_SOURCE = -7_301_915_846_270_413


@dataclass(frozen=True)
class FeedSources:
    """What a home feed is made of: the subwikis and the authors it shows."""

    subwiki_ids: list[int]
    author_ids: list[int]


def home_feed_sources(viewer: Member) -> FeedSources:
    """The subwikis the viewer follows and may still read, the members they follow, and
    themself (one query)."""
    subwikis = (
        SubwikiFollow.objects.filter(member_id=viewer.pk)
        .filter(subwiki_visibility_q(viewer, prefix="subwiki__"))
        .values_list(Value(_SUBWIKI, output_field=IntegerField()), "subwiki_id")
    )
    members = MemberFollow.objects.filter(follower_id=viewer.pk).values_list(
        Value(_MEMBER, output_field=IntegerField()), "followed_id"
    )
    subwiki_ids: list[int] = []
    author_ids: list[int] = [viewer.pk]
    for kind, source_id in subwikis.union(members, all=True):
        (subwiki_ids if kind == _SUBWIKI else author_ids).append(source_id)
    # Sorted, so that a member's statement is the same text from one page to the next.
    return FeedSources(
        subwiki_ids=sorted(subwiki_ids)[:MAX_SOURCES_PER_KIND],
        author_ids=sorted(set(author_ids))[: MAX_SOURCES_PER_KIND + 1],
    )


def _source_posts(
    viewer: Member, kind: int, source: Any, after: Sequence[Any] | None
) -> QuerySet[Post]:
    """One source's posts after the cursor: those of a subwiki, or of an author."""
    if kind == _SUBWIKI:
        # The followed subwikis were filtered by visibility already (home_feed_sources).
        queryset = Post.objects.filter(subwiki_id=source, is_removed=False)
    else:
        # A followed member's posts, by the rule every post list applies.
        queryset = Post.objects.filter(post_visibility_q(viewer)).filter(author_id=source)
    if after is not None:
        queryset = queryset.filter(after_cursor_q(KEYS, after))
    return queryset


def _sql(queryset: QuerySet[Any]) -> tuple[str, list[Any]]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _compound_statement(
    viewer: Member, sources: FeedSources, after: Sequence[Any] | None, size: int
) -> tuple[str, list[Any]]:
    """SQLite: one arm per source, in one compound SELECT under one ORDER BY and LIMIT.

    SQLite reads the arms of an ordered compound as sorted streams and merges them,
    so it stops after about `rows` rows plus one per source. Each arm is built once
    and repeated with its own source id (the SQL text depends only on how many sources
    there are, so SQLite's statement cache serves a member's next page).
    """

    def arm(kind: int) -> tuple[str, list[Any]]:
        queryset = _source_posts(viewer, kind, _SOURCE, after).order_by()
        sql, params = _sql(queryset.values_list("id", "created_at"))
        if params.count(_SOURCE) != 1:  # pragma: no cover - a change of Django's SQL
            raise AssertionError("the source's id must be exactly one parameter of an arm")
        return sql, params

    def bind(params: list[Any], source_id: int) -> list[Any]:
        return [source_id if param == _SOURCE else param for param in params]

    rows = _rows_to_fetch(size)
    arms: list[tuple[str, list[Any]]] = []
    for kind, ids in ((_SUBWIKI, sources.subwiki_ids), (_MEMBER, sources.author_ids)):
        if ids:
            arm_sql, arm_params = arm(kind)
            arms += [(arm_sql, bind(arm_params, pk)) for pk in ids]
    if len(arms) <= ARMS_PER_GROUP:
        return _merged(arms, rows)
    groups = [
        _merged(arms[start : start + ARMS_PER_GROUP], rows)
        for start in range(0, len(arms), ARMS_PER_GROUP)
    ]
    return _merged(
        [
            # Django's own SQL for the arms; every value is a parameter.
            (f"SELECT * FROM ({group_sql}) AS feed_group_{number}", group_params)  # noqa: S608
            for number, (group_sql, group_params) in enumerate(groups)
        ],
        rows,
    )


def _lateral_statement(
    viewer: Member, sources: FeedSources, after: Sequence[Any] | None, size: int
) -> tuple[str, list[Any]]:
    """PostgreSQL: each source's newest posts by a lateral join over the source ids.

    One index scan per source, stopped by its LIMIT, as a compound of one arm per source
    would do; but planned once whatever the number of sources (a compound of a hundred
    arms takes PostgreSQL longer to plan than to run).
    """
    source = RawSQL('"feed_source"."source_id"', ())
    parts: list[tuple[str, list[Any]]] = []
    for kind, ids in ((_SUBWIKI, sources.subwiki_ids), (_MEMBER, sources.author_ids)):
        if not ids:
            continue
        newest = _source_posts(viewer, kind, source, after).order_by("-created_at", "-id")
        # A post among the feed's newest size + 1 is among the newest size + 1 of each
        # source it comes from: no source needs to give more.
        arm_sql, arm_params = _sql(newest.values_list("id", "created_at")[: size + 1])
        # Django's own SQL for the arm; every value is a parameter.
        sql = (
            "SELECT feed_arm.id, feed_arm.created_at"  # noqa: S608
            " FROM unnest(%s::bigint[]) AS feed_source(source_id)"
            f" CROSS JOIN LATERAL ({arm_sql}) AS feed_arm"
        )
        parts.append((sql, [list(ids), *arm_params]))
    return _merged(parts, _rows_to_fetch(size))


def _merged(arms: list[tuple[str, list[Any]]], rows: int) -> tuple[str, list[Any]]:
    """One compound SELECT of the arms, newest first, `rows` at most."""
    sql = " UNION ALL ".join(arm_sql for arm_sql, _params in arms)
    params = [param for _sql, arm_params in arms for param in arm_params]
    # Columns by position, 2 the time and 1 the id: the arms name them differently.
    return f"{sql} ORDER BY 2 DESC, 1 DESC LIMIT {int(rows)}", params


def _home_feed_statement(
    viewer: Member, sources: FeedSources, after: Sequence[Any] | None, size: int
) -> tuple[str, list[Any]] | None:
    """The raw SQL of the ids and times of a home feed's page of `size` posts and of what
    follows (copies included); None when there is nothing to read."""
    if not sources.subwiki_ids and not sources.author_ids:
        return None
    if connection.vendor == "postgresql":
        return _lateral_statement(viewer, sources, after, size)
    return _compound_statement(viewer, sources, after, size)


def _rows_to_fetch(size: int) -> int:
    # A post in a followed subwiki by a followed member comes through both arms: reading
    # twice the page (plus the one row that says whether there is more) leaves at least
    # size + 1 distinct posts once the copies are dropped.
    return 2 * (size + 1)


def home_feed_sql(
    viewer_id: int, cursor: str | None = None, limit: int | str | None = None
) -> tuple[str, list[Any]]:
    """The raw SQL and parameters of the home feed's query for a member, as the feed runs
    it (for the benchmark, which times it alone). It reads the member's follows first."""
    viewer = Member.objects.get(pk=viewer_id)
    size = clean_limit(limit)
    after = cursor_values(Post, KEYS, cursor) if cursor else None
    statement = _home_feed_statement(viewer, home_feed_sources(viewer), after, size)
    if statement is None:
        return "SELECT id, created_at FROM posts_post WHERE 1 = 0", []
    return statement


def _as_utc(value: Any) -> dt.datetime:
    """A time as the database cursor returned it (SQLite may give text), made aware."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:  # pragma: no cover - the column holds times only
            raise ValueError(value)
        value = parsed
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value  # type: ignore[no-any-return]


def home_feed(
    *, viewer: Member, cursor: str | None = None, limit: int | str | None = None
) -> Page[Post]:
    """The member's home feed, newest first: posts in the subwikis they follow and may
    read, and by the members they follow and themself (three queries)."""
    size = clean_limit(limit)
    after = cursor_values(Post, KEYS, cursor) if cursor else None
    statement = _home_feed_statement(viewer, home_feed_sources(viewer), after, size)
    if statement is None:
        return Page(items=[], next_cursor=None)
    with connection.cursor() as db:
        db.execute(*statement)
        rows = db.fetchall()
    times: dict[int, Any] = {}
    for post_id, created_at in rows:
        times.setdefault(post_id, created_at)
    ids = list(times)
    page_ids = ids[:size]
    # The posts themselves through the base queryset: the same visibility rule once more,
    # and what a card shows, in one query.
    found = post_queryset(viewer).in_bulk(page_ids)
    items = [found[pk] for pk in page_ids if pk in found]
    next_cursor = None
    if len(ids) > size:
        last = page_ids[-1]
        next_cursor = encode_cursor([_as_utc(times[last]), last])
    return Page(items=items, next_cursor=next_cursor)


def global_feed(
    *, viewer: Viewer, cursor: str | None = None, limit: int | str | None = None
) -> Page[Post]:
    """Every post the viewer may read, newest first."""
    return paginate_keyset(post_queryset(viewer), cursor=cursor, limit=limit, keys=KEYS)


def member_feed(
    *, viewer: Viewer, author: Member, cursor: str | None = None, limit: int | str | None = None
) -> Page[Post]:
    """A member's posts that the viewer may read, newest first."""
    return posts_by_member(viewer=viewer, author=author, cursor=cursor, limit=limit)


def subwiki_feed(
    *, viewer: Viewer, subwiki: Subwiki, cursor: str | None = None, limit: int | str | None = None
) -> Page[Post]:
    """A subwiki's posts, newest first (the caller has checked the subwiki is visible)."""
    return posts_in_subwiki(viewer=viewer, subwiki=subwiki, cursor=cursor, limit=limit)


# --- RSS and Atom: read as a visitor, whoever asks -------------------------------------


def public_viewer() -> AnonymousUser:
    """Who a syndication feed is read as: nobody signed in, so only public posts appear.

    A feed reader fetches without a session and a feed's address is shared; reading it
    as the visitor it is keeps a member's private subwikis out of it.
    """
    return AnonymousUser()


def syndication_items(
    *, subwiki: Subwiki | None = None, author: Member | None = None
) -> list[Post]:
    """The newest public posts of a subwiki, of a member, or of the whole site."""
    viewer = public_viewer()
    if subwiki is not None:
        page = subwiki_feed(viewer=viewer, subwiki=subwiki, limit=SYNDICATION_ITEMS)
    elif author is not None:
        page = member_feed(viewer=viewer, author=author, limit=SYNDICATION_ITEMS)
    else:
        page = global_feed(viewer=viewer, limit=SYNDICATION_ITEMS)
    return page.items
