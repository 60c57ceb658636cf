"""Member-written Markdown, rendered and sanitised on the server.

markdown-it-py renders CommonMark with raw HTML turned off (it is shown as
text), and nh3 (ammonia) then keeps only an allow-list of tags, attributes and
URL schemes, so neither a bug in the renderer nor a crafted link can smuggle a
script, an event handler or a `javascript:` / `data:` URL onto a page. Images
are shown as links: pages load nothing from other hosts.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "ins", "li", "ol", "p", "pre", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

_MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_]{3,30})\b")


def _make_renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.disable("image")
    return md


_renderer = _make_renderer()


def _render_image_as_link(md_text: str) -> str:
    # ![alt](url) would load a third-party image; keep it as an ordinary link.
    return re.sub(r"!\[([^\]]*)\]\(", r"[\1](", md_text)


def render_markdown(
    text: str, *, mention_url: Callable[[str], str | None] | None = None
) -> SafeString:
    """Safe HTML for member-written Markdown; `mention_url` links @usernames it knows."""
    html = _renderer.render(_render_image_as_link(text))
    if mention_url is not None:
        html = _link_mentions(html, mention_url)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308  # nh3 sanitised it


def _link_mentions(html: str, mention_url: Callable[[str], str | None]) -> str:
    # Only outside tags and outside <a>/<code>/<pre>: split on tags and track nesting.
    parts = re.split(r"(<[^>]+>)", html)
    depth = 0
    for i, part in enumerate(parts):
        if part.startswith("<"):
            tag = re.match(r"</?(\w+)", part)
            if tag and tag.group(1) in {"a", "code", "pre"}:
                depth += -1 if part.startswith("</") else 1
            continue
        if depth == 0 and "@" in part:

            def link(match: re.Match[str]) -> str:
                url = mention_url(match.group(1))
                return f'<a href="{url}">{match.group(0)}</a>' if url else match.group(0)

            parts[i] = _MENTION.sub(link, part)
    return "".join(parts)


def plain_text(text: str, *, limit: int = 300) -> str:
    """A short plain-text excerpt of Markdown (for feeds, previews and meta tags)."""
    html = _renderer.render(text)
    flat = htmllib.unescape(nh3.clean(html, tags=set()))
    flat = re.sub(r"\s+", " ", flat).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
