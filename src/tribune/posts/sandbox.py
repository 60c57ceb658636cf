"""The sandbox of new members (trust level 0): at most a few links per post.

Spam is mostly links, and most of it comes from new accounts (Discourse limits
its new users the same way). Who is sandboxed is accounts.permissions.is_sandboxed;
the rule is posts.permissions.can_post_links; this module counts the links.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import ngettext

from tribune.accounts.models import Member
from tribune.core.exceptions import ServiceError
from tribune.posts.permissions import can_post_links

# Any web address in the text: Markdown links, autolinks, reference definitions and bare
# addresses alike (a bare one is not clickable, but it is what spam is made of).
_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+", re.IGNORECASE)
# The fields of a post that carry links.
LINK_FIELDS = ("url", "body")


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
    """Refuse a post or edit with more links than its author may put (can_post_links)."""
    links = links_in(after)
    if can_post_links(member, links, None if before is None else links_in(before)):
        return
    limit = int(settings.TRIBUNE_SANDBOX_MAX_LINKS)
    message = ngettext(
        "New members may put at most %(limit)d link in a post (this one has %(count)d). "
        "The limit goes once you have been a member for a few days and contributed.",
        "New members may put at most %(limit)d links in a post (this one has %(count)d). "
        "The limit goes once you have been a member for a few days and contributed.",
        limit,
    ) % {"limit": limit, "count": len(links)}
    raise ServiceError(message, code="too_many_links", errors={"body": [message]})
