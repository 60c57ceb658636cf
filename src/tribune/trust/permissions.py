"""Who may vouch for members; anything not listed is denied.

One function per action (tests/trust/test_permissions.py walks them for every role);
trust.services asks the same questions one at a time, to say which one failed, and
checks the TRIBUNE_VOUCH_LIMIT count.
"""

from __future__ import annotations

from django.conf import settings

from tribune.accounts.models import Member
from tribune.accounts.permissions import (
    VOUCH_LEVEL,
    Viewer,
    has_trust_level,
    is_admitted,
    is_site_moderator,
    is_staff,
)


def can_vouch(viewer: Viewer) -> bool:
    # Admitted members at level 1 and up; staff and site moderators whatever their level,
    # so that a new instance has someone whose word counts.
    if not is_admitted(viewer):
        return False
    return has_trust_level(viewer, VOUCH_LEVEL) or is_staff(viewer) or is_site_moderator(viewer)


def can_vouch_for(viewer: Viewer, member: Member) -> bool:
    # Those who may vouch, for another member who is admitted.
    return can_vouch(viewer) and member.is_admitted and viewer.pk != member.pk


def vouch_limit() -> int:
    """How many members one may vouch for at once (TRIBUNE_VOUCH_LIMIT)."""
    return int(settings.TRIBUNE_VOUCH_LIMIT)


def can_withdraw_vouch(viewer: Viewer) -> bool:
    # Their own vouch, whatever their access now: taking one's word back is always allowed.
    return viewer.is_authenticated
