"""The chronological feeds: a member's home feed and the global stream, newest first.

Upvotes and comments are counted on each post, never used to order a feed.
"""

from __future__ import annotations

import functools
import hashlib
import inspect

from django.core.cache import cache
from django.http import HttpRequest
from ninja import Query, Router

from tribune.api import schemas
from tribune.api.auth import admitted_auth, optional_auth
from tribune.api.routers.posts import member_of, post_out, viewer_of
from tribune.api.schemas import ERRORS, ListOut, ListParams, PostOut
from tribune.core.pagination import InvalidLimit, Page
from tribune.feeds.cards import bodies_html, renderer_version
from tribune.feeds.selectors import global_feed, home_feed
from tribune.posts.models import Post

router = Router(tags=["feeds"])


def _limit(params: ListParams) -> str | None:
    """The page size asked for; `?limit=` with no number is refused, as the schema says."""
    if params.limit == "":
        raise InvalidLimit
    return params.limit


# A post as the feeds show it is kept this long (its key changes whenever it would).
ITEM_SECONDS = 60 * 60


@functools.cache
def _code_version() -> str:
    """A digest of the code that makes an item: a change to it makes new keys."""
    parts = [inspect.getsource(post_out), inspect.getsource(schemas), renderer_version()]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def _item_key(post: Post) -> str:
    """The cache key of a post as post_out shows it: every column of the post and every
    value read with it (its annotations), and what it shows of its page, subwiki and
    author."""
    subwiki = post.subwiki
    parts = (
        [(name, value) for name, value in vars(post).items() if not name.startswith("_")],
        post.page.current_revision_id,
        post.page.pending_count,
        subwiki.slug if subwiki is not None else None,
        post.author.username,
        post.author.name,
        _code_version(),
    )
    return "api:post:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _items(posts: list[Post]) -> list[PostOut]:
    """The posts as post_out shows them, from the cache in one read where it has them:
    making one (validating each field) costs more than reading the post."""
    keys = {post.pk: _item_key(post) for post in posts}
    found: dict[str, PostOut] = cache.get_many(list(keys.values())) if keys else {}
    missing = [post for post in posts if keys[post.pk] not in found]
    html = bodies_html(missing)
    made = {keys[post.pk]: post_out(post, body_html=html[post.pk]) for post in missing}
    if made:
        cache.set_many(made, ITEM_SECONDS)
    return [found.get(keys[post.pk]) or made[keys[post.pk]] for post in posts]


def _list_out(page: Page[Post]) -> ListOut[PostOut]:
    items = _items(page.items)
    # The items were validated as they were made: validating the list again would cost
    # more than making them.
    return ListOut[PostOut].model_construct(items=items, next_cursor=page.next_cursor)


@router.get("/feed/home", response={200: ListOut[PostOut], **ERRORS}, auth=admitted_auth)
def feed_home(request: HttpRequest, params: Query[ListParams]) -> ListOut[PostOut]:
    """Your home feed, newest first: posts in the subwikis you follow (and may read), by
    the members you follow, and your own."""
    page = home_feed(viewer=member_of(request), cursor=params.cursor, limit=_limit(params))
    return _list_out(page)


@router.get("/feed/all", response={200: ListOut[PostOut], **ERRORS}, auth=optional_auth)
def feed_all(request: HttpRequest, params: Query[ListParams]) -> ListOut[PostOut]:
    """Every post the caller may read, newest first (without a token: every public post)."""
    page = global_feed(viewer=viewer_of(request), cursor=params.cursor, limit=_limit(params))
    return _list_out(page)
