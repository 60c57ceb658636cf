"""Member-written Markdown never carries script, event handlers or dangerous URLs."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tribune.core.markdown import plain_text, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '<div onmouseover="alert(1)">hover</div>',
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    '[x](https://ok.example "title" onclick="alert(1)")',
    "<svg><script>alert(1)</script></svg>",
    "<<script>script>alert(1)<</script>/script>",
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_safe(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in {"script", "iframe", "style", "img", "svg", "object", "embed"}, html
        assert not any(name.startswith("on") for name in attrs), html
        href = (attrs.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:")), html


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_is_neutralised(source):
    assert_safe(str(render_markdown(source)))


def test_links_get_rel_and_images_become_links():
    html = str(render_markdown("[site](https://example.org) ![photo](https://example.org/a.png)"))
    assert 'rel="nofollow ugc noopener"' in html
    assert "<img" not in html
    assert 'href="https://example.org/a.png"' in html


def test_mentions_link_known_members_only_outside_code():
    known = {"alice"}
    html = str(
        render_markdown(
            "hi @alice and @bob, `@alice` and email@alice.org",
            mention_url=lambda name: f"/u/{name}/" if name in known else None,
        )
    )
    assert html.count('href="/u/alice/"') == 1
    assert "@bob" in html and "/u/bob/" not in html


def test_plain_text_is_short_and_unescaped():
    assert plain_text("# Title\n\nA & B **bold**", limit=100) == "Title A & B bold"
    assert len(plain_text("word " * 200, limit=50)) == 50


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>\"'=:/ ajvscriptonerrorhf()[]!&#;")), max_size=80))
def test_no_generated_input_produces_a_script_or_handler(source):
    assert_safe(str(render_markdown(source)))
