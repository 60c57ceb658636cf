from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from pydantic import Field

from tribune.accounts.invitations import invitations_left
from tribune.accounts.models import Member
from tribune.accounts.selectors import member_follow_summary, member_get_profile
from tribune.accounts.waitlist import waitlist_position
from tribune.api.auth import member_auth, optional_auth
from tribune.api.schemas import ERRORS, MemberOut, MeOut

router = Router(tags=["members"])


def member_out(member: Member) -> MemberOut:
    """A member as others see them: a supporter who hides the badge is not shown as one."""
    return MemberOut(
        id=str(member.pk),
        username=member.username,
        name=member.name,
        bio=member.bio,
        joined_at=member.created_at,
        trust_level=member.trust_level,
        supporter=member.shows_supporter_badge,
    )


@router.get(
    "/me",
    response={200: MeOut, **ERRORS},
    auth=member_auth,
    description=(
        "The member behind the token. A waitlisted member's token reaches this, invites and "
        "donations: `waitlist_position` says where they are in line (1 is next)."
    ),
)
def me(request: HttpRequest) -> MeOut:
    """The member behind the token."""
    member: Member = request.auth  # type: ignore[attr-defined]
    return MeOut(
        **{**member_out(member).model_dump(), "supporter": member.is_supporter},
        email=member.email,
        access=member.access,
        waitlist_position=waitlist_position(member),
        supporter_until=member.supporter_until,
        show_supporter_badge=member.show_supporter_badge,
        invitations_left=invitations_left(member),
    )


class ProfileOut(MemberOut):
    follower_count: int = Field(description="How many members follow this member.")
    following_count: int = Field(description="How many members this member follows.")
    following: bool = Field(description="Whether you follow this member (false without a token).")
    follows_you: bool = Field(description="Whether this member follows you.")


@router.get("/members/{username}", response={200: ProfileOut, **ERRORS}, auth=optional_auth)
def member_profile(request: HttpRequest, username: str) -> ProfileOut:
    """A member's public profile, with follower counts."""
    viewer = request.auth  # type: ignore[attr-defined]
    member = member_get_profile(viewer=viewer, username=username)
    summary = member_follow_summary(viewer=viewer, member=member)
    return ProfileOut(
        **member_out(member).model_dump(),
        follower_count=summary.follower_count,
        following_count=summary.following_count,
        following=summary.following,
        follows_you=summary.follows_you,
    )
