from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from tribune.accounts.models import Member
from tribune.accounts.selectors import member_get_profile
from tribune.api.auth import member_auth, optional_auth
from tribune.api.schemas import ERRORS, MemberOut, MeOut

router = Router(tags=["members"])


def member_out(member: Member) -> MemberOut:
    return MemberOut(
        id=str(member.pk),
        username=member.username,
        name=member.name,
        bio=member.bio,
        joined_at=member.created_at,
        trust_level=member.trust_level,
        supporter=member.is_supporter,
    )


@router.get("/me", response={200: MeOut, **ERRORS}, auth=member_auth)
def me(request: HttpRequest) -> MeOut:
    """The member behind the token."""
    member: Member = request.auth  # type: ignore[attr-defined]
    return MeOut(
        **member_out(member).model_dump(),
        email=member.email,
        access=member.access,
        waitlist_position=None,
    )


@router.get("/members/{username}", response={200: MemberOut, **ERRORS}, auth=optional_auth)
def member_profile(request: HttpRequest, username: str) -> MemberOut:
    """A member's public profile."""
    member = member_get_profile(viewer=request.auth, username=username)  # type: ignore[attr-defined]
    return member_out(member)
