"""Who may vouch for members; anything not listed is denied.

- vouch: admitted members at level 1+, staff and site moderators, for another admitted
  member, up to TRIBUNE_VOUCH_LIMIT vouches at once (trust.services checks the count);
- withdraw a vouch: anyone signed in, their own vouch, whatever their access.
"""

from __future__ import annotations

from django.conf import settings

from tribune.accounts.permissions import Viewer

# Level 1 and up may vouch (and write community notes).
VOUCH_LEVEL = 1


def can_vouch(viewer: Viewer) -> bool:
    # Admitted members at level 1 and up; staff and site moderators whatever their level,
    # so that a new instance has someone whose word counts.
    if not (viewer.is_authenticated and viewer.is_admitted):
        return False
    return viewer.trust_level >= VOUCH_LEVEL or viewer.is_staff or bool(viewer.is_moderator)


def vouch_limit() -> int:
    """How many members one may vouch for at once (TRIBUNE_VOUCH_LIMIT)."""
    return int(settings.TRIBUNE_VOUCH_LIMIT)


def can_withdraw_vouch(viewer: Viewer) -> bool:
    # Their own vouch, whatever their access now: taking one's word back is always allowed.
    return viewer.is_authenticated
