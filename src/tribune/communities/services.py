"""Every write to subwikis, memberships and follows."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.accounts.selectors import members_named
from tribune.communities.models import (
    EditPolicy,
    Membership,
    MembershipState,
    Role,
    Subwiki,
    SubwikiFollow,
    Visibility,
)
from tribune.communities.permissions import (
    EditDecision,
    can_change_roles,
    can_change_settings,
    can_create_subwiki,
    can_follow,
    can_join,
    can_leave,
    can_manage_members,
    can_review_description,
    can_view_subwiki,
    edit_decision,
    membership_of,
    remember_membership,
)
from tribune.core.exceptions import Forbidden, NotFound, ServiceError
from tribune.core.ratelimit import rate_limit
from tribune.wiki.models import PageKind, Revision
from tribune.wiki.services import (
    SaveResult,
    page_create,
    page_lock,
    page_revert,
    page_save,
    pending_approve,
    pending_reject,
    revision_for_page,
)

DESCRIPTION_FIELDS = frozenset({"description"})
RESERVED_SLUGS = frozenset({"new", "all", "feed", "edit", "admin", "api", "settings"})
MAX_DESCRIPTION = 20_000


def _validate_subwiki(*, name: str, slug: str, description: str, visibility: str) -> None:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Please give the subwiki a name.")]
    elif len(name) > 80:
        errors["name"] = [_("Use at most 80 characters.")]
    try:
        validate_slug(slug)
        if not 2 <= len(slug) <= 50:
            raise ValidationError("length")
    except ValidationError:
        errors["slug"] = [_("Use 2 to 50 letters, digits, hyphens or underscores.")]
    else:
        if slug.lower() in RESERVED_SLUGS:
            errors["slug"] = [_("This address is reserved.")]
        elif Subwiki.objects.filter(slug__iexact=slug).exists():
            errors["slug"] = [_("This address is taken.")]
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = [_("Use at most %(n)d characters.") % {"n": MAX_DESCRIPTION}]
    if visibility not in Visibility.values:
        errors["visibility"] = [_("Choose public or private.")]
    if errors:
        raise ServiceError(_("The subwiki could not be created."), errors=errors)


def subwiki_create(
    *, actor: Member, name: str, slug: str, description: str = "", visibility: str = "public"
) -> Subwiki:
    """Create a subwiki; its creator becomes its owner, member and follower."""
    if not can_create_subwiki(actor):
        raise Forbidden(_("Only admitted members can create subwikis."))
    slug = slug.strip().lower()
    _validate_subwiki(name=name, slug=slug, description=description, visibility=visibility)
    try:
        with transaction.atomic():
            page = page_create(
                kind=PageKind.SUBWIKI,
                subwiki_id=None,
                author=actor,
                content={"description": description},
                summary=_("Created the subwiki"),
            )
            subwiki = Subwiki.objects.create(
                name=name.strip(),
                slug=slug,
                description=description,
                page=page,
                visibility=visibility,
                created_by=actor,
                member_count=1,
                follower_count=1,
            )
            page.subwiki = subwiki
            page.save(update_fields=["subwiki"])
            page.revisions.update(subwiki=subwiki)
            Membership.objects.create(subwiki=subwiki, member=actor, role=Role.OWNER)
            SubwikiFollow.objects.create(subwiki=subwiki, member=actor)
    except IntegrityError:
        # Two people took the same address at the same moment.
        raise ServiceError(
            _("The subwiki could not be created."), errors={"slug": [_("This address is taken.")]}
        ) from None
    return subwiki


def subwiki_update_settings(
    *,
    actor: Member,
    subwiki: Subwiki,
    name: str,
    visibility: str,
    description_edit_policy: str,
    min_post_edit_policy: str,
) -> Subwiki:
    """Change a subwiki's name, visibility and edit policies (owners and staff)."""
    if not can_change_settings(actor, subwiki):
        raise Forbidden(_("Only the owners of this subwiki can change its settings."))
    errors: dict[str, list[str]] = {}
    if not name.strip() or len(name) > 80:
        errors["name"] = [_("Use 1 to 80 characters.")]
    if visibility not in Visibility.values:
        errors["visibility"] = [_("Choose public or private.")]
    for field, value in (
        ("description_edit_policy", description_edit_policy),
        ("min_post_edit_policy", min_post_edit_policy),
    ):
        if value not in EditPolicy.values:
            errors[field] = [_("Choose one of the edit policies.")]
    if errors:
        raise ServiceError(_("The settings could not be saved."), errors=errors)
    subwiki.name = name.strip()
    subwiki.visibility = visibility
    subwiki.description_edit_policy = description_edit_policy
    subwiki.min_post_edit_policy = min_post_edit_policy
    subwiki.save(
        update_fields=["name", "visibility", "description_edit_policy", "min_post_edit_policy"]
    )
    return subwiki


def subwiki_description_edit(
    *,
    actor: Member,
    subwiki: Subwiki,
    description: str,
    base_revision: int | str | None,
    summary: str = "",
    address: str | None = None,
) -> SaveResult:
    """Save an edit of the description, merged with edits made meanwhile (wiki services)."""
    if not can_view_subwiki(actor, subwiki):
        raise NotFound
    decision = edit_decision(
        actor, policy=subwiki.description_edit_policy, subwiki=subwiki, author=None
    )
    if decision is EditDecision.DENIED:
        raise Forbidden(_("You may not edit this subwiki's description."))
    if len(description) > MAX_DESCRIPTION:
        raise ServiceError(
            _("The description is too long."),
            errors={"description": [_("Use at most %(n)d characters.") % {"n": MAX_DESCRIPTION}]},
        )
    rate_limit("edit", member=actor, address=address)
    with transaction.atomic():
        page = page_lock(subwiki.page_id)
        result = page_save(
            page=page,
            author=actor,
            base_revision_id=base_revision,
            changes={"description": description},
            summary=summary,
            pending=decision is EditDecision.PENDING,
            multiline=DESCRIPTION_FIELDS,
        )
        if result.changed and not result.pending:
            _sync_description(subwiki, result)
    return result


def subwiki_description_revert(
    *,
    actor: Member,
    subwiki: Subwiki,
    revision_id: int | str,
    summary: str = "",
    address: str | None = None,
) -> SaveResult:
    """Restore an earlier description as a new revision."""
    decision = edit_decision(
        actor, policy=subwiki.description_edit_policy, subwiki=subwiki, author=None
    )
    if not can_view_subwiki(actor, subwiki):
        raise NotFound
    if decision is not EditDecision.LIVE:
        raise Forbidden(_("You may not revert this subwiki's description."))
    rate_limit("edit", member=actor, address=address)
    with transaction.atomic():
        page = page_lock(subwiki.page_id)
        target = revision_for_page(page, revision_id)
        result = page_revert(page=page, actor=actor, target=target, summary=summary)
        if result.changed:
            _sync_description(subwiki, result)
    return result


def subwiki_description_approve(
    *, actor: Member, subwiki: Subwiki, revision_id: int | str
) -> Revision:
    """Approve a pending description edit: it goes live, merged onto edits made since."""
    if not can_view_subwiki(actor, subwiki):
        raise NotFound
    if not can_review_description(actor, subwiki):
        raise Forbidden(_("Only trusted members can approve edits."))
    with transaction.atomic():
        page = page_lock(subwiki.page_id)
        revision = revision_for_page(page, revision_id, field="revision")
        if revision.author_id == actor.pk:
            raise Forbidden(_("You cannot approve your own edit."))
        revision = pending_approve(
            page=page, revision=revision, actor=actor, multiline=DESCRIPTION_FIELDS
        )
        subwiki.description = revision.content.get("description", "")
        subwiki.save(update_fields=["description"])
    return revision


def subwiki_description_reject(
    *, actor: Member, subwiki: Subwiki, revision_id: int | str
) -> Revision:
    """Reject a pending description edit; it stays in the history, marked rejected."""
    if not can_view_subwiki(actor, subwiki):
        raise NotFound
    if not can_review_description(actor, subwiki):
        raise Forbidden(_("Only trusted members can reject edits."))
    with transaction.atomic():
        page = page_lock(subwiki.page_id)
        revision = revision_for_page(page, revision_id, field="revision")
        return pending_reject(page=page, revision=revision, actor=actor)


def _sync_description(subwiki: Subwiki, result: SaveResult) -> None:
    subwiki.description = result.revision.content.get("description", "")
    subwiki.save(update_fields=["description"])


# --- Membership ----------------------------------------------------------


def subwiki_join(*, actor: Member, subwiki: Subwiki) -> Membership:
    """Join a public subwiki, accept an invitation, or ask to join a private one."""
    if not can_join(actor, subwiki):
        if membership_of(actor, subwiki) is not None:
            raise ServiceError(_("You are already a member."), code="already_member")
        raise Forbidden(_("Only admitted members can join subwikis."))
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(subwiki=subwiki, member=actor).first()
        )
        if membership is not None and membership.state == MembershipState.REQUESTED:
            return membership
        if membership is not None and membership.state == MembershipState.INVITED:
            membership.state = MembershipState.ACTIVE
            membership.save(update_fields=["state"])
            _count_members(subwiki, +1)
            _follow_on_joining(subwiki, actor)
        elif subwiki.is_private:
            membership = Membership.objects.create(
                subwiki=subwiki, member=actor, state=MembershipState.REQUESTED
            )
        else:
            membership = Membership.objects.create(subwiki=subwiki, member=actor)
            _count_members(subwiki, +1)
            _follow_on_joining(subwiki, actor)
    remember_membership(subwiki, actor, membership)
    return membership


def subwiki_leave(*, actor: Member, subwiki: Subwiki) -> None:
    """Leave a subwiki (or withdraw a request, or decline an invitation)."""
    if not can_leave(actor, subwiki):
        raise ServiceError(_("You are not a member of this subwiki."), code="not_member")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(subwiki=subwiki, member=actor)
        if membership.role == Role.OWNER and membership.is_active:
            owners = Membership.objects.filter(
                subwiki=subwiki, role=Role.OWNER, state=MembershipState.ACTIVE
            ).count()
            if owners <= 1:
                raise ServiceError(
                    _("You are the only owner: make someone else an owner before you leave."),
                    code="last_owner",
                )
        was_active = membership.is_active
        membership.delete()
        if was_active:
            _count_members(subwiki, -1)
        # Without membership a private subwiki is no longer readable: stop following it.
        if (
            subwiki.is_private
            and SubwikiFollow.objects.filter(subwiki=subwiki, member=actor).delete()[0]
        ):
            _count_followers(subwiki, -1)
    remember_membership(subwiki, actor, None)


def _target_membership(subwiki: Subwiki, username: str) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("member")
        .filter(subwiki=subwiki, member__username__iexact=username)
        .first()
    )
    if membership is None:
        raise NotFound(_("%(name)s is not a member of this subwiki.") % {"name": username})
    return membership


def membership_approve(*, actor: Member, subwiki: Subwiki, username: str) -> Membership:
    """Accept a request to join (moderators)."""
    if not can_manage_members(actor, subwiki):
        raise Forbidden(_("Only the moderators of this subwiki can manage its members."))
    with transaction.atomic():
        membership = _target_membership(subwiki, username)
        if membership.state != MembershipState.REQUESTED:
            raise ServiceError(_("There is no request to approve."), code="not_requested")
        membership.state = MembershipState.ACTIVE
        membership.save(update_fields=["state"])
        _count_members(subwiki, +1)
        _follow_on_joining(subwiki, membership.member)
    return membership


def membership_remove(*, actor: Member, subwiki: Subwiki, username: str) -> Membership:
    """Refuse a request, withdraw an invitation or remove a member (moderators).

    Returns the deleted row, so that callers can say which of the three it was.
    """
    if not can_manage_members(actor, subwiki):
        raise Forbidden(_("Only the moderators of this subwiki can manage its members."))
    with transaction.atomic():
        membership = _target_membership(subwiki, username)
        if membership.role == Role.OWNER and not can_change_roles(actor, subwiki):
            raise Forbidden(_("Only owners can remove an owner."))
        if membership.member_id == actor.pk:
            raise ServiceError(_("To leave, use Leave."), code="use_leave")
        if membership.is_active:
            _count_members(subwiki, -1)
        membership.delete()
    return membership


def membership_invite(*, actor: Member, subwiki: Subwiki, username: str) -> Membership:
    """Invite a member to join (moderators); they accept by joining."""
    if not can_manage_members(actor, subwiki):
        raise Forbidden(_("Only the moderators of this subwiki can manage its members."))
    invitee = members_named(username).filter(is_active=True).first()
    if invitee is None:
        raise ServiceError(
            _("There is no member with that username."),
            errors={"username": [_("Unknown member.")]},
        )
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(subwiki=subwiki, member=invitee).first()
        )
        if membership is not None and membership.is_active:
            raise ServiceError(_("%(name)s is already a member.") % {"name": invitee.username})
        if membership is not None and membership.state == MembershipState.REQUESTED:
            membership.state = MembershipState.ACTIVE
            membership.invited_by = actor
            membership.save(update_fields=["state", "invited_by"])
            _count_members(subwiki, +1)
            _follow_on_joining(subwiki, invitee)
            return membership
        if membership is None:
            membership = Membership.objects.create(
                subwiki=subwiki, member=invitee, state=MembershipState.INVITED, invited_by=actor
            )
    return membership


def membership_set_role(*, actor: Member, subwiki: Subwiki, username: str, role: str) -> Membership:
    """Make a member an owner, moderator or plain member (owners and staff)."""
    if not can_change_roles(actor, subwiki):
        raise Forbidden(_("Only owners can change roles."))
    if role not in Role.values:
        raise ServiceError(
            _("Choose owner, moderator or member."), errors={"role": [_("Unknown role.")]}
        )
    with transaction.atomic():
        membership = _target_membership(subwiki, username)
        if not membership.is_active:
            raise ServiceError(_("Only active members can be given a role."))
        if membership.role == Role.OWNER and role != Role.OWNER:
            owners = Membership.objects.filter(
                subwiki=subwiki, role=Role.OWNER, state=MembershipState.ACTIVE
            ).count()
            if owners <= 1:
                raise ServiceError(_("A subwiki needs at least one owner."), code="last_owner")
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def _follow_on_joining(subwiki: Subwiki, member: Member) -> None:
    # Whichever way someone becomes a member (joining, an accepted invitation or an
    # approved request), the subwiki's posts come to their feed; they may unfollow.
    _follow, created = SubwikiFollow.objects.get_or_create(subwiki=subwiki, member=member)
    if created:
        _count_followers(subwiki, +1)


def _count_members(subwiki: Subwiki, delta: int) -> None:
    Subwiki.objects.filter(pk=subwiki.pk).update(member_count=F("member_count") + delta)
    subwiki.member_count += delta


def _count_followers(subwiki: Subwiki, delta: int) -> None:
    Subwiki.objects.filter(pk=subwiki.pk).update(follower_count=F("follower_count") + delta)
    subwiki.follower_count += delta


# --- Follows -------------------------------------------------------------


def subwiki_follow(*, actor: Member, subwiki: Subwiki) -> bool:
    """Follow a subwiki (idempotent); returns whether a new follow was made."""
    if not can_follow(actor, subwiki):
        if not can_view_subwiki(actor, subwiki):
            raise NotFound
        raise Forbidden(_("Only admitted members can follow subwikis."))
    with transaction.atomic():
        _follow, created = SubwikiFollow.objects.get_or_create(subwiki=subwiki, member=actor)
        if created:
            _count_followers(subwiki, +1)
    return created


def subwiki_unfollow(*, actor: Member, subwiki: Subwiki) -> bool:
    """Stop following a subwiki (idempotent)."""
    if not can_view_subwiki(actor, subwiki):
        raise NotFound
    with transaction.atomic():
        deleted, _rows = SubwikiFollow.objects.filter(subwiki=subwiki, member=actor).delete()
        if deleted:
            _count_followers(subwiki, -1)
    return bool(deleted)


def member_follow_default_subwikis(*, member: Member) -> int:
    """New members start by following the subwikis staff marked as default."""
    count = 0
    for subwiki in Subwiki.objects.filter(is_default=True, visibility=Visibility.PUBLIC):
        with transaction.atomic():
            _follow, created = SubwikiFollow.objects.get_or_create(subwiki=subwiki, member=member)
            if created:
                _count_followers(subwiki, +1)
                count += 1
    return count
