"""Pieces of pages rendered once and kept in the cache: what every such fragment shares.

A fragment (a post's card, a post's threads, a post as the API writes it, a text
rendered from Markdown) is kept in the `fragments` cache under a key made of what it
shows: the rows it was rendered from, the reader's language and time zone. What it is
rendered *by* (templates, code, the Markdown renderer and its libraries) is not in its
key: the cache's VERSION is the release (settings.FRAGMENTS_VERSION: Tribune's version
and TRIBUNE_RELEASE), so a new release reads and writes keys of its own and never
serves a fragment an older one rendered, even while old and new servers share one Redis
during a rolling deploy.

What changes from one request to the next inside a fragment (the CSRF token of its
forms, the address a form comes back to) is rendered as a stand-in (`stand_ins`), and
each request puts its own values in their place (`fill_stand_ins`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.utils.html import escape
from django.utils.safestring import SafeString

# The alias of the cache that keeps fragments (settings.CACHES).
FRAGMENTS = "fragments"
# What Django's CSRF context holds where a page has no token to give.
_NO_TOKEN = "NOTPROVIDED"  # noqa: S105  # a marker, not a secret


def fragment_cache() -> BaseCache:
    """The cache that keeps fragments, versioned by the release."""
    return caches[FRAGMENTS]


@functools.lru_cache(maxsize=4)
def _stand_ins_for(secret: str) -> tuple[str, str]:
    digest = hmac.new(secret.encode(), b"tribune.core.fragments", hashlib.sha256).hexdigest()
    return f"csrf{digest[:24]}", f"next{digest[24:48]}"


def stand_ins() -> tuple[str, str]:
    """What a kept fragment holds in place of the CSRF token and of the page's address.

    Derived from the secret key, so that no one can write them into a post for the page
    to replace; letters and digits only, so that escaping leaves them as they are.
    """
    return _stand_ins_for(settings.SECRET_KEY)


def fill_stand_ins(html: str, *, csrf_token: str, path: str) -> SafeString:
    """HTML rendered with the stand-ins, with the request's CSRF token and address in
    their place."""
    csrf, back = stand_ins()
    if not csrf_token or csrf_token == _NO_TOKEN:
        # What {% csrf_token %} writes without a token: nothing.
        field = f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        html = html.replace(field, "")
    # The token is letters and digits; the address is escaped as the template would.
    filled = html.replace(csrf, escape(csrf_token)).replace(back, escape(path))
    return SafeString(filled)
