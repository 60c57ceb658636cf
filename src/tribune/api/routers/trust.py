"""Trust: `POST` / `DELETE /api/v1/members/{username}/trust` (API.md), and a member's level.

Thin endpoints over trust.services, which holds the rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from tribune.accounts.models import Member
from tribune.accounts.selectors import member_get_profile
from tribune.api.auth import admitted_auth, optional_auth
from tribune.api.helpers import member_and_profile, viewer_of
from tribune.api.routers.members import member_out
from tribune.api.schemas import ERRORS, MemberOut, path_text
from tribune.core.ratelimit import client_address
from tribune.trust.selectors import TrustSummary, trust_summary
from tribune.trust.services import vouch_create, vouch_withdraw

router = Router(tags=["trust"])

RequirementName = Literal["days", "edits", "comments", "vouches", "reports"]


class VouchOut(Schema):
    username: str
    trust_level: int = Field(description="The member's trust level, 0 to 3.")
    vouched: bool = Field(description="Whether you vouch for the member now.")
    vouch_count: int = Field(description="How many members vouch for this member.")
    vouches_left: int | None = Field(
        description="How many more members you may vouch for (null without a token)."
    )


class RequirementOut(Schema):
    requirement: RequirementName = Field(
        description=(
            "days (since admission), edits (accepted), comments (visible), vouches (from "
            "members at level 2 and up), reports (upheld, at most)"
        )
    )
    value: int
    needed: int = Field(description="The level's requirement (for reports: the most allowed).")
    met: bool
    held: bool = Field(
        description="Kept by hysteresis: at least 90% of the requirement keeps a level."
    )


class TrustOut(VouchOut):
    computed_at: dt.datetime | None = Field(
        description="When the level was last reckoned (null: not yet)."
    )
    change: Literal["kept", "promoted", "demoted", "penalty"] | None = Field(
        description="How the last reckoning changed the level; `penalty`: upheld reports."
    )
    current: list[RequirementOut] = Field(description="The current level's requirements.")
    next: list[RequirementOut] = Field(description="The next level's requirements.")
    vouchers: list[MemberOut] = Field(description="Members who vouch for this one (up to 20).")


def _vouch_out(member: Member, summary: TrustSummary) -> VouchOut:
    return VouchOut(
        username=member.username,
        trust_level=summary.level,
        vouched=summary.vouched_by_viewer,
        vouch_count=summary.vouch_count,
        vouches_left=summary.viewer_vouches_left,
    )


def _requirements(rows: list[dict[str, object]]) -> list[RequirementOut]:
    return [
        RequirementOut(
            requirement=row["name"],  # type: ignore[arg-type]  # stored by trust.services
            value=row["value"],  # type: ignore[arg-type]
            needed=row["needed"],  # type: ignore[arg-type]
            met=bool(row["met"]),
            held=bool(row["held"]),
        )
        for row in rows
    ]


@router.get(
    "/members/{username}/trust",
    response={200: TrustOut, **ERRORS},
    auth=optional_auth,
    description=(
        "Addition: a member's trust level, the numbers behind it (docs/trust.md), who "
        "vouches for them and whether you do."
    ),
)
def trust(request: HttpRequest, username: str) -> TrustOut:
    """A member's trust level and its reasons."""
    viewer = viewer_of(request)
    member = member_get_profile(viewer=viewer, username=path_text(username))
    summary = trust_summary(viewer=viewer, member=member)
    reasons = summary.record.reasons if summary.record is not None else {}
    return TrustOut(
        **_vouch_out(member, summary).model_dump(),
        computed_at=summary.record.computed_at if summary.record is not None else None,
        change=reasons.get("change"),
        current=_requirements(reasons.get("current") or []),
        next=_requirements(reasons.get("next") or []),
        vouchers=[member_out(voucher) for voucher in summary.vouchers],
    )


@router.post(
    "/members/{username}/trust",
    response={200: VouchOut, **ERRORS},
    auth=admitted_auth,
    description=(
        "Vouch for a member; vouches from members at trust level 2 and up (and staff and "
        "moderators) count towards the member's level. Members at level 1 and up may vouch "
        "(below it: `403` `trust_level_too_low`), for admitted members (`400` "
        "`member_not_admitted`), never themselves (`400` `cannot_vouch_self`), and for at "
        "most TRIBUNE_VOUCH_LIMIT members at once (`400` `vouch_limit_reached`). Idempotent: "
        "vouching again answers the same."
    ),
)
def vouch(request: HttpRequest, username: str) -> VouchOut:
    """Vouch for a member."""
    actor, member = member_and_profile(request, username)
    vouch_create(actor=actor, member=member, address=client_address(request))
    return _vouch_out(member, trust_summary(viewer=actor, member=member))


@router.delete(
    "/members/{username}/trust",
    response={200: VouchOut, **ERRORS},
    auth=admitted_auth,
    description="Withdraw your vouch for a member. Idempotent: withdrawing again answers the same.",
)
def withdraw(request: HttpRequest, username: str) -> VouchOut:
    """Withdraw one's vouch for a member."""
    actor, member = member_and_profile(request, username)
    vouch_withdraw(actor=actor, member=member)
    return _vouch_out(member, trust_summary(viewer=actor, member=member))
