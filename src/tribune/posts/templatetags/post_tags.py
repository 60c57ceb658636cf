"""Template filters of the post and revision pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import template
from django.utils.formats import number_format

from tribune.core.markdown import plain_text

register = template.Library()


@register.filter
def excerpt(markdown: str, limit: int = 280) -> str:
    """A short plain-text excerpt of Markdown, for cards and lists."""
    return plain_text(markdown or "", limit=limit)


@register.filter
def signed(number: int) -> str:
    """A size delta as people read it in histories: +12, -3 (with a real minus sign), 0."""
    if number > 0:
        return f"+{number_format(number, force_grouping=True)}"
    if number < 0:
        return f"\u2212{number_format(-number, force_grouping=True)}"
    return "0"


@register.filter
def host(url: str) -> str:
    """The site a link goes to ("example.org"), shown beside link posts."""
    name = urlsplit(url or "").hostname or ""
    return name.removeprefix("www.")
