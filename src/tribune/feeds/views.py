"""Feed pages: home, the global stream, a subwiki's page and a member's profile.

Each is a list of post cards, newest first, with a "load more" that is a plain link to
the next page (`?cursor=`) and that htmx turns into "append the next cards here".
A cursor or limit that is not valid answers 400 with a message and the first page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from tribune.accounts.follow_views import profile_follow_context
from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer
from tribune.accounts.selectors import member_get_profile
from tribune.accounts.web import viewer_of
from tribune.communities.permissions import can_change_settings, can_post_in
from tribune.communities.selectors import description_edit_decision, subwiki_get
from tribune.communities.views import subwiki_actions_context
from tribune.core.markdown import render_markdown
from tribune.core.pagination import Page
from tribune.core.web import is_htmx, render_page, requested_page
from tribune.feeds.cards import prepare_cards
from tribune.feeds.home import UPVOTED, home_feed
from tribune.feeds.selectors import global_feed, member_feed, subwiki_feed
from tribune.posts.models import Post
from tribune.posts.reactions import upvoted_post_ids

FRAGMENT = "feeds/_post_items.html"

# `fetch(cursor=, limit=)`: a page of the feed.
Fetch = Callable[..., Page[Post]]


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
    """The page of a feed the request asks for (core.web.requested_page), with its context."""
    requested = requested_page(request, fetch)
    context = {
        "posts": requested.page,
        "next_url": requested.next_url(base_url),
        "is_first_page": requested.is_first,
        "feed_url": base_url,
        **cards_context(viewer_of(request), requested.page.items),
    }
    return FeedSection(context=context, status=requested.status)


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

        def fetch(*, cursor: str | None, limit: int | str | None) -> Page[Post]:
            return home_feed(viewer=member, cursor=cursor, limit=limit)

        section = feed_section(request, fetch, base_url=base_url)
        return _feed_page(request, "feeds/home.html", section)
    section = feed_section(request, _global_fetch(viewer), base_url=base_url)
    return _feed_page(request, "feeds/welcome.html", section)


def _global_fetch(viewer: Viewer) -> Fetch:
    def fetch(*, cursor: str | None, limit: int | str | None) -> Page[Post]:
        return global_feed(viewer=viewer, cursor=cursor, limit=limit)

    return fetch


@require_safe
def everything(request: HttpRequest) -> HttpResponse:
    """Every post the viewer may read, newest first: the global stream."""
    section = feed_section(
        request, _global_fetch(viewer_of(request)), base_url=reverse("feeds:all")
    )
    return _feed_page(request, "feeds/all.html", section)


@require_safe
def subwiki_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A subwiki: its description, the viewer's buttons and its posts, newest first."""
    viewer = viewer_of(request)
    subwiki = subwiki_get(viewer=viewer, slug=slug)

    def fetch(*, cursor: str | None, limit: int | str | None) -> Page[Post]:
        return subwiki_feed(viewer=viewer, subwiki=subwiki, cursor=cursor, limit=limit)

    section = feed_section(request, fetch, base_url=subwiki.get_absolute_url())
    context = {
        **section.context,
        **subwiki_actions_context(request, subwiki),
        "description_html": render_markdown(subwiki.description),
        "can_post": can_post_in(viewer, subwiki),
        "description_edit": description_edit_decision(viewer, subwiki).value,
        "can_change_settings": can_change_settings(viewer, subwiki),
    }
    return render_page(
        request,
        "feeds/subwiki.html",
        context,
        fragment=FRAGMENT,
        status=section.status,
        include_boosted=True,
    )


@require_safe
def profile(request: HttpRequest, username: str) -> HttpResponse:
    """A member's profile: who they are, who follows them, and their posts, newest first."""
    viewer = viewer_of(request)
    member = member_get_profile(viewer=viewer, username=username)

    def fetch(*, cursor: str | None, limit: int | str | None) -> Page[Post]:
        return member_feed(viewer=viewer, author=member, cursor=cursor, limit=limit)

    section = feed_section(request, fetch, base_url=member.get_absolute_url())
    if is_htmx(request) and "cursor" in request.GET:
        # htmx's "load more": the next cards only.
        return render_page(
            request, FRAGMENT, section.context, fragment=FRAGMENT, status=section.status
        )
    context = {"member": member, **profile_follow_context(request, member), **section.context}
    return render(request, "accounts/profile.html", context, status=section.status)
