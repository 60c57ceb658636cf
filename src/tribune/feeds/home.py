"""The home feed: what a member follows, newest first.

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
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Exists, IntegerField, OuterRef, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.db.models.sql.compiler import SQLCompiler

from tribune.accounts.models import Member, MemberFollow
from tribune.communities.models import SubwikiFollow
from tribune.communities.selectors import subwiki_visibility_q
from tribune.core.pagination import (
    Page,
    after_cursor_q,
    clean_limit,
    cursor_values,
    encode_cursor,
)
from tribune.feeds.selectors import KEYS
from tribune.posts.models import Post, Reaction, ReactionKind
from tribune.posts.selectors import (
    post_queryset,
    post_visibility_q,
    visibility_key,
)

# SQLite refuses a compound SELECT of more than 500 arms: beyond this many sources, the
# arms are merged in groups, and the groups merged in turn (still one statement).
ARMS_PER_GROUP = 400


# A bound on the sources one feed merges, so that its statement stays within the
# databases' limits on parameters (SQLite: 32,766). Nobody reads 2,000 sources.
MAX_SOURCES_PER_KIND = 2000


_SUBWIKI = 1


_MEMBER = 2


@dataclass(frozen=True)
class FeedSources:
    """What a home feed is made of: the subwikis and the authors it shows."""

    subwiki_ids: list[int]
    author_ids: list[int]


_BUILT_STATEMENTS: dict[tuple[Any, ...], Any] = {}


# A bound on the statements one process keeps (from a few to some tens of kilobytes each).
MAX_STATEMENTS = 300


# What the ORM is given where a request's own value goes, so that each can be found in
# the parameters it makes and turned into a _RequestValue: ids that no row has (negative,
# far beyond any sequence) and a time before any post.
_SOURCE_ID_STAND_IN = -7_301_915_846_270_413


_VIEWER_ID_STAND_IN = -7_301_915_846_270_421


_CURSOR_ID_STAND_IN = -7_301_915_846_270_419


_CURSOR_TIME_STAND_IN = dt.datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=dt.UTC)


T = TypeVar("T")


def _built_once(key: tuple[Any, ...], build: Callable[[], T]) -> T:
    """What `build` makes for `key` (and the database), made once and kept."""
    key = (connection.alias, connection.vendor, *key)
    found = _BUILT_STATEMENTS.get(key)
    if found is None:
        if len(_BUILT_STATEMENTS) >= MAX_STATEMENTS:
            _BUILT_STATEMENTS.clear()
        found = _BUILT_STATEMENTS[key] = build()
    return found


def _sql(queryset: QuerySet[Any]) -> tuple[str, list[Any]]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _time_param(value: dt.datetime) -> Any:
    """A time as the database driver takes it in a query (what Django makes of it)."""
    return Post._meta.get_field("created_at").get_db_prep_value(value, connection)


@dataclass(frozen=True)
class _StatementShape:
    """What a home feed statement's text depends on, beside the visibility rule."""

    subwikis: int
    authors: int
    with_cursor: bool
    size: int


@dataclass(frozen=True)
class _RequestValue:
    """Where a request's own value goes in a kept statement: the id of the `index`th
    source of a kind, the ids of all of them (`index` None), the viewer's id, or the
    cursor's time or id."""

    what: str
    index: int | None = None


@dataclass(frozen=True)
class _ReusableStatement:
    """A statement with named parameters: its SQL, its constant values (those not written
    into it), and where each of a request's values goes."""

    sql: str
    constants: dict[str, Any]
    request_values: tuple[tuple[str, _RequestValue], ...]

    def params(self, value: Callable[[_RequestValue], Any]) -> dict[str, Any]:
        return {**self.constants, **{name: value(where) for name, where in self.request_values}}

    def run(self, value: Callable[[_RequestValue], Any]) -> list[tuple[Any, ...]]:
        """The statement's rows for a request's values (`value` of each)."""
        with connection.cursor() as db:
            db.execute(self.sql, self.params(value))
            rows: list[tuple[Any, ...]] = db.fetchall()
            return rows


def _reusable(sql: str, params: Sequence[Any]) -> _ReusableStatement:
    """Django's `%s` SQL with its parameters (some of them _RequestValues), as named
    parameters, with the constants written into the SQL where they can be (_literal).
    The stand-in viewer's id (_builder) becomes a request value. A request value met
    again keeps its name: the cursor's time, in three places of every arm, is one value
    to bind, not three per source (binding hundreds cost a deep page half a millisecond
    on SQLite)."""
    pieces = sql.split("%s")
    if len(pieces) != len(params) + 1 or "%%" in sql:  # pragma: no cover - Django's SQL
        raise AssertionError("unexpected parameters in a home feed statement")
    text = [pieces[0]]
    constants: dict[str, Any] = {}
    names: dict[_RequestValue, str] = {}
    for number, (given, piece) in enumerate(zip(params, pieces[1:], strict=True)):
        name = f"p{number}"
        is_viewer = type(given) is int and given == _VIEWER_ID_STAND_IN
        param = _RequestValue("viewer") if is_viewer else given
        if isinstance(param, _RequestValue):
            name = names.setdefault(param, name)
        literal = None if isinstance(param, _RequestValue) else _literal(param)
        text.append(f"{literal if literal is not None else f'%({name})s'}{piece}")
        if not isinstance(param, _RequestValue) and literal is None:
            constants[name] = param
    request_values = tuple((name, where) for where, name in names.items())
    return _ReusableStatement(sql="".join(text), constants=constants, request_values=request_values)


def _builder(viewer: Member) -> Member:
    """Whom a kept statement is built for. On PostgreSQL, a stand-in with the viewer's
    rights and an id of its own, which becomes a request value: one statement, prepared
    once per connection, serves every member alike. On SQLite, the viewer: their id is
    written into the SQL (_literal), and SQLite keeps a statement per member."""
    if connection.vendor != "postgresql":
        return viewer
    return Member(pk=_VIEWER_ID_STAND_IN, is_staff=viewer.is_staff, is_active=viewer.is_active)


def _literal(value: Any) -> str | None:
    """A constant of a statement as a literal of its SQL, or None to leave it a parameter.

    A plan made once for every run must know the constants: SQLite plans a statement
    again each time it runs if its plan depends on a parameter's value (a partial index:
    "status = ?" may or may not be the index's "status = 'helpful'"), and for a statement
    with an arm per source that costs more than running it; PostgreSQL's generic plan of
    a prepared statement cannot use such an index at all. Written into the SQL, the
    constants (words of the code and numbers: a state, a kind, the viewer's id on SQLite)
    are known when it is planned, once.
    """
    if connection.vendor == "postgresql":
        # psycopg's own quoting (client-side, as Django's queries are bound by default).
        compose: Callable[[str, Any], str] = connection.ops.compose_sql  # type: ignore[attr-defined]
        return compose("%s", [value]).replace("%", "%%")
    if connection.vendor != "sqlite":
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str) and "\x00" not in value:
        quoted = value.replace("'", "''").replace("%", "%%")
        return f"'{quoted}'"
    return None


def home_feed_sources(viewer: Member) -> FeedSources:
    """The subwikis the viewer follows and may still read, the members they follow, and
    themself (one query)."""

    builder = _builder(viewer)

    def build() -> _ReusableStatement:
        subwikis = (
            SubwikiFollow.objects.filter(member_id=builder.pk)
            .filter(subwiki_visibility_q(builder, prefix="subwiki__"))
            .values_list(Value(_SUBWIKI, output_field=IntegerField()), "subwiki_id")
        )
        members = MemberFollow.objects.filter(follower_id=builder.pk).values_list(
            Value(_MEMBER, output_field=IntegerField()), "followed_id"
        )
        return _reusable(*_sql(subwikis.union(members, all=True)))

    statement = _built_once(("sources", visibility_key(builder)), build)
    rows = statement.run(lambda _viewer_slot: viewer.pk)
    subwiki_ids: list[int] = []
    author_ids: list[int] = [viewer.pk]
    for kind, source_id in rows:
        (subwiki_ids if kind == _SUBWIKI else author_ids).append(source_id)
    # Sorted, so that a member's statement is the same text from one page to the next.
    return FeedSources(
        subwiki_ids=sorted(subwiki_ids)[:MAX_SOURCES_PER_KIND],
        author_ids=sorted(set(author_ids))[: MAX_SOURCES_PER_KIND + 1],
    )


def _source_posts(
    viewer: Member, kind: int, source: Any, after: Sequence[Any] | None, *, join: bool = True
) -> QuerySet[Post]:
    """One source's posts after the cursor: those of a subwiki, or of an author."""
    if kind == _SUBWIKI:
        # The followed subwikis were filtered by visibility already (home_feed_sources):
        # no join to the subwikis, and the index on (subwiki, created_at) serves it alone.
        queryset = Post.objects.filter(subwiki_id=source, is_removed=False)
    else:
        # A followed member's posts, by the rule every post list applies.
        visible = post_visibility_q(viewer, join=join)
        queryset = Post.objects.filter(visible).filter(author_id=source)
    if after is not None:
        queryset = queryset.filter(after_cursor_q(KEYS, after))
    return queryset


def _with_request_values(
    params: list[Any], *, source: _RequestValue | None, with_cursor: bool
) -> list[Any]:
    """An arm's parameters with request values in place of its stand-ins, each checked to
    be exactly where it was put (a change of Django's SQL would otherwise go unseen)."""
    cursor_time = _time_param(_CURSOR_TIME_STAND_IN)
    replaced = {cursor_time: _RequestValue("time"), _CURSOR_ID_STAND_IN: _RequestValue("id")}
    if source is not None:
        replaced[_SOURCE_ID_STAND_IN] = source
    expected = {
        _SOURCE_ID_STAND_IN: 0 if source is None else 1,
        _CURSOR_ID_STAND_IN: 1 if with_cursor else 0,
        cursor_time: 3 if with_cursor else 0,
    }
    if any(params.count(value) != count for value, count in expected.items()):
        raise AssertionError("unexpected parameters in a home feed arm")  # pragma: no cover
    return [replaced.get(p, p) if isinstance(p, Hashable) else p for p in params]


def _stand_in_cursor(with_cursor: bool) -> list[Any] | None:
    return [_CURSOR_TIME_STAND_IN, _CURSOR_ID_STAND_IN] if with_cursor else None


def _compound_ids(viewer: Member, shape: _StatementShape) -> tuple[str, list[Any]]:
    """SQLite: one arm per source, in one compound SELECT under one ORDER BY and LIMIT.

    SQLite reads the arms of an ordered compound as sorted streams and merges them,
    so it stops after about `rows` rows plus one per source. Each arm's SQL is built once
    and repeated, with a slot for its own source id.
    """
    cursor = _stand_in_cursor(shape.with_cursor)
    arms: list[tuple[str, list[Any]]] = []
    for kind, what, count in (
        (_SUBWIKI, "subwiki", shape.subwikis),
        (_MEMBER, "author", shape.authors),
    ):
        if not count:
            continue
        posts = _source_posts(viewer, kind, _SOURCE_ID_STAND_IN, cursor)
        arm_sql, arm_params = _sql(posts.order_by().values_list("id", "created_at"))
        arms += [
            (
                arm_sql,
                _with_request_values(
                    arm_params, source=_RequestValue(what, i), with_cursor=shape.with_cursor
                ),
            )
            for i in range(count)
        ]
    rows = _rows_to_fetch(shape.size)
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


def _lateral_ids(viewer: Member, shape: _StatementShape) -> tuple[str, list[Any]]:
    """PostgreSQL: each source's newest posts by a lateral join over the source ids.

    One index scan per source, stopped by its LIMIT, as a compound of one arm per source
    would do; but planned once whatever the number of sources. (A compound of a hundred
    arms, each with its source's id, takes PostgreSQL longer to plan and to start than
    to run: some 6 ms, against under 2 for this, at any scale.) The member arms say the
    visibility rule without a join (post_visibility_q(join=False)): its subquery is run
    once for the whole statement, not planned into each member's scan.
    """
    source = RawSQL('"feed_source"."source_id"', ())
    cursor = _stand_in_cursor(shape.with_cursor)
    parts: list[tuple[str, list[Any]]] = []
    for kind, what, count in (
        (_SUBWIKI, "subwikis", shape.subwikis),
        (_MEMBER, "authors", shape.authors),
    ):
        if not count:
            continue
        posts = _source_posts(viewer, kind, source, cursor, join=False)
        newest = posts.order_by("-created_at", "-id").values_list("id", "created_at")
        # A post among the feed's newest size + 1 is among the newest size + 1 of each
        # source it comes from: no source needs to give more.
        arm_sql, arm_params = _sql(newest[: shape.size + 1])
        # Django's own SQL for the arm; every value is a parameter.
        sql = (
            "SELECT feed_arm.id, feed_arm.created_at"  # noqa: S608
            " FROM unnest(%s::bigint[]) AS feed_source(source_id)"
            f" CROSS JOIN LATERAL ({arm_sql}) AS feed_arm"
        )
        params = _with_request_values(arm_params, source=None, with_cursor=shape.with_cursor)
        parts.append((sql, [_RequestValue(what), *params]))
    return _merged(parts, _rows_to_fetch(shape.size))


def _merged(arms: list[tuple[str, list[Any]]], rows: int) -> tuple[str, list[Any]]:
    """One compound SELECT of the arms, newest first, `rows` at most."""
    sql = " UNION ALL ".join(arm_sql for arm_sql, _params in arms)
    params = [param for _sql, arm_params in arms for param in arm_params]
    # Columns by position, 2 the time and 1 the id: the arms name them differently.
    return f"{sql} ORDER BY 2 DESC, 1 DESC LIMIT {int(rows)}", params


def _rows_to_fetch(size: int) -> int:
    # A post in a followed subwiki by a followed member comes through both arms: reading
    # twice the page (plus the one row that says whether there is more) leaves at least
    # size + 1 distinct posts once the copies are dropped.
    return 2 * (size + 1)


# What a home feed's page reads: every column of its posts, and of their author, subwiki
# and page what cards and the API show (the rest of those rows is long, and making each
# of its values costs). Showing more of them means adding it here: a column left out is
# read again for each post that shows it, one query each.
_SHOWN = (
    *(field.name for field in Post._meta.concrete_fields),
    "author__username",
    "author__display_name",
    "subwiki__slug",
    "subwiki__name",
    "page__current_revision",
    "page__pending_count",
)


# Where the ids' statement goes in the posts' query.
_IDS = "tribune_home_feed_ids"


# The attribute of each post of a home feed page that says whether the viewer upvoted it.
UPVOTED = "upvoted_by_viewer"


@dataclass(frozen=True)
class _PageStatement:
    """A home feed page's statement, built once for its shape: the posts by the base
    queryset (the visibility rule once more, and what a card shows) among the ids the
    sources give, newest first, one more than the page; and what Django's compiler of it
    knows, to turn its rows into posts with their author, subwiki and page (_posts_of)."""

    statement: _ReusableStatement
    compiler: SQLCompiler
    converters: dict[int, Any]
    columns: tuple[int, int, list[str]]  # where the post's own columns are, and their names
    related: list[Any]  # Django's RelatedPopulators, one per related object
    annotations: tuple[tuple[str, int], ...]


def _build_statement(viewer: Member, shape: _StatementShape) -> _PageStatement:
    # Whether the viewer upvoted each post, for its card's button (as upvoted_post_ids
    # says, without a query of its own).
    upvoted = Reaction.objects.filter(
        post_id=OuterRef("pk"), member_id=viewer.pk, kind=ReactionKind.UPVOTE
    )
    queryset = (
        post_queryset(viewer)
        .filter(pk__in=RawSQL(_IDS, ()))  # noqa: S611  # a constant: the ids go there
        .annotate(**{UPVOTED: Exists(upvoted)})
        .only(*_SHOWN)
        .order_by("-created_at", "-id")[: shape.size + 1]
    )
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    head, tail = sql.split(_IDS)
    before = head.count("%s")
    if connection.vendor == "postgresql":
        ids_sql, ids_params = _lateral_ids(viewer, shape)
    else:
        ids_sql, ids_params = _compound_ids(viewer, shape)
    # Django's own SQL around the ids' statement; every value is a parameter.
    full = f"{head}SELECT feed_page.id FROM ({ids_sql}) AS feed_page{tail}"  # noqa: S608
    statement = _reusable(full, [*params[:before], *ids_params, *params[before:]])
    # What ModelIterable works out from the compiler on every run, worked out once. (The
    # converters are the database backend's, bound to the connection of the thread that
    # built them: they read its settings, never its cursor.)
    klass_info, select = compiler.klass_info, compiler.select
    if klass_info is None:  # pragma: no cover - a query of posts selects posts
        raise AssertionError("the home feed's posts query selects no model")
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    return _PageStatement(
        statement=statement,
        compiler=compiler,
        converters=compiler.get_converters([column[0] for column in select]),
        columns=(start, end, [column[0].target.attname for column in select[start:end]]),
        related=get_related_populators(klass_info, select, connection.alias),
        annotations=tuple(compiler.annotation_col_map.items()),
    )


def _home_feed_statement(
    viewer: Member, sources: FeedSources, after: Sequence[Any] | None, size: int
) -> tuple[_PageStatement, Callable[[_RequestValue], Any]] | None:
    """The statement of a home feed's page (the posts of the page and the one after it,
    newest first, as one query) and what goes in its slots for this request; None when
    there is nothing to read."""
    if not sources.subwiki_ids and not sources.author_ids:
        return None
    shape = _StatementShape(
        subwikis=len(sources.subwiki_ids),
        authors=len(sources.author_ids),
        with_cursor=after is not None,
        size=size,
    )
    builder = _builder(viewer)
    key = ("home", shape, visibility_key(builder))
    statement = _built_once(key, lambda: _build_statement(builder, shape))
    ids = {"subwiki": sources.subwiki_ids, "author": sources.author_ids}
    whole = {"subwikis": sources.subwiki_ids, "authors": sources.author_ids}
    cursor = {} if after is None else {"time": _time_param(after[0]), "id": after[1]}

    def value(where: _RequestValue) -> Any:
        if where.index is not None:
            return ids[where.what][where.index]
        if where.what == "viewer":
            return viewer.pk
        return whole[where.what] if where.what in whole else cursor[where.what]

    return statement, value


def _posts_of(statement: _PageStatement, rows: list[tuple[Any, ...]]) -> list[Post]:
    """The posts of the rows of a home feed statement, with their author, subwiki and
    page: what Django's ModelIterable makes of the rows of the query it compiled."""
    start, end, names = statement.columns
    values: Iterable[Any] = rows
    if statement.converters:
        values = statement.compiler.apply_converters(rows, statement.converters)
    posts = []
    for row in values:
        post = Post.from_db(connection.alias, names, row[start:end])
        for populator in statement.related:
            populator.populate(row, post)
        for name, column in statement.annotations:
            setattr(post, name, row[column])
        posts.append(post)
    return posts


def _member_statement(
    viewer_id: int, cursor: str | None, limit: int | str | None
) -> tuple[_PageStatement, Callable[[_RequestValue], Any]] | None:
    viewer = Member.objects.get(pk=viewer_id)
    size = clean_limit(limit)
    after = cursor_values(Post, KEYS, cursor) if cursor else None
    return _home_feed_statement(viewer, home_feed_sources(viewer), after, size)


def home_feed_sql(
    viewer_id: int, cursor: str | None = None, limit: int | str | None = None
) -> tuple[str, dict[str, Any]]:
    """The raw SQL and parameters of the home feed's query for a member (for tests and
    the benchmark's plans). It reads the member's follows first."""
    found = _member_statement(viewer_id, cursor, limit)
    if found is None:
        return "SELECT id, created_at FROM posts_post WHERE 1 = 0", {}
    page, value = found
    return page.statement.sql, page.statement.params(value)


def home_feed_runner(
    viewer_id: int, cursor: str | None = None, limit: int | str | None = None
) -> Callable[[], list[tuple[Any, ...]]]:
    """What runs the home feed's query for a member exactly as the feed does, for the
    benchmark, which times it alone. It reads the follows first."""
    found = _member_statement(viewer_id, cursor, limit)
    if found is None:
        return list
    page, value = found
    return lambda: page.statement.run(value)


def home_feed(
    *, viewer: Member, cursor: str | None = None, limit: int | str | None = None
) -> Page[Post]:
    """The member's home feed, newest first: posts in the subwikis they follow and may
    read, and by the members they follow and themself, each saying whether the viewer
    upvoted it (`UPVOTED`) (two queries)."""
    size = clean_limit(limit)
    after = cursor_values(Post, KEYS, cursor) if cursor else None
    found = _home_feed_statement(viewer, home_feed_sources(viewer), after, size)
    if found is None:
        return Page(items=[], next_cursor=None)
    page, value = found
    posts = _posts_of(page, page.statement.run(value))
    items = posts[:size]
    next_cursor = None
    if len(posts) > size:
        next_cursor = encode_cursor([getattr(items[-1], key) for key in KEYS])
    return Page(items=items, next_cursor=next_cursor)
