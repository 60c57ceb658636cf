"""Reads of a post's talk. Every read starts from one base queryset with the posts'
visibility rule, so that no page, API answer or notification shows a comment of a
post the reader may not see.

A talk is read whole, in one query ordered by (created_at, id), and the threads are
built in Python: a reply always comes after its parent, so one pass places each
comment under its parent, and a depth-first walk gives the thread order. Lists page
over that order with a cursor naming the last comment shown.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypeVar

from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer
from tribune.accounts.selectors import mentioned_members
from tribune.core.exceptions import NotFound
from tribune.core.fragments import fragment_cache
from tribune.core.markdown import render_markdown
from tribune.core.pagination import InvalidCursor, clean_limit, decode_cursor, encode_cursor
from tribune.core.pagination import Page as ListPage
from tribune.posts.models import Post
from tribune.posts.permissions import can_view_post
from tribune.posts.selectors import post_visibility_q
from tribune.talk.models import Comment, CommentRevision, CommentState
from tribune.talk.permissions import (
    can_delete_comment,
    can_edit_comment,
    can_remove_comment,
    can_view_comment,
    comment_refusal,
)

# Comments a post's page shows at once; a longer talk continues on "more comments".
PAGE_COMMENTS = 300
# Distinct @names looked up for one page of talk (in one query).
MAX_THREAD_MENTIONS = 500
# Rendered comments are kept this long; a comment's cache key changes when it is edited,
# and the fragments cache's version with each release (core.fragments).
HTML_CACHE_SECONDS = 7 * 24 * 3600

_BIGGEST_ID = 2**63 - 1

K = TypeVar("K")


def comment_visibility_q(viewer: Viewer) -> Q:
    """Comments the viewer may read: those of the posts they may read (the posts' rule)."""
    return post_visibility_q(viewer, prefix="post__")


def comment_queryset(viewer: Viewer) -> QuerySet[Comment]:
    """The base of every comment read: comments of visible posts, with their authors."""
    return Comment.objects.filter(comment_visibility_q(viewer)).select_related("author")


def as_id(value: object) -> int | None:
    """An id as a client sent it (a number or a string of digits); None if it cannot be one."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= _BIGGEST_ID else None


def comment_get(*, viewer: Viewer, comment_id: object, post_id: object = None) -> Comment:
    """A comment the viewer may read (with its post), optionally of one post; NotFound otherwise."""
    pk = as_id(comment_id)
    if pk is None:
        raise NotFound
    found = (
        Comment.objects.select_related("author", "post__author", "post__subwiki", "post__page")
        .filter(pk=pk)
        .first()
    )
    if found is None or not can_view_comment(viewer, found):
        raise NotFound
    if post_id is not None and as_id(post_id) != found.post_id:
        raise NotFound
    return found


class Threaded(Protocol):
    """A comment as threads are made of it: a Comment, or a CommentRow."""

    @property
    def pk(self) -> int: ...

    @property
    def parent_id(self) -> int | None: ...


C = TypeVar("C", bound=Threaded)


def thread_order(comments: Iterable[C]) -> list[C]:
    """Comments in thread order: each followed by its replies, oldest first at each level.

    `comments` come oldest first; one whose parent is not among them starts a thread.
    """
    rows = list(comments)
    present = {c.pk for c in rows}
    children: dict[int | None, list[C]] = defaultdict(list)
    for comment in rows:
        children[comment.parent_id if comment.parent_id in present else None].append(comment)
    ordered: list[C] = []
    stack = list(reversed(children[None]))
    while stack:
        comment = stack.pop()
        ordered.append(comment)
        stack.extend(reversed(children.get(comment.pk, ())))
    return ordered


def post_comments(*, viewer: Viewer, post: Post) -> list[Comment]:
    """Every comment of a post, tombstones included, in thread order (one query).

    The caller has fetched the post through post_get, which applies the visibility rule;
    the comments' own filter applies it again.
    """
    rows = comment_queryset(viewer).filter(post=post).order_by("created_at", "id")
    comments = list(rows)
    for comment in comments:
        comment.post = post  # the permission checks read it: no query per comment
    return thread_order(comments)


def _after_cursor(ordered: Sequence[Threaded], cursor: str | None) -> int:
    """Where a page starts in `ordered`: right after the comment the cursor names."""
    if not cursor:
        return 0
    (last_id,) = decode_cursor(cursor, size=1)
    if not isinstance(last_id, int):
        raise InvalidCursor
    for index, comment in enumerate(ordered):
        if comment.pk == last_id:
            return index + 1
    raise InvalidCursor


def _slice(ordered: Sequence[C], *, cursor: str | None, size: int) -> tuple[list[C], str | None]:
    start = _after_cursor(ordered, cursor)
    items = list(ordered[start : start + size])
    more = start + size < len(ordered)
    return items, encode_cursor([items[-1].pk]) if more and items else None


def comments_page(
    *, viewer: Viewer, post: Post, cursor: str | None = None, limit: int | str | None = None
) -> ListPage[Comment]:
    """One page of a post's talk as a flat list in thread order (for the API).

    The cursor names the last comment of the previous page: comments never leave a
    talk (deleting leaves a tombstone), so the next page starts right after it, with
    no duplicates and no gaps, whatever was posted meanwhile.
    """
    size = clean_limit(limit)
    items, next_cursor = _slice(post_comments(viewer=viewer, post=post), cursor=cursor, size=size)
    return ListPage(items=items, next_cursor=next_cursor)


# --- Rendering, with @mentions ------------------------------------------------------------

# Mentions are rendered pointing here, then pointed at profiles (or unlinked) once the
# names of a whole page are looked up in one query. The rendered text with these
# placeholders is what the cache keeps: it does not change when members come and go.
_MENTION_PREFIX = "/__mention__/"
# What the renderer makes of "@name" (nh3 adds the rel attribute): the link text is
# the mention itself, which tells it from a link someone wrote to the same address.
_MENTION_LINK = re.compile(r'<a href="/__mention__/(\w+)"([^>]*)>(@\1)</a>')


def _rendered(text: str) -> str:
    """Sanitised HTML of a comment's Markdown with placeholder links for its @names."""
    return str(render_markdown(text, mention_url=lambda name: _MENTION_PREFIX + name))


def mention_names(text: str) -> list[str]:
    """The @names the text mentions as the renderer sees them (outside code and links)."""
    return list(dict.fromkeys(m.group(1) for m in _MENTION_LINK.finditer(_rendered(text))))


def _cache_key(comment: Comment) -> str:
    stamp = comment.edited_at.timestamp() if comment.edited_at else 0
    return f"talk:html:{comment.pk}:{stamp}"


def comments_html(*, viewer: Viewer, comments: Sequence[Comment]) -> dict[int, SafeString]:
    """Each visible comment's body as safe HTML, @mentions linked to the members who exist.

    One query looks up every mentioned name of all the comments; rendered Markdown is
    cached per comment and edit, so a talk that is read often is rendered once.
    """
    return _link_mentions(viewer, comments_markup(comments))


def comments_markup(comments: Sequence[Comment]) -> dict[int, str]:
    """Each visible comment's body as sanitised HTML with placeholders for its @mentions
    (link_mentions points them at profiles), from the cache where it was rendered before."""
    visible = [c for c in comments if c.is_visible]
    keys = {c.pk: _cache_key(c) for c in visible}
    cache = fragment_cache()
    cached = cache.get_many(keys.values()) if keys else {}
    fresh: dict[str, str] = {}
    raw: dict[int, str] = {}
    for comment in visible:
        html = cached.get(keys[comment.pk])
        if html is None:
            html = fresh[keys[comment.pk]] = _rendered(comment.body)
        raw[comment.pk] = html
    if fresh:
        cache.set_many(fresh, timeout=HTML_CACHE_SECONDS)
    return raw


def texts_html(*, viewer: Viewer, texts: Sequence[str]) -> list[SafeString]:
    """Comment texts (earlier versions) as safe HTML, @mentions linked, in one query."""
    resolved = _link_mentions(viewer, {i: _rendered(text) for i, text in enumerate(texts)})
    return [resolved[i] for i in range(len(texts))]


def _link_mentions(viewer: Viewer, raw: dict[K, str]) -> dict[K, SafeString]:
    """Point each rendered text's mention placeholders at profiles, or unlink unknown names."""
    return link_mentions(raw, known_mentions(viewer, mention_names_in(raw.values())))


def mention_names_in(markup: Iterable[str]) -> list[str]:
    """The @names of rendered texts (comments_markup), each once."""
    return list(dict.fromkeys(m.group(1) for html in markup for m in _MENTION_LINK.finditer(html)))


def known_mentions(viewer: Viewer, names: Sequence[str]) -> dict[str, str]:
    """Which @names are members whose profile the viewer may open (one query, none if no
    names), as posts.selectors.mentioned_members says."""
    if not names:
        return {}
    return mentioned_members(viewer=viewer, usernames=names, limit=MAX_THREAD_MENTIONS)


def link_mentions(raw: dict[K, str], known: dict[str, str]) -> dict[K, SafeString]:
    """Rendered texts with their mention placeholders pointed at the profiles of `known`
    (known_mentions), the names of no one left as text."""
    urls: dict[str, str] = {}

    def link(match: re.Match[str]) -> str:
        username = known.get(match.group(1))
        if username is None:
            return match.group(3)
        if username not in urls:
            urls[username] = reverse("feeds:profile", args=[username])
        return f'<a href="{urls[username]}"{match.group(2)}>{match.group(3)}</a>'

    # The HTML was sanitised before the placeholders are replaced by profile addresses.
    return {key: mark_safe(_MENTION_LINK.sub(link, html)) for key, html in raw.items()}  # noqa: S308


# --- A post's talk as its page shows it ---------------------------------------------------


@dataclass
class CommentNode:
    """One comment of a thread with its replies, its rendered text and the viewer's buttons.

    The strings a thread prints for every comment are worked out here once, so that a
    talk of hundreds of comments renders without hundreds of template lookups each.
    """

    comment: Comment
    body_html: SafeString
    can_edit: bool
    can_delete: bool
    can_remove: bool
    key: str  # the comment's id, as the ids and addresses of the page spell it
    author_name: str
    author_username: str
    author_url: str
    by_post_author: bool
    created_iso: str
    created_text: str
    replies: list[CommentNode] = field(default_factory=list)
    # Replies at every depth below it: what a folded thread says it hides.
    descendants: int = 0
    # Its parent is not on this page (a talk continued on "more comments").
    parent_elsewhere: bool = False

    @property
    def hidden_text(self) -> str:
        """What a folded thread says it hides."""
        return ngettext(
            "(%(count)d reply hidden)", "(%(count)d replies hidden)", self.descendants
        ) % {"count": self.descendants}


class CommentRow(NamedTuple):
    """A comment as a post's page reads it: its own columns and its author's name, from
    one query with no join to the members (PostgreSQL would read them all for a long
    talk), made into a Comment only where one is needed (comment_of)."""

    pk: int
    parent_id: int | None
    author_id: int
    state: str
    values: tuple[Any, ...]  # the Comment's columns (COMMENT_COLUMNS), then the author's

    @property
    def is_visible(self) -> bool:
        return self.state == CommentState.VISIBLE


# A comment's own columns, as a CommentRow holds them; then its author's username and
# display name.
COMMENT_COLUMNS = tuple(f.attname for f in Comment._meta.concrete_fields)
_AUTHOR_COLUMNS = ("id", "username", "display_name")


def comment_rows(*, viewer: Viewer, post: Post) -> list[CommentRow]:
    """Every comment of a post, tombstones included, oldest first (one query).

    The caller has fetched the post through post_get, which applies the visibility rule;
    the comments' own filter applies it again.
    """
    author = Member.objects.filter(pk=OuterRef("author_id"))
    rows = (
        comment_queryset(viewer)
        .filter(post=post)
        .order_by("created_at", "id")
        # One index seek per comment for its author's names, which no plan turns into a
        # read of every member.
        .annotate(
            author_username=Subquery(author.values("username")[:1]),
            author_display_name=Subquery(author.values("display_name")[:1]),
        )
        .values_list(*COMMENT_COLUMNS, "author_username", "author_display_name")
    )
    positions = {name: COMMENT_COLUMNS.index(name) for name in ("id", "parent_id", "author_id")}
    state = COMMENT_COLUMNS.index("state")
    return [
        CommentRow(
            pk=row[positions["id"]],
            parent_id=row[positions["parent_id"]],
            author_id=row[positions["author_id"]],
            state=row[state],
            values=tuple(row),
        )
        for row in rows
    ]


def comment_of(row: CommentRow, post: Post) -> Comment:
    """The Comment of a row, with its post and its author (whose other fields load if
    asked for: the talk shows the author's names only)."""
    own = len(COMMENT_COLUMNS)
    comment = Comment.from_db(connection.alias, COMMENT_COLUMNS, row.values[:own])
    author_values = (row.author_id, *row.values[own:])
    comment.author = Member.from_db(connection.alias, _AUTHOR_COLUMNS, author_values)
    comment.post = post  # the permission checks read it: no query per comment
    return comment


@dataclass
class Talk:
    """What the talk section of a post's page shows: the comments of one page of it, in
    thread order, for a viewer (talk.threads renders them, from the cache where it can)."""

    post: Post
    viewer: Viewer
    rows: list[CommentRow]
    count: int
    refusal: str | None
    next_cursor: str | None
    is_first_page: bool

    @property
    def can_comment(self) -> bool:
        return self.refusal is None


def build_threads(
    *,
    viewer: Viewer,
    comments: Sequence[Comment],
    bodies: dict[int, SafeString],
    neutral: bool = False,
    moderates: bool = False,
) -> tuple[list[CommentNode], dict[int, CommentNode]]:
    """The threads of comments in thread order: their nodes, top-level first, and every
    node by comment id.

    `neutral`: with none of the viewer's own buttons (edit, delete), and the remove button
    on every visible comment if `moderates`: what every reader with the same rights sees,
    for talk.threads to keep.
    """
    nodes: dict[int, CommentNode] = {}
    threads: list[CommentNode] = []
    author_urls: dict[int, str] = {}
    time_format = get_format("DATETIME_FORMAT")
    for comment in comments:
        node = nodes[comment.pk] = comment_node(
            viewer=viewer,
            comment=comment,
            body_html=bodies.get(comment.pk, SafeString("")),
            author_urls=author_urls,
            time_format=time_format,
        )
        if neutral:
            node.can_edit = node.can_delete = False
            node.can_remove = moderates and comment.is_visible
        parent = nodes.get(comment.parent_id) if comment.parent_id is not None else None
        if parent is None:
            node.parent_elsewhere = comment.parent_id is not None
            threads.append(node)
        else:
            parent.replies.append(node)
    # Thread order puts every reply after its parent: backwards, children come first.
    for comment in reversed(comments):
        node = nodes[comment.pk]
        node.descendants = sum(1 + reply.descendants for reply in node.replies)
    return threads, nodes


def comment_node(
    *,
    viewer: Viewer,
    comment: Comment,
    body_html: SafeString,
    author_urls: dict[int, str] | None = None,
    time_format: str | None = None,
) -> CommentNode:
    """A comment as the talk shows it, with what the viewer may do with it.

    The nodes of one talk share `author_urls` and `time_format`, so that each profile
    address and the reader's date format are worked out once.
    """
    urls = author_urls if author_urls is not None else {}
    if comment.author_id not in urls:
        urls[comment.author_id] = comment.author.get_absolute_url()
    created = timezone.localtime(comment.created_at)
    fmt = time_format or get_format("DATETIME_FORMAT")
    return CommentNode(
        comment=comment,
        body_html=body_html,
        can_edit=can_edit_comment(viewer, comment),
        can_delete=can_delete_comment(viewer, comment),
        can_remove=can_remove_comment(viewer, comment) and viewer.pk != comment.author_id,
        key=str(comment.pk),
        author_name=comment.author.name,
        author_username=comment.author.username,
        author_url=urls[comment.author_id],
        by_post_author=comment.author_id == comment.post.author_id,
        created_iso=created.isoformat(),
        created_text=dateformat.format(created, fmt),
    )


def post_talk(*, viewer: Viewer, post: Post, cursor: str | None = None) -> Talk:
    """One page of a post's talk for the viewer: its comments in thread order (one query).

    The caller has fetched the post through post_get (which checks that the viewer
    may read it). talk.threads renders the threads, with the viewer's buttons.
    """
    ordered = thread_order(comment_rows(viewer=viewer, post=post))
    items, next_cursor = _slice(ordered, cursor=cursor, size=PAGE_COMMENTS)
    return Talk(
        post=post,
        viewer=viewer,
        rows=items,
        count=sum(1 for row in ordered if row.is_visible),
        refusal=comment_refusal(viewer, post),
        next_cursor=next_cursor,
        is_first_page=not cursor,
    )


def talk_count(*, post: Post) -> int:
    """How many comments a post's talk shows (tombstones left out), as stored now."""
    return Post.objects.filter(pk=post.pk).values_list("comment_count", flat=True).first() or 0


# --- History and mentions -----------------------------------------------------------------


def comment_revisions(*, comment: Comment) -> list[CommentRevision]:
    """The earlier texts of a comment, newest first (the caller has checked it may be read)."""
    return list(comment.revisions.order_by("-created_at", "-id"))


def comment_mentioned_readers(*, comment: Comment) -> list[Member]:
    """The members a comment mentions who may read it (never outsiders of a private subwiki).

    For notifications: a mention must not tell anyone that a private post exists.
    """
    known = mentioned_members(viewer=comment.author, usernames=mention_names(comment.body))
    if not known:
        return []
    candidates = Member.objects.filter(username__in=set(known.values()), is_active=True).exclude(
        pk=comment.author_id
    )
    return [m for m in candidates.order_by("username") if can_view_post(m, comment.post)]
