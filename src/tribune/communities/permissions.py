"""Who may do what in a subwiki. One function per action; anything not listed is denied.

Functions take the viewer's membership of the subwiki when the caller already has
it (selectors annotate it), so that a list of subwikis costs no query per row.
"""

from __future__ import annotations

import enum

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from tribune.accounts.models import Member
from tribune.accounts.permissions import (
    TRUSTED_LEVEL,
    Viewer,
    has_trust_level,
    is_admitted,
    is_site_moderator,
    is_staff,
)
from tribune.communities.models import EditPolicy, Membership, MembershipState, Role, Subwiki


def membership_of(viewer: Viewer, subwiki: Subwiki) -> Membership | None:
    """The viewer's membership row (any state), cached on the subwiki instance."""
    if not viewer.is_authenticated:
        return None
    cache: dict[int, Membership | None] = subwiki.__dict__.setdefault("_membership_cache", {})
    if viewer.pk not in cache:
        cache[viewer.pk] = Membership.objects.filter(subwiki=subwiki, member=viewer).first()
    return cache[viewer.pk]


def remember_membership(subwiki: Subwiki, viewer: Viewer, membership: Membership | None) -> None:
    """Prime membership_of's cache (selectors do this for whole lists in one query)."""
    if viewer.is_authenticated:
        subwiki.__dict__.setdefault("_membership_cache", {})[viewer.pk] = membership


def is_active_member(viewer: Viewer, subwiki: Subwiki) -> bool:
    # A member of the subwiki (any role), not someone with a pending request or invitation.
    membership = membership_of(viewer, subwiki)
    return membership is not None and membership.state == MembershipState.ACTIVE


def is_subwiki_moderator(viewer: Viewer, subwiki: Subwiki) -> bool:
    # Owners and moderators of this subwiki, staff, and site moderators (public ones only:
    # a private subwiki's content is for its members).
    if not viewer.is_authenticated or viewer.is_suspended:
        return False
    if is_staff(viewer):
        return True
    membership = membership_of(viewer, subwiki)
    if membership is not None and membership.is_moderator:
        return True
    return is_site_moderator(viewer) and not subwiki.is_private


class _Bans:
    """Bumped by moderation's ban services: member objects read before a ban see it too."""

    generation = 0


def bans_changed() -> None:
    """Say that a ban was made or lifted (moderation.services calls this)."""
    _Bans.generation += 1


def is_banned(viewer: Viewer, subwiki: Subwiki) -> bool:
    """Whether a standing ban (moderation's Ban) keeps the viewer from posting, editing and
    commenting in the subwiki. The viewer's bans are read once per member object, in one
    query, however many subwikis a page asks about."""
    if not isinstance(viewer, Member):
        return False
    cached: tuple[int, frozenset[int]] | None = viewer.__dict__.get("_standing_bans")
    if cached is None or cached[0] != _Bans.generation:
        now = timezone.now()
        standing = viewer.bans.filter(lifted_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )
        cached = (_Bans.generation, frozenset(standing.values_list("subwiki_id", flat=True)))
        viewer.__dict__["_standing_bans"] = cached
    return subwiki.pk in cached[1]


def can_view_subwiki(viewer: Viewer, subwiki: Subwiki) -> bool:
    # Public: everyone (visitors too unless public reading is off). Private: its members and staff.
    if subwiki.is_private:
        return is_active_member(viewer, subwiki) or is_staff(viewer)
    return settings.TRIBUNE_PUBLIC_READ or viewer.is_authenticated


def can_create_subwiki(viewer: Viewer) -> bool:
    # Any admitted member.
    return is_admitted(viewer)


def can_join(viewer: Viewer, subwiki: Subwiki) -> bool:
    # Admitted members who are not members yet; a private subwiki's join is a request,
    # and it needs no visibility of the subwiki (people ask to join by its address).
    if not is_admitted(viewer):
        return False
    membership = membership_of(viewer, subwiki)
    return membership is None or membership.state != MembershipState.ACTIVE


def can_leave(viewer: Viewer, subwiki: Subwiki) -> bool:
    # Members (or people with a pending request or invitation); the last owner must
    # hand over first (checked by the service, which can count owners).
    return viewer.is_authenticated and membership_of(viewer, subwiki) is not None


def can_follow(viewer: Viewer, subwiki: Subwiki) -> bool:
    # Admitted members who may read the subwiki.
    return is_admitted(viewer) and can_view_subwiki(viewer, subwiki)


def can_post_in(viewer: Viewer, subwiki: Subwiki) -> bool:
    # Admitted members; in a private subwiki, its members.
    if not is_admitted(viewer) or is_banned(viewer, subwiki):
        return False
    if subwiki.is_private:
        return is_active_member(viewer, subwiki)
    return True


def can_manage_members(viewer: Viewer, subwiki: Subwiki) -> bool:
    # Approve requests, invite, remove members: the subwiki's moderators.
    return is_subwiki_moderator(viewer, subwiki) and can_view_subwiki(viewer, subwiki)


def can_change_roles(viewer: Viewer, subwiki: Subwiki) -> bool:
    # Make or unmake moderators and owners: owners and staff.
    if is_staff(viewer):
        return True
    membership = membership_of(viewer, subwiki)
    return (
        membership is not None
        and membership.state == MembershipState.ACTIVE
        and membership.role == Role.OWNER
        and is_admitted(viewer)
    )


def can_change_settings(viewer: Viewer, subwiki: Subwiki) -> bool:
    # Name, visibility and policies: owners and staff.
    return can_change_roles(viewer, subwiki)


class EditDecision(enum.Enum):
    LIVE = "live"  # the edit goes live at once
    PENDING = "pending"  # the edit waits for a trusted member's approval
    DENIED = "denied"


def is_trusted_editor(viewer: Viewer, subwiki: Subwiki | None, author: Member | None) -> bool:
    # Trusted: the author, moderators, staff, and members of trust level 2 and up.
    if not viewer.is_authenticated:
        return False
    if author is not None and viewer.pk == author.pk:
        return True
    if is_staff(viewer) or has_trust_level(viewer, TRUSTED_LEVEL):
        return True
    if subwiki is None:
        return is_site_moderator(viewer)
    return is_subwiki_moderator(viewer, subwiki)


def can_review_description(viewer: Viewer, subwiki: Subwiki) -> bool:
    # Approve or reject pending description edits: trusted editors who may read it.
    if not is_admitted(viewer):
        return False
    return can_view_subwiki(viewer, subwiki) and is_trusted_editor(viewer, subwiki, None)


def edit_decision(
    viewer: Viewer, *, policy: str, subwiki: Subwiki | None, author: Member | None
) -> EditDecision:
    """What happens to an edit by `viewer` of a document under `policy` (DESIGN.md).

    The caller has checked that the viewer may see the document.
    """
    if not is_admitted(viewer):
        return EditDecision.DENIED
    if subwiki is not None and is_banned(viewer, subwiki):
        return EditDecision.DENIED
    is_author = author is not None and viewer.pk == author.pk
    moderator = is_staff(viewer) or (
        is_subwiki_moderator(viewer, subwiki) if subwiki else is_site_moderator(viewer)
    )
    allowed: bool
    if policy == EditPolicy.OPEN:
        # Any admitted member (of a private subwiki, since only they can see it).
        allowed = True
    elif policy == EditPolicy.REVIEWED:
        # Any admitted member; below the trusted level the edit waits for approval.
        if not is_trusted_editor(viewer, subwiki, author):
            return EditDecision.PENDING
        allowed = True
    elif policy == EditPolicy.MEMBERS:
        # Members of the subwiki, its moderators and the author.
        allowed = (
            is_author or moderator or (subwiki is not None and is_active_member(viewer, subwiki))
        )
    elif policy == EditPolicy.PROTECTED:
        # Moderators only.
        allowed = moderator
    elif policy == EditPolicy.LOCKED:
        # The author only.
        allowed = is_author
    else:
        allowed = False
    return EditDecision.LIVE if allowed else EditDecision.DENIED
