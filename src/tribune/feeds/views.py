"""Feed pages: home, the global stream, and the posts on a member's profile.

Each is a list of post cards, newest first, with a "load more" that is a plain link to
the next page (`?cursor=`) and that htmx turns into "append the next cards here".
A cursor or limit that is not valid answers 400 with a message and the first page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer
from tribune.core.exceptions import ServiceError
from tribune.core.pagination import Page, clean_limit
from tribune.core.web import is_htmx
from tribune.feeds.cards import prepare_cards
from tribune.feeds.selectors import UPVOTED, global_feed, home_feed, member_feed
from tribune.posts.models import Post
from tribune.posts.reactions import upvoted_post_ids
from tribune.wiki.views import render_page, viewer_of, with_query

FRAGMENT = "feeds/_post_items.html"

Fetch = Callable[[str | None, int | str | None], Page[Post]]


def cards_context(viewer: Viewer, posts: list[Post]) -> dict[str, Any]:
    """What the post cards of a list need beyond the posts: which of them the viewer
    upvoted (one query, unless the posts say, as the home feed's do), and the cards
    themselves from the cache (feeds.cards)."""
    if posts and all(hasattr(post, UPVOTED) for post in posts):
        upvoted_ids = {post.pk for post in posts if getattr(post, UPVOTED)}
    else:
        upvoted_ids = upvoted_post_ids(viewer, [post.pk for post in posts])
    prepare_cards(posts, upvoted_ids=upvoted_ids, signed_in=viewer.is_authenticated)
    return {"upvoted_ids": upvoted_ids}


@dataclass(frozen=True)
class FeedSection:
    """One page of a feed, ready for a template: its cards and its "load more" link."""

    context: dict[str, Any]
    status: int


def feed_section(request: HttpRequest, fetch: Fetch, *, base_url: str) -> FeedSection:
    """The page of a feed the request asks for (`?cursor=`, `?limit=`), with its context.

    A damaged cursor or a limit out of range gets a message and the first page, with
    status 400: the person sees what went wrong and still has something to read.
    """
    cursor = request.GET.get("cursor") or None
    limit = request.GET.get("limit") or None
    status = 200
    try:
        page = fetch(cursor, limit)
    except ServiceError as error:
        messages.error(request, str(error.detail))
        cursor, limit, status = None, None, 400
        page = fetch(None, None)
    # The next page keeps the page size that was asked for (the default goes unsaid).
    size = None if limit is None else clean_limit(limit)
    next_url = (
        with_query(base_url, cursor=page.next_cursor, limit=size) if page.next_cursor else None
    )
    context = {
        "posts": page,
        "next_url": next_url,
        "is_first_page": cursor is None,
        "feed_url": base_url,
        **cards_context(viewer_of(request), page.items),
    }
    return FeedSection(context=context, status=status)


def _feed_page(
    request: HttpRequest, template: str, section: FeedSection, **context: Any
) -> HttpResponse:
    return render_page(
        request,
        template,
        {**section.context, **context},
        fragment=FRAGMENT,
        status=section.status,
    )


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Signed in: the home feed of what one follows. Visitors: the welcome, then every
    public post."""
    viewer = viewer_of(request)
    base_url = reverse("home")
    if isinstance(viewer, Member):
        member = viewer

        def fetch(cursor: str | None, limit: int | str | None) -> Page[Post]:
            return home_feed(viewer=member, cursor=cursor, limit=limit)

        section = feed_section(request, fetch, base_url=base_url)
        return _feed_page(request, "feeds/home.html", section)
    section = feed_section(request, _global_fetch(viewer), base_url=base_url)
    return _feed_page(request, "feeds/welcome.html", section)


def _global_fetch(viewer: Viewer) -> Fetch:
    def fetch(cursor: str | None, limit: int | str | None) -> Page[Post]:
        return global_feed(viewer=viewer, cursor=cursor, limit=limit)

    return fetch


@require_safe
def everything(request: HttpRequest) -> HttpResponse:
    """Every post the viewer may read, newest first: the global stream."""
    section = feed_section(
        request, _global_fetch(viewer_of(request)), base_url=reverse("feeds:all")
    )
    return _feed_page(request, "feeds/all.html", section)


@dataclass(frozen=True)
class ProfilePosts:
    """The posts part of a profile page: its context, or the fragment htmx asked for."""

    context: dict[str, Any]
    status: int
    fragment: HttpResponse | None


def profile_posts(request: HttpRequest, member: Member) -> ProfilePosts:
    """A member's posts for their profile page, and the next ones for its "load more"."""
    viewer = viewer_of(request)

    def fetch(cursor: str | None, limit: int | str | None) -> Page[Post]:
        return member_feed(viewer=viewer, author=member, cursor=cursor, limit=limit)

    section = feed_section(request, fetch, base_url=member.get_absolute_url())
    fragment = None
    if is_htmx(request) and "cursor" in request.GET:
        fragment = render_page(
            request, FRAGMENT, section.context, fragment=FRAGMENT, status=section.status
        )
    return ProfilePosts(context=section.context, status=section.status, fragment=fragment)
