"""Post cards and post bodies rendered once and kept in the cache, for the feeds.

Rendering a card (its Markdown excerpt, its links and dates) costs more than reading
the post. Its main part is the same for every reader of one language and time zone, and
changes only with a new revision of the post, a new link preview, or a renamed author
or subwiki: those are in the cache key, so a changed card is never served. What depends
on the reader (the upvote button, with its state and form) and the counts stay outside
and are rendered on every request.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Iterable
from importlib.metadata import version

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from tribune.core import markdown
from tribune.posts.models import Post

CARD_TEMPLATE = "posts/_post_card_main.html"
# Long enough to serve a busy feed from the cache; short enough that cards of posts
# nobody reads any more leave it.
CARD_SECONDS = 60 * 60


@functools.cache
def _template_version() -> str:
    """A digest of the card's template: a changed template makes new keys, on every server."""
    source = get_template(CARD_TEMPLATE).template.source  # type: ignore[attr-defined]
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def card_key(post: Post) -> str:
    """The cache key of a post's card: everything its main part shows depends on these."""
    subwiki = post.subwiki
    parts = (
        post.pk,
        post.page.current_revision_id,
        post.edited_at,
        post.preview_status,
        post.image_thumbnail.name,
        subwiki.slug if subwiki is not None else "",
        subwiki.name if subwiki is not None else "",
        post.author.username,
        post.author.name,
        get_language(),
        timezone.get_current_timezone_name(),
        _template_version(),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"feeds:card:{digest}"


def prepare_cards(posts: Iterable[Post]) -> None:
    """Give each post its card's main part as `card_html`: from the cache in one read,
    rendered (and stored) for those it did not have."""
    posts = list(posts)
    if not posts:
        return
    keys = {post.pk: card_key(post) for post in posts}
    found: dict[str, str] = cache.get_many(list(keys.values()))
    rendered: dict[str, str] = {}
    for post in posts:
        key = keys[post.pk]
        html = found.get(key)
        if html is None:
            html = rendered[key] = render_to_string(CARD_TEMPLATE, {"post": post})
        # Our own template's output, escaped as it was rendered.
        post.card_html = SafeString(html)  # type: ignore[attr-defined]
    if rendered:
        cache.set_many(rendered, CARD_SECONDS)


@functools.cache
def _renderer_version() -> str:
    """A digest of the Markdown renderer and sanitiser: a change to either (a fix of the
    allow-list, say) makes new keys, so no HTML rendered by the old one is served."""
    parts = [inspect.getsource(markdown), version("markdown-it-py"), version("nh3")]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def bodies_html(posts: Iterable[Post]) -> dict[int, str]:
    """Each post's body as sanitised HTML, by post id: from the cache in one read, rendered
    (and stored) for those it did not have. Keyed by the text itself."""
    posts = list(posts)
    renderer = _renderer_version()
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
