"""Reads of the feeds: the global stream, a subwiki's and a member's posts, and the public
items of the RSS and Atom feeds; the home feed has a module of its own (feeds.home).
Every list is newest first and pages by keyset cursor on (created_at, id), so a page
boundary holds while new posts arrive.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer
from tribune.communities.models import Subwiki
from tribune.core.pagination import (
    Page,
    paginate_keyset,
)
from tribune.posts.models import Post
from tribune.posts.selectors import (
    post_queryset,
    posts_by_member,
    posts_in_subwiki,
)

KEYS = ("created_at", "id")


# Items of an RSS or Atom feed.
SYNDICATION_ITEMS = 30


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
