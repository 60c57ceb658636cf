"""Invitations: `POST` / `GET /api/v1/invites` (API.md, Access and funding).

Thin endpoints over accounts.invitations, which holds the rules (who may invite,
the monthly allowance, what state an invitation is in).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from tribune.accounts.invitations import invitation_create, invitation_url, invitations_of
from tribune.accounts.models import Invitation, Member
from tribune.api.auth import member_auth
from tribune.api.schemas import ERRORS, ListOut, ListParams

router = Router(tags=["access"])

# ninja has no way to declare a response header; the schema says it here.
RETRY_AFTER: dict[str, Any] = {
    "responses": {
        429: {
            "headers": {
                "Retry-After": {
                    "description": "Seconds until another invitation may be made.",
                    "schema": {"type": "integer"},
                }
            }
        }
    }
}


def member_of(request: HttpRequest) -> Member:
    return request.auth  # type: ignore[attr-defined, no-any-return]  # set by member_auth


class InviteOut(Schema):
    code: str = Field(description="The single-use code.")
    url: str = Field(description="The sign-up address with the code filled in, to share.")
    state: Literal["open", "used", "accepted", "expired"] = Field(
        description=(
            "`open`: may still be used; `used`: a friend signed up with it and has not yet "
            "confirmed their e-mail; `accepted`: they did, and it counted; `expired`: unused "
            "in time."
        )
    )
    created_at: dt.datetime
    expires_at: dt.datetime = Field(description="After this, an unused code no longer works.")
    used_by: str | None = Field(description="The username of the friend who used it, or null.")
    used_at: dt.datetime | None = Field(description="Addition: when it was used, or null.")


def invite_out(request: HttpRequest, invitation: Invitation) -> InviteOut:
    used_by = invitation.used_by
    return InviteOut(
        code=invitation.code,
        url=request.build_absolute_uri(invitation_url(invitation)),
        state=invitation.state,  # type: ignore[arg-type]  # one of the four states
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
        used_by=used_by.username if used_by is not None else None,
        used_at=invitation.used_at,
    )


@router.post(
    "/invites",
    response={201: InviteOut, **ERRORS},
    auth=member_auth,
    openapi_extra=RETRY_AFTER,
    description=(
        "Make a single-use invitation to share with a friend. An admitted member's "
        "invitation admits the friend once they confirm their e-mail; a waitlisted member's "
        "moves the inviter up the line instead. Each member may make a limited number in "
        "30 days: past it, `429` with code `rate_limited` and `Retry-After`."
    ),
)
def create_invite(request: HttpRequest) -> Status[InviteOut]:
    """Make a single-use invitation."""
    invitation = invitation_create(actor=member_of(request))
    return Status(201, invite_out(request, invitation))


@router.get(
    "/invites",
    response={200: ListOut[InviteOut], **ERRORS},
    auth=member_auth,
    description="Your invitations, newest first, each with its state and who used it.",
)
def list_invites(request: HttpRequest, params: Query[ListParams]) -> ListOut[InviteOut]:
    """Your invitations, newest first."""
    page = invitations_of(member=member_of(request), cursor=params.cursor, limit=params.limit)
    return ListOut[InviteOut](
        items=[invite_out(request, invitation) for invitation in page.items],
        next_cursor=page.next_cursor,
    )
