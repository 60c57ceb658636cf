"""A post's threads rendered once and kept in the cache, for its page.

A long talk costs far more to render (hundreds of comments, each with its links, its
times and its reply form) than to read. Most of it is the same for every reader with
the same rights, language and time zone: what differs is the CSRF token of the forms,
the buttons on one's own comments (edit, delete), and those of moderators (remove). So
the threads are rendered for a reader with no comments of their own, with a stand-in
for the token, and kept under a key made of everything they show: every comment of the
page as stored (its text, state, edit time, parent, author and the author's names),
the post, whether the reader may comment and whether they moderate the post, their
language and time zone, whether they may open profiles. Any change to a comment, or to
a name it shows, makes a new key; the fragments cache is versioned by the release, so
threads rendered by other templates or code are never served (core.fragments). The
@mentions are looked up on every request (one query) and the kept threads are rendered
again if a mentioned member has come or gone.

On a page, the reader's token goes in place of the stand-in, and each of the reader's
own comments is rendered for them and put in place of its part of the kept threads.
Nothing a reader may not see is kept: the threads of a post go only to those who may
read the post (its page checks), who may read every comment of it; tombstones keep no
text; and the forms that hold a comment's text for editing are only ever rendered for
its author, on the request, never kept.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from tribune.accounts.permissions import can_view_profiles
from tribune.core.fragments import fill_stand_ins, fragment_cache, stand_ins
from tribune.posts.models import Post
from tribune.posts.permissions import can_moderate_post
from tribune.talk.selectors import (
    CommentNode,
    Talk,
    build_threads,
    comment_node,
    comment_of,
    comments_markup,
    known_mentions,
    link_mentions,
    mention_names_in,
)
from tribune.talk.templatetags import talk_tags

THREADS_TEMPLATE = "talk/_threads.html"
MAIN_TEMPLATE = "talk/_comment_main.html"
# Kept a day: a talk that nobody reads leaves the cache, one that changes makes new keys.
THREADS_SECONDS = 24 * 3600


@dataclass(frozen=True)
class _CachedThreads:
    """Threads as the cache keeps them: their HTML, where each comment's main part is in
    it, and the @mentions as they were looked up."""

    html: str
    spans: dict[int, tuple[int, int]]
    names: tuple[str, ...]
    mentions: dict[str, str]


def _key(talk: Talk, *, moderates: bool) -> str:
    post = talk.post
    parts = (
        post.pk,
        post.author_id,
        [row.values for row in talk.rows],
        talk.can_comment,
        moderates,
        can_view_profiles(talk.viewer),
        get_language(),
        timezone.get_current_timezone_name(),
    )
    return "talk:threads:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _mark(secret: str) -> re.Pattern[str]:
    return re.compile(rf"<!--(/?){secret}:(\d+)-->")


def _context(post: Post, *, can_comment: bool, csrf: str) -> dict[str, Any]:
    """What the threads' templates need besides the comments (as _thread.html sets it)."""
    return {
        "post": post,
        "post_url": post.get_absolute_url(),
        "create_url": reverse("talk:create", args=[post.pk]),
        "can_comment": can_comment,
        "words": talk_tags.talk_words(),
        "csrf_token": csrf,
    }


def _render(talk: Talk, *, moderates: bool) -> _CachedThreads:
    """The threads for a reader with no comments of their own, with the stand-in token."""
    viewer, post = talk.viewer, talk.post
    comments = [comment_of(row, post) for row in talk.rows]
    markup = comments_markup(comments)
    names = mention_names_in(markup.values())
    known = known_mentions(viewer, names)
    threads, _nodes = build_threads(
        viewer=viewer,
        comments=comments,
        bodies=link_mentions(markup, known),
        neutral=True,
        moderates=moderates,
    )
    csrf, _back = stand_ins()
    context = _context(post, can_comment=talk.can_comment, csrf=csrf)
    marked = render_to_string(THREADS_TEMPLATE, {**context, "threads": threads, "mark": csrf})
    # Each comment's main part is marked where it starts and ends: note where, and drop
    # the marks.
    pieces: list[str] = []
    spans: dict[int, tuple[int, int]] = {}
    starts: dict[int, int] = {}
    length = 0
    last = 0
    for found in _mark(csrf).finditer(marked):
        piece = marked[last : found.start()]
        pieces.append(piece)
        length += len(piece)
        last = found.end()
        pk = int(found.group(2))
        if found.group(1):
            spans[pk] = (starts.pop(pk), length)
        else:
            starts[pk] = length
    pieces.append(marked[last:])
    return _CachedThreads(html="".join(pieces), spans=spans, names=tuple(names), mentions=known)


def _own_comment_main(talk: Talk, cached: _CachedThreads, pk: int, csrf: str) -> str:
    """The main part of one of the reader's own comments, with their buttons."""
    viewer, post = talk.viewer, talk.post
    on_page = {row.pk for row in talk.rows}
    row = next(row for row in talk.rows if row.pk == pk)
    comment = comment_of(row, post)
    body = link_mentions(comments_markup([comment]), cached.mentions)
    node: CommentNode = comment_node(
        viewer=viewer, comment=comment, body_html=body.get(pk, SafeString(""))
    )
    node.parent_elsewhere = comment.parent_id is not None and comment.parent_id not in on_page
    context = _context(post, can_comment=talk.can_comment, csrf=csrf)
    return render_to_string(MAIN_TEMPLATE, {**context, "node": node})


def threads_html(talk: Talk, *, csrf_token: str) -> SafeString:
    """The threads of a page of talk for its reader: kept ones where they were rendered
    before, with the reader's token and the buttons of their own comments put in."""
    if not talk.rows:
        return SafeString("")
    viewer = talk.viewer
    moderates = viewer.is_authenticated and can_moderate_post(viewer, talk.post)
    key = _key(talk, moderates=moderates)
    cache = fragment_cache()
    cached: _CachedThreads | None = cache.get(key)
    if cached is not None and known_mentions(viewer, cached.names) != cached.mentions:
        cached = None  # a mentioned member came or went: their link with them
    if cached is None:
        cached = _render(talk, moderates=moderates)
        cache.set(key, cached, THREADS_SECONDS)
    csrf, _back = stand_ins()
    html = cached.html
    own = [
        row.pk
        for row in talk.rows
        if viewer.is_authenticated and row.author_id == viewer.pk and row.is_visible
    ]
    # From the end, so that the parts still to replace keep their place.
    for pk in sorted(own, key=lambda pk: cached.spans[pk][0], reverse=True):
        start, end = cached.spans[pk]
        html = html[:start] + _own_comment_main(talk, cached, pk, csrf) + html[end:]
    return fill_stand_ins(html, csrf_token=csrf_token, path="")
