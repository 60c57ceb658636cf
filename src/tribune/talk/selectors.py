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
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

from tribune.accounts.models import Member
from tribune.communities.permissions import Viewer
from tribune.core.exceptions import NotFound
from tribune.core.markdown import render_markdown
from tribune.core.pagination import InvalidCursor, clean_limit, decode_cursor, encode_cursor
from tribune.core.pagination import Page as ListPage
from tribune.posts.models import Post
from tribune.posts.permissions import can_view_post
from tribune.posts.selectors import mentioned_members, post_visibility_q
from tribune.talk.models import Comment, CommentRevision
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
# Rendered comments are kept this long; a comment's cache key changes when it is edited.
HTML_CACHE_SECONDS = 7 * 24 * 3600
_HTML_CACHE_VERSION = 1

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


def thread_order(comments: Iterable[Comment]) -> list[Comment]:
    """Comments in thread order: each followed by its replies, oldest first at each level.

    `comments` come oldest first; one whose parent is not among them starts a thread.
    """
    rows = list(comments)
    present = {c.pk for c in rows}
    children: dict[int | None, list[Comment]] = defaultdict(list)
    for comment in rows:
        children[comment.parent_id if comment.parent_id in present else None].append(comment)
    ordered: list[Comment] = []
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


def _after_cursor(ordered: Sequence[Comment], cursor: str | None) -> int:
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


def _slice(
    ordered: Sequence[Comment], *, cursor: str | None, size: int
) -> tuple[list[Comment], str | None]:
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
    return f"talk:html:{_HTML_CACHE_VERSION}:{comment.pk}:{stamp}"


def comments_html(*, viewer: Viewer, comments: Sequence[Comment]) -> dict[int, SafeString]:
    """Each visible comment's body as safe HTML, @mentions linked to the members who exist.

    One query looks up every mentioned name of all the comments; rendered Markdown is
    cached per comment and edit, so a talk that is read often is rendered once.
    """
    visible = [c for c in comments if c.is_visible]
    keys = {c.pk: _cache_key(c) for c in visible}
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
    return _link_mentions(viewer, raw)


def texts_html(*, viewer: Viewer, texts: Sequence[str]) -> list[SafeString]:
    """Comment texts (earlier versions) as safe HTML, @mentions linked, in one query."""
    resolved = _link_mentions(viewer, {i: _rendered(text) for i, text in enumerate(texts)})
    return [resolved[i] for i in range(len(texts))]


def _link_mentions(viewer: Viewer, raw: dict[K, str]) -> dict[K, SafeString]:
    """Point each rendered text's mention placeholders at profiles, or unlink unknown names."""
    names = [m.group(1) for html in raw.values() for m in _MENTION_LINK.finditer(html)]
    known = (
        mentioned_members(viewer=viewer, usernames=names, limit=MAX_THREAD_MENTIONS)
        if names
        else {}
    )

    urls: dict[str, str] = {}

    def link(match: re.Match[str]) -> str:
        username = known.get(match.group(1))
        if username is None:
            return match.group(3)
        if username not in urls:
            urls[username] = reverse("accounts:profile", args=[username])
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


@dataclass
class Talk:
    """What the talk section of a post's page shows."""

    post: Post
    threads: list[CommentNode]
    count: int
    refusal: str | None
    next_cursor: str | None
    is_first_page: bool

    @property
    def can_comment(self) -> bool:
        return self.refusal is None


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
    """A post's talk as threads, with the viewer's buttons: one query, two with @mentions.

    The caller has fetched the post through post_get (which checks that the viewer
    may read it).
    """
    ordered = post_comments(viewer=viewer, post=post)
    items, next_cursor = _slice(ordered, cursor=cursor, size=PAGE_COMMENTS)
    html = comments_html(viewer=viewer, comments=items)
    nodes: dict[int, CommentNode] = {}
    threads: list[CommentNode] = []
    author_urls: dict[int, str] = {}
    time_format = get_format("DATETIME_FORMAT")
    for comment in items:
        node = nodes[comment.pk] = comment_node(
            viewer=viewer,
            comment=comment,
            body_html=html.get(comment.pk, SafeString("")),
            author_urls=author_urls,
            time_format=time_format,
        )
        parent = nodes.get(comment.parent_id) if comment.parent_id is not None else None
        if parent is None:
            node.parent_elsewhere = comment.parent_id is not None
            threads.append(node)
        else:
            parent.replies.append(node)
    # Thread order puts every reply after its parent: backwards, children come first.
    for comment in reversed(items):
        node = nodes[comment.pk]
        node.descendants = sum(1 + reply.descendants for reply in node.replies)
    return Talk(
        post=post,
        threads=threads,
        count=sum(1 for c in ordered if c.is_visible),
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
