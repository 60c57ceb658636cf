"""Who may report, act, review, patrol, appeal and read the moderation log.

One function per action; anything not listed is denied. Every function takes a target
found by moderation.targets for the same viewer, so "may they see it" is settled
before any of these is asked (what they may not see is not found). `ACTION_RULES`
maps each action of the API to its rule; tests/moderation/test_permissions.py walks
it for every role.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from tribune.accounts.models import Member
from tribune.accounts.permissions import (
    TRUSTED_LEVEL,
    Viewer,
    has_trust_level,
    is_admitted,
    is_site_moderator,
    is_staff,
)
from tribune.communities.models import Membership, MembershipState, Role, Subwiki
from tribune.communities.permissions import (
    can_review_description,
    can_view_subwiki,
    is_subwiki_moderator,
    is_trusted_editor,
)
from tribune.moderation.models import ActionKind, ModerationAction
from tribune.moderation.targets import Target
from tribune.posts.permissions import can_review_revisions
from tribune.posts.permissions import can_rollback as posts_can_rollback

# Actions whose member may appeal them: those that take something away.
APPEALABLE = frozenset(
    {
        ActionKind.REMOVE,
        ActionKind.LOCK,
        ActionKind.PROTECT,
        ActionKind.BAN,
        ActionKind.SUSPEND,
        ActionKind.REJECT_REVISION,
        ActionKind.ROLLBACK,
    }
)


def moderates(viewer: Viewer, subwiki: Subwiki | None) -> bool:
    # A subwiki: its owners and moderators, site moderators (public ones), staff. Outside
    # subwikis (profile posts and their talk): site moderators and staff, as posts say.
    if not is_admitted(viewer):
        return False
    if subwiki is None:
        return is_staff(viewer) or is_site_moderator(viewer)
    return is_subwiki_moderator(viewer, subwiki) and can_view_subwiki(viewer, subwiki)


def can_report(viewer: Viewer, target: Target) -> bool:
    # Admitted members, about anything they can see, except themselves as a member.
    if not is_admitted(viewer):
        return False
    return not (target.kind == "member" and target.obj.pk == viewer.pk)


def can_moderate(viewer: Viewer, target: Target) -> bool:
    # Remove, restore, lock, unlock, protect, dismiss: who moderates where the target
    # lives (moderates above); reports about members: staff.
    if target.kind == "member":
        return is_admitted(viewer) and is_staff(viewer)
    return moderates(viewer, target.subwiki)


def can_rollback(viewer: Viewer, target: Target) -> bool:
    # Roll back a member's consecutive edits of a post: the post's moderators, and
    # members at trust level 3 where their edits go live (one rule, in posts).
    return target.post is not None and posts_can_rollback(viewer, target.post)


def can_ban(viewer: Viewer, subwiki: Subwiki, member: Member) -> bool:
    # Ban from (or let back into) a subwiki: its moderators, never themselves; someone who
    # moderates the subwiki too only by staff.
    if not moderates(viewer, subwiki) or viewer.pk == member.pk:
        return False
    return is_staff(viewer) or not is_subwiki_moderator(member, subwiki)


def can_suspend(viewer: Viewer, member: Member) -> bool:
    # Suspend an account site-wide (or lift it): staff, never themselves nor other staff.
    if not (is_admitted(viewer) and is_staff(viewer)):
        return False
    return viewer.pk != member.pk and not member.is_staff


def can_review(viewer: Viewer, target: Target) -> bool:
    # Approve or reject a pending revision: trusted editors (level 2+, the post's author,
    # moderators, staff; posts.permissions), never of their own revision.
    if target.kind != "revision" or not is_admitted(viewer):
        return False
    if target.revision.author_id == viewer.pk:
        return False
    if target.post is not None:
        return can_review_revisions(viewer, target.post)
    return target.subwiki is not None and can_review_description(viewer, target.subwiki)


def can_patrol(viewer: Viewer, target: Target) -> bool:
    # Mark a live revision patrolled: level 2+, moderators and staff, not their own edits.
    if target.kind != "revision" or not is_admitted(viewer):
        return False
    if target.revision.author_id == viewer.pk:
        return False
    return is_trusted_editor(viewer, target.subwiki, None)


def can_view_queue(viewer: Viewer, subwiki: Subwiki | None = None) -> bool:
    # A subwiki's queue: those who moderate it, and trusted members (level 2+) for its
    # pending and unpatrolled edits. Everything one may act on: the same people anywhere
    # (staff, site moderators, level 2+, and owners and moderators of a subwiki).
    if not is_admitted(viewer):
        return False
    if subwiki is not None:
        return moderates(viewer, subwiki) or (
            can_view_subwiki(viewer, subwiki) and is_trusted_editor(viewer, subwiki, None)
        )
    if is_staff(viewer) or is_site_moderator(viewer) or has_trust_level(viewer, TRUSTED_LEVEL):
        return True
    return Membership.objects.filter(
        member=viewer, state=MembershipState.ACTIVE, role__in=[Role.OWNER, Role.MODERATOR]
    ).exists()


def can_read_log(viewer: Viewer) -> bool:
    # Everyone who may read the site; entries about a private subwiki are its members'
    # and staff's (moderation.selectors applies that filter).
    return settings.TRIBUNE_PUBLIC_READ or viewer.is_authenticated


def can_appeal(viewer: Viewer, action: ModerationAction) -> bool:
    # The member an action took something from, once (the service checks "once"), whatever
    # their access: a suspended member may appeal their suspension.
    return (
        viewer.is_authenticated and action.affected_id == viewer.pk and action.action in APPEALABLE
    )


def can_decide_appeal(viewer: Viewer) -> bool:
    # Grant or deny an appeal, and read the appeals: staff.
    return is_admitted(viewer) and is_staff(viewer)


ActionRule = Callable[[Viewer, Target, Subwiki | None], bool]


def _ban_rule(viewer: Viewer, target: Target, subwiki: Subwiki | None) -> bool:
    place = subwiki or target.subwiki
    return place is not None and target.member is not None and can_ban(viewer, place, target.member)


def _suspend_rule(viewer: Viewer, target: Target, subwiki: Subwiki | None) -> bool:
    return target.member is not None and can_suspend(viewer, target.member)


def _on_target(rule: Callable[[Viewer, Target], bool]) -> ActionRule:
    return lambda viewer, target, subwiki: rule(viewer, target)


# Every action of POST /api/v1/moderation/actions and who may take it; `subwiki` is the
# one a ban names (else the target's own).
ACTION_RULES: dict[str, ActionRule] = {
    ActionKind.REMOVE: _on_target(can_moderate),
    ActionKind.RESTORE: _on_target(can_moderate),
    ActionKind.LOCK: _on_target(can_moderate),
    ActionKind.UNLOCK: _on_target(can_moderate),
    ActionKind.PROTECT: _on_target(can_moderate),
    ActionKind.DISMISS: _on_target(can_moderate),
    ActionKind.ROLLBACK: _on_target(can_rollback),
    ActionKind.BAN: _ban_rule,
    ActionKind.UNBAN: _ban_rule,
    ActionKind.SUSPEND: _suspend_rule,
    ActionKind.UNSUSPEND: _suspend_rule,
    ActionKind.APPROVE_REVISION: _on_target(can_review),
    ActionKind.REJECT_REVISION: _on_target(can_review),
    ActionKind.PATROL: _on_target(can_patrol),
}


def can_act(viewer: Viewer, action: str, target: Target, subwiki: Subwiki | None = None) -> bool:
    """Whether the viewer may take `action` on `target` (unknown actions: no)."""
    rule = ACTION_RULES.get(action)
    return rule is not None and rule(viewer, target, subwiki)
