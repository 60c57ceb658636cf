from __future__ import annotations

from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer, can_view_profiles
from tribune.core.exceptions import NotFound


def member_get_profile(*, viewer: Viewer, username: str) -> Member:
    """The member behind a profile page; NotFound if unknown or not visible to `viewer`."""
    if not can_view_profiles(viewer):
        raise NotFound
    try:
        return Member.objects.get(username__iexact=username, is_active=True)
    except Member.DoesNotExist:
        raise NotFound from None
