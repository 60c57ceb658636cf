from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from tribune.api.auth import member_auth
from tribune.api.schemas import ErrorOut
from tribune.api.services import token_create, token_revoke
from tribune.core.ratelimit import client_address

router = Router(tags=["auth"])


class TokenIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=4096)


class TokenOut(Schema):
    token: str
    username: str


@router.post(
    "/tokens",
    response={201: TokenOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
    auth=None,
    description=(
        "Exchange an e-mail and password for a personal access token. Attempts are "
        "limited per address and per e-mail, right or wrong: past the limit, `429` with "
        "code `rate_limited` and `Retry-After`."
    ),
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[TokenOut]:
    """Exchange an e-mail and password for a personal access token."""
    issued = token_create(
        request=request,
        email=payload.email,
        password=payload.password,
        address=client_address(request),
    )
    return Status(201, TokenOut(token=issued.token, username=issued.record.member.username))


@router.delete("/tokens/current", response={204: None, 401: ErrorOut}, auth=member_auth)
def revoke_current_token(request: HttpRequest) -> Status[None]:
    """Revoke the token this request carries."""
    token_revoke(token=request.api_token)  # type: ignore[attr-defined]  # set by member_auth
    return Status(204, None)
