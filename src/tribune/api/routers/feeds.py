"""The chronological feeds: a member's home feed and the global stream, newest first.

Upvotes and comments are counted on each post, never used to order a feed.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from tribune.api.auth import admitted_auth, optional_auth
from tribune.api.routers.posts import member_of, post_out, viewer_of
from tribune.api.schemas import ERRORS, ListOut, ListParams, PostOut
from tribune.core.pagination import InvalidLimit, Page
from tribune.feeds.cards import bodies_html
from tribune.feeds.selectors import global_feed, home_feed
from tribune.posts.models import Post

router = Router(tags=["feeds"])


def _limit(params: ListParams) -> str | None:
    """The page size asked for; `?limit=` with no number is refused, as the schema says."""
    if params.limit == "":
        raise InvalidLimit
    return params.limit


def _list_out(page: Page[Post]) -> ListOut[PostOut]:
    # The bodies' HTML from the cache, in one read for the page.
    html = bodies_html(page.items)
    items = [post_out(post, body_html=html[post.pk]) for post in page.items]
    return ListOut[PostOut](items=items, next_cursor=page.next_cursor)


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
