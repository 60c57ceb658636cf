"""Who may do what with accounts. One row per action; anything not listed is denied."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from tribune.accounts.models import Member

Viewer = Member | AnonymousUser


def can_view_profiles(viewer: Viewer) -> bool:
    # Profiles are public unless the instance turned public reading off.
    return settings.TRIBUNE_PUBLIC_READ or viewer.is_authenticated


def can_edit_profile(viewer: Viewer, member: Member) -> bool:
    # Only the member themself (staff use the admin).
    return viewer.is_authenticated and viewer.pk == member.pk and not member.is_suspended


def can_get_api_token(member: Member) -> bool:
    # A verified e-mail and an account that is not suspended.
    return member.is_active and not member.is_suspended


def can_follow_member(viewer: Viewer, member: Member) -> bool:
    # Admitted members, any other member whose profile they may open; never oneself.
    if not (viewer.is_authenticated and viewer.is_admitted):
        return False
    return viewer.pk != member.pk and member.is_active and can_view_profiles(viewer)


def can_unfollow_member(viewer: Viewer) -> bool:
    # Anyone signed in, whatever their access: stopping a follow is always possible.
    return viewer.is_authenticated
