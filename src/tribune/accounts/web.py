"""What page views know of the member behind a request, and member-written Markdown."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString

from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer
from tribune.accounts.selectors import mentioned_members
from tribune.core.markdown import render_markdown


def viewer_of(request: HttpRequest) -> Viewer:
    """Who is asking: a member, or an anonymous visitor."""
    return request.user


def member_of(request: HttpRequest) -> Member:
    """The member asking, in a view behind login_required."""
    return request.user  # type: ignore[return-value]  # behind login_required


def markdown_html(viewer: Viewer, text: str) -> SafeString:
    """Member-written Markdown with @mentions linked to the members who exist (one query)."""
    if "@" not in text:
        return render_markdown(text)
    # A first pass collects the names the renderer would link (outside code and links).
    names: list[str] = []

    def collect(name: str) -> None:
        names.append(name)

    render_markdown(text, mention_url=collect)
    known = mentioned_members(viewer=viewer, usernames=names)

    def profile_url(name: str) -> str | None:
        username = known.get(name)
        return reverse("feeds:profile", args=[username]) if username else None

    return render_markdown(text, mention_url=profile_url)
