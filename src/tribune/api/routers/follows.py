"""Following members: `POST` / `DELETE /api/v1/members/{username}/follow` (API.md).

Thin endpoints over the accounts services and selectors, which hold the rules.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from tribune.accounts.models import Member
from tribune.accounts.selectors import FollowSummary, member_follow_summary
from tribune.accounts.services import member_follow, member_unfollow
from tribune.api.auth import admitted_auth
from tribune.api.helpers import member_and_profile
from tribune.api.schemas import ERRORS

router = Router(tags=["members"])


class MemberFollowOut(Schema):
    username: str
    following: bool = Field(description="Whether you follow the member now.")
    follows_you: bool = Field(description="Whether the member follows you.")
    friends: bool = Field(description="Whether you follow each other.")
    follower_count: int = Field(description="How many members follow this member.")
    following_count: int = Field(description="How many members this member follows.")


def follow_out(member: Member, summary: FollowSummary) -> MemberFollowOut:
    return MemberFollowOut(
        username=member.username,
        following=summary.following,
        follows_you=summary.follows_you,
        friends=summary.friends,
        follower_count=summary.follower_count,
        following_count=summary.following_count,
    )


@router.post(
    "/members/{username}/follow",
    response={200: MemberFollowOut, **ERRORS},
    auth=admitted_auth,
    description=(
        "Follow a member: their posts join your home feed. Idempotent: following again "
        "answers the same. Following yourself answers `400` with code `cannot_follow_self`."
    ),
)
def follow(request: HttpRequest, username: str) -> MemberFollowOut:
    """Follow a member."""
    actor, member = member_and_profile(request, username)
    member_follow(actor=actor, member=member)
    return follow_out(member, member_follow_summary(viewer=actor, member=member))


@router.delete(
    "/members/{username}/follow",
    response={200: MemberFollowOut, **ERRORS},
    auth=admitted_auth,
    description="Stop following a member. Idempotent: unfollowing again answers the same.",
)
def unfollow(request: HttpRequest, username: str) -> MemberFollowOut:
    """Stop following a member."""
    actor, member = member_and_profile(request, username)
    member_unfollow(actor=actor, member=member)
    return follow_out(member, member_follow_summary(viewer=actor, member=member))
