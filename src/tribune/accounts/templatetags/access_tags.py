"""The waitlist banner that base.html shows to members waiting in line."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from tribune.accounts.waitlist import waitlist_position

register = template.Library()


@register.inclusion_tag("accounts/_waitlist_banner.html", takes_context=True)
def waitlist_banner(context: template.Context) -> dict[str, Any]:
    """Where a waitlisted member stands; nothing (and no query) for anyone else."""
    user = context.get("user")
    # `user` is already loaded by the page's header: reading it costs nothing more.
    if user is None or not user.is_authenticated or not user.is_waitlisted:
        return {"show": False}
    waitlist_url = reverse("accounts:waitlist")
    request = context.get("request")
    if request is not None and request.path == waitlist_url:
        return {"show": False}  # the page itself says it at length
    return {"show": True, "position": waitlist_position(user), "waitlist_url": waitlist_url}
