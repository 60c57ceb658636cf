from __future__ import annotations

import secrets

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from tribune.accounts.models import Access, Member, MemberFollow
from tribune.accounts.permissions import (
    can_edit_profile,
    can_follow_member,
    can_unfollow_member,
    can_view_profiles,
)
from tribune.accounts.selectors import members_named
from tribune.accounts.validators import username_validators
from tribune.core.exceptions import Forbidden, NotFound, ServiceError

ROLES = ("member", "moderator", "staff")


def member_create(
    *,
    username: str,
    email: str,
    display_name: str = "",
    password: str | None = None,
    confirmed: bool = False,
    role: str = "member",
) -> tuple[Member, str]:
    """Create an admitted member (operators and the demo); returns it and its password."""
    errors: dict[str, list[str]] = {}
    for validator in username_validators:
        try:
            validator(username)
        except ValidationError as e:
            errors.setdefault("username", []).extend(e.messages)
    try:
        validate_email(email)
    except ValidationError as e:
        errors.setdefault("email", []).extend(e.messages)
    if role not in ROLES:
        errors["role"] = [_("Choose member, moderator or staff.")]
    if members_named(username).exists():
        errors.setdefault("username", []).append(_("This username is taken."))
    if Member.objects.filter(email__iexact=email).exists():
        errors.setdefault("email", []).append(_("This e-mail address is in use."))
    if errors:
        raise ServiceError(_("The member could not be created."), errors=errors)
    password = password or secrets.token_urlsafe(12)
    with transaction.atomic():
        member = Member(
            username=username,
            email=email.lower(),
            display_name=display_name or username,
            access=Access.ADMITTED,
            is_moderator=role in {"moderator", "staff"},
            is_staff=role == "staff",
            is_superuser=role == "staff",
        )
        member.set_password(password)
        member.save()
        EmailAddress.objects.create(
            user=member, email=member.email, primary=True, verified=confirmed
        )
    return member, password


def member_update_profile(
    *, actor: Member, member: Member, display_name: str, bio: str, time_zone: str
) -> Member:
    """Change the name, bio and time zone a member shows."""
    if not can_edit_profile(actor, member):
        raise Forbidden
    member.display_name = display_name.strip()
    member.bio = bio.strip()
    member.time_zone = time_zone
    member.save(update_fields=["display_name", "bio", "time_zone"])
    return member


# --- Follows ---------------------------------------------------------------------


def member_follow(*, actor: Member, member: Member) -> bool:
    """Follow a member: their posts join the actor's home feed (idempotent); True if new."""
    if not can_view_profiles(actor) or not member.is_active:
        raise NotFound
    if not actor.is_admitted:
        raise _follow_refusal(actor)
    if actor.pk == member.pk:
        raise ServiceError(_("You cannot follow yourself."), code="cannot_follow_self")
    if not can_follow_member(actor, member):
        raise Forbidden
    # The unique constraint settles two requests at once: one creates, the other finds it.
    with transaction.atomic():
        _follow, created = MemberFollow.objects.get_or_create(follower=actor, followed=member)
    return created


def _follow_refusal(actor: Member) -> Forbidden:
    if actor.is_suspended:
        return Forbidden(_("Your account is suspended: you cannot follow members."))
    return Forbidden(
        _("Your account is on the waitlist: you can follow members once it is admitted."),
        code="waitlisted",
    )


def member_unfollow(*, actor: Member, member: Member) -> bool:
    """Stop following a member (idempotent); True if a follow was removed."""
    if not can_unfollow_member(actor):
        raise Forbidden
    deleted, _rows = MemberFollow.objects.filter(follower=actor, followed=member).delete()
    return bool(deleted)


def members_set_trust_level(*, member_ids: list[int], level: int) -> None:
    """Store the trust level that trust.services computed for these members.

    Only that column: a profile edit made meanwhile is not overwritten.
    """
    Member.objects.filter(pk__in=member_ids).update(trust_level=level)


def member_set_supporter_badge(*, member: Member, show: bool) -> Member:
    """Show or hide one's own supporter badge (shown while one supports the site)."""
    member.show_supporter_badge = show
    member.save(update_fields=["show_supporter_badge"])
    return member
