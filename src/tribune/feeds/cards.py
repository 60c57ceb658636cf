"""Post cards and post bodies rendered once and kept in the cache, for the feeds.

Rendering a card (its Markdown excerpt, its links and dates, its upvote button) costs
far more than reading the post. A card is the same for every reader of one language and
time zone who has, or has not, upvoted the post, but for two strings of the request: the
CSRF token of its upvote form and the address the form comes back to. So the whole card
is rendered with stand-ins for those two (core.fragments) and kept, under a key made of
everything it shows (the post's revision, its counts, its link preview, the names of its
author and subwiki, whether the reader upvoted it, is signed in, their language and time
zone); the fragments cache is versioned by the release, so a card rendered by other
templates or code is never served. A page puts the request's token and address in place
of the stand-ins (templatetags.feed_cards).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from tribune.core import markdown
from tribune.core.fragments import fragment_cache, stand_ins
from tribune.posts.models import Post

CARD_TEMPLATE = "posts/_post_card_full.html"
# Long enough to serve a busy feed from the cache; short enough that cards of posts
# nobody reads any more, and of counts that have changed, leave it.
CARD_SECONDS = 60 * 60


def card_key(post: Post, *, upvoted: bool, signed_in: bool, reader: tuple[str, ...] = ()) -> str:
    """The cache key of a post's card: everything the card shows depends on these.

    `reader`: the reader's language and time zone (_reader_parts), worked out once for a
    list.
    """
    subwiki = post.subwiki
    parts = (
        post.pk,
        post.page.current_revision_id,
        post.edited_at,
        post.preview_status,
        post.preview_title,
        post.preview_site_name,
        post.preview_description,
        post.preview_image.name,
        post.image.name,
        post.image_thumbnail.name,
        subwiki.slug if subwiki is not None else "",
        subwiki.name if subwiki is not None else "",
        post.author.username,
        post.author.name,
        post.upvote_count,
        post.comment_count,
        # The post's helpful community note (notes.annotations): a note that becomes
        # helpful, changes its text or stops being helpful makes a new card.
        getattr(post, "helpful_note_id", None),
        getattr(post, "helpful_note_body", None),
        upvoted,
        signed_in,
        reader or _reader_parts(),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"feeds:card:{digest}"


def _reader_parts() -> tuple[str, ...]:
    return (get_language() or "", timezone.get_current_timezone_name())


class _CardReader:
    """Who a card is rendered for: signed in or not; nothing else of them shows."""

    def __init__(self, signed_in: bool) -> None:
        self.is_authenticated = signed_in


def prepare_cards(posts: Iterable[Post], *, upvoted_ids: Collection[int], signed_in: bool) -> None:
    """Give each post its whole card as `card_html`, with stand-ins for the request's CSRF
    token and address: from the cache in one read, rendered (and stored) for those it did
    not have."""
    posts = list(posts)
    if not posts:
        return
    reader = _reader_parts()
    keys = {
        post.pk: card_key(post, upvoted=post.pk in upvoted_ids, signed_in=signed_in, reader=reader)
        for post in posts
    }
    cache = fragment_cache()
    found: dict[str, str] = cache.get_many(list(keys.values()))
    rendered: dict[str, str] = {}
    csrf, back = stand_ins()
    user = _CardReader(signed_in)
    for post in posts:
        key = keys[post.pk]
        html = found.get(key)
        if html is None:
            context = {
                "post": post,
                "upvoted_ids": upvoted_ids,
                "user": user,
                "csrf_token": csrf,
                "back_url": back,
            }
            html = rendered[key] = render_to_string(CARD_TEMPLATE, context)
        # Our own template's output, escaped as it was rendered.
        post.card_html = SafeString(html)  # type: ignore[attr-defined]
    if rendered:
        cache.set_many(rendered, CARD_SECONDS)


def bodies_html(posts: Iterable[Post]) -> dict[int, str]:
    """Each post's body as sanitised HTML, by post id: from the cache in one read, rendered
    (and stored) for those it did not have. Keyed by the text itself."""
    posts = list(posts)
    keys = {
        post.pk: "feeds:body:" + hashlib.sha256(post.body.encode()).hexdigest() for post in posts
    }
    cache = fragment_cache()
    found: dict[str, str] = cache.get_many(list(set(keys.values()))) if keys else {}
    rendered: dict[str, str] = {}
    result: dict[int, str] = {}
    for post in posts:
        key = keys[post.pk]
        html = found.get(key) or rendered.get(key)
        if html is None:
            html = rendered[key] = str(markdown.render_markdown(post.body))
        result[post.pk] = html
    if rendered:
        cache.set_many(rendered, CARD_SECONDS)
    return result
