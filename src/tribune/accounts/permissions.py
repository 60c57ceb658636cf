"""Who may do what with accounts, and the roles every app's rules are made of.

The roles are functions of the viewer alone (what a subwiki adds to them is in
communities.permissions); the other apps ask them here rather than reading the
member's fields. Then the actions: one row per action; anything not listed is
denied (tests/accounts/test_permissions.py walks both for every role).
"""

from __future__ import annotations

from typing import TypeGuard

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from tribune.accounts.models import Member

Viewer = Member | AnonymousUser

# What each trust level opens (docs/trust.md). Trust computes the level, accounts
# stores it, and every app reads it through has_trust_level.
UNSANDBOXED_LEVEL = 1  # the new members' link limit no longer applies
VOUCH_LEVEL = 1  # vouch for other members
WRITER_TRUST_LEVEL = 1  # write community notes
RATER_TRUST_LEVEL = 1  # ratings that count in the notes' scoring
TRUSTED_LEVEL = 2  # reviewed edits go live; approve pending edits; patrol
ROLLBACK_LEVEL = 3  # roll back a member's consecutive edits (MediaWiki's rollbacker)


# --- Roles -------------------------------------------------------------------------


def is_admitted(viewer: Viewer) -> TypeGuard[Member]:
    """Signed in with an admitted account: neither waitlisted nor suspended."""
    return viewer.is_authenticated and viewer.is_admitted


def is_waitlisted(viewer: Viewer) -> TypeGuard[Member]:
    """Signed in with an account that waits in line to be admitted."""
    return viewer.is_authenticated and viewer.is_waitlisted


def is_suspended(viewer: Viewer) -> TypeGuard[Member]:
    """Signed in with a suspended (or deactivated) account."""
    return viewer.is_authenticated and viewer.is_suspended


def is_staff(viewer: Viewer) -> TypeGuard[Member]:
    """Staff: they run the site, and moderate everywhere, private subwikis included."""
    return viewer.is_authenticated and viewer.is_active and viewer.is_staff


def is_site_moderator(viewer: Viewer) -> TypeGuard[Member]:
    """A site moderator: moderates every public subwiki and the posts on profiles."""
    return viewer.is_authenticated and viewer.is_active and viewer.is_moderator


def has_trust_level(viewer: Viewer, level: int) -> bool:
    """Signed in at trust level `level` or above (the levels above say what each opens)."""
    return viewer.is_authenticated and viewer.trust_level >= level


def is_sandboxed(viewer: Viewer) -> bool:
    """Held by the new members' link limit: below UNSANDBOXED_LEVEL, not staff nor moderator."""
    if not viewer.is_authenticated or is_staff(viewer) or is_site_moderator(viewer):
        return False
    return not has_trust_level(viewer, UNSANDBOXED_LEVEL)


# --- Actions -----------------------------------------------------------------------


def can_view_profiles(viewer: Viewer) -> bool:
    # Profiles are public unless the instance turned public reading off.
    return settings.TRIBUNE_PUBLIC_READ or viewer.is_authenticated


def can_edit_profile(viewer: Viewer, member: Member) -> bool:
    # Only the member themself (staff use the admin).
    return viewer.is_authenticated and viewer.pk == member.pk and not member.is_suspended


def can_get_api_token(member: Member) -> bool:
    # A verified e-mail and an account that is not suspended.
    return is_admitted(member) or is_waitlisted(member)


def can_follow_member(viewer: Viewer, member: Member) -> bool:
    # Admitted members, any other member whose profile they may open; never oneself.
    if not is_admitted(viewer):
        return False
    return viewer.pk != member.pk and member.is_active and can_view_profiles(viewer)


def can_unfollow_member(viewer: Viewer) -> bool:
    # Anyone signed in, whatever their access: stopping a follow is always possible.
    return viewer.is_authenticated


def can_invite(viewer: Viewer) -> bool:
    # Admitted and waitlisted members (a waitlisted inviter moves up the line); not
    # suspended ones. An invitation made by someone who no longer may is void.
    return is_admitted(viewer) or is_waitlisted(viewer)


def can_change_access_mode(viewer: Viewer) -> bool:
    # Open, waitlist or invite-only: staff (and the operator's command, which asks nobody).
    return is_staff(viewer)


def can_admit_members(viewer: Viewer) -> bool:
    # Admit a waitlisted member, or the next ones in line: staff (and the operator's command).
    return is_staff(viewer)
