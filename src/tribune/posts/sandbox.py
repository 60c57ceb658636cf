"""The sandbox of new members (trust level 0): at most a few links per post.

Spam is mostly links, and most of it comes from new accounts (Discourse limits
its new users the same way). The level is read from the member; moderation
computes it (DESIGN.md: posts ask the member, never the moderation app).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import ngettext

from tribune.accounts.models import Member
from tribune.core.exceptions import ServiceError

# Any web address in the text: Markdown links, autolinks, reference definitions and bare
# addresses alike (a bare one is not clickable, but it is what spam is made of).
_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+", re.IGNORECASE)
# The fields of a post that carry links.
LINK_FIELDS = ("url", "body")


def is_sandboxed(member: Member) -> bool:
    """Trust level 0, and neither staff nor a site moderator."""
    return member.trust_level == 0 and not (member.is_staff or member.is_moderator)


def links_in(fields: Mapping[str, str]) -> set[str]:
    """The distinct web addresses in a post's link and body."""
    found: set[str] = set()
    for name in LINK_FIELDS:
        text = fields.get(name) or ""
        found.update(match.rstrip(".,;:!?").lower() for match in _URL.findall(text))
    return found


def check_links(
    member: Member, after: Mapping[str, str], before: Mapping[str, str] | None = None
) -> None:
    """Refuse a sandboxed member's post (or edit) that leaves more links than allowed.

    An edit that adds no new address is let through, so that a new member may fix a
    typo in a post that others filled with links.
    """
    if not is_sandboxed(member):
        return
    limit = int(settings.TRIBUNE_SANDBOX_MAX_LINKS)
    links = links_in(after)
    if len(links) <= limit or (before is not None and links <= links_in(before)):
        return
    message = ngettext(
        "New members may put at most %(limit)d link in a post (this one has %(count)d). "
        "The limit goes once you have been a member for a few days and contributed.",
        "New members may put at most %(limit)d links in a post (this one has %(count)d). "
        "The limit goes once you have been a member for a few days and contributed.",
        limit,
    ) % {"limit": limit, "count": len(links)}
    raise ServiceError(message, code="too_many_links", errors={"body": [message]})
