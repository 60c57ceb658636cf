"""Template filters of the subwiki pages."""

from __future__ import annotations

from django import template

from tribune.core.markdown import plain_text

register = template.Library()


@register.filter
def excerpt(markdown: str, limit: int = 200) -> str:
    """A short plain-text excerpt of a Markdown description, for lists."""
    return plain_text(markdown or "", limit=limit)
