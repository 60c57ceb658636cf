"""Post cards and post bodies rendered once and kept in the cache, for the feeds.

Rendering a card (its Markdown excerpt, its links and dates, its upvote button) costs
far more than reading the post. A card is the same for every reader of one language and
time zone who has, or has not, upvoted the post, but for two strings of the request: the
CSRF token of its upvote form and the address the form comes back to. So the whole card
is rendered with stand-ins for those two and kept, under a key made of everything it
shows (the post's revision, its counts, its link preview, the names of its author and
subwiki, whether the reader upvoted it, is signed in, their language and time zone, the
templates): a changed card is never served. A page puts the request's token and address
in place of the stand-ins (templatetags.feed_cards).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import inspect
import sys
from collections.abc import Collection, Iterable
from importlib.metadata import version

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from tribune.core import markdown
from tribune.posts.models import Post

CARD_TEMPLATE = "posts/_post_card_full.html"
# Every template a card is made of: a change to any makes new keys.
CARD_TEMPLATES = (
    CARD_TEMPLATE,
    "posts/_post_card_main.html",
    "posts/_upvote.html",
    "notes/_card_note.html",
)
# Long enough to serve a busy feed from the cache; short enough that cards of posts
# nobody reads any more, and of counts that have changed, leave it.
CARD_SECONDS = 60 * 60
# What Django's CSRF context holds where a page has no token to give.
_NO_TOKEN = "NOTPROVIDED"  # noqa: S105  # a marker, not a secret


@functools.cache
def _template_version() -> str:
    """A digest of the card's templates and of this module: a change to either makes new
    keys, on every server."""
    sources = [
        get_template(name).template.source  # type: ignore[attr-defined]
        for name in CARD_TEMPLATES
    ]
    sources.append(inspect.getsource(sys.modules[__name__]))  # how a card is kept
    return hashlib.sha256("|".join(sources).encode()).hexdigest()[:12]


@functools.lru_cache(maxsize=4)
def _stand_ins(secret: str) -> tuple[str, str]:
    """What a cached card holds in place of the CSRF token and of the page's address.

    Derived from the secret key, so that no one can write them into a post for the page
    to replace; letters and digits only, so that escaping leaves them as they are.
    """
    digest = hmac.new(secret.encode(), b"tribune.feeds.cards", hashlib.sha256).hexdigest()
    return f"csrf{digest[:24]}", f"next{digest[24:48]}"


def stand_ins() -> tuple[str, str]:
    """The stand-ins of the CSRF token and of the page's address in a cached card."""
    return _stand_ins(settings.SECRET_KEY)


def card_key(post: Post, *, upvoted: bool, signed_in: bool, reader: tuple[str, ...] = ()) -> str:
    """The cache key of a post's card: everything the card shows depends on these.

    `reader`: what the reader's language, time zone and the templates make of every card
    (_reader_parts), worked out once for a list.
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
    return (
        get_language() or "",
        timezone.get_current_timezone_name(),
        _template_version(),
    )


class _Reader:
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
    found: dict[str, str] = cache.get_many(list(keys.values()))
    rendered: dict[str, str] = {}
    csrf, back = stand_ins()
    user = _Reader(signed_in)
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


def fill_card(html: str, *, csrf_token: str, path: str) -> SafeString:
    """A prepared card (or any HTML rendered with the stand-ins) with the request's CSRF
    token and address in their place."""
    csrf, back = stand_ins()
    if not csrf_token or csrf_token == _NO_TOKEN:
        # What {% csrf_token %} writes without a token: nothing.
        field = f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        html = html.replace(field, "")
    # The token is letters and digits; the address is escaped as the template would.
    filled = html.replace(csrf, escape(csrf_token)).replace(back, escape(path))
    return SafeString(filled)


@functools.cache
def renderer_version() -> str:
    """A digest of the Markdown renderer and sanitiser: a change to either (a fix of the
    allow-list, say) makes new keys, so no HTML rendered by the old one is served."""
    parts = [inspect.getsource(markdown), version("markdown-it-py"), version("nh3")]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def bodies_html(posts: Iterable[Post]) -> dict[int, str]:
    """Each post's body as sanitised HTML, by post id: from the cache in one read, rendered
    (and stored) for those it did not have. Keyed by the text itself."""
    posts = list(posts)
    renderer = renderer_version()
    keys = {
        post.pk: "feeds:body:" + hashlib.sha256(f"{renderer}|{post.body}".encode()).hexdigest()
        for post in posts
    }
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
