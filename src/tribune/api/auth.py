"""Bearer-token authentication for the API, with the same access rules as the pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security.base import AuthBase

from tribune.accounts.models import Member
from tribune.api.services import token_member
from tribune.core.exceptions import Forbidden


class NotAuthenticated(AuthenticationError):
    def __init__(self) -> None:
        super().__init__(401, _("A valid personal access token is needed."))


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotAuthenticated
    return value.strip()


def _authenticate(request: HttpRequest, raw: str) -> Member:
    found = token_member(raw)
    if found is None:
        raise NotAuthenticated
    token, member = found
    request.api_token = token  # type: ignore[attr-defined]  # read by token revocation
    request.user = member
    return member


def _admitted(member: Member) -> Member:
    if not member.is_admitted:
        raise Forbidden(
            _(
                "Your account is on the waitlist. Until it is admitted, your token "
                "reaches only your account, invites and donations."
            ),
            code="waitlisted",
        )
    return member


class Auth(AuthBase):
    """Base of the API's auth callables; ninja documents each as a bearer scheme.

    Subclassing AuthBase is what puts `security` on each operation of the OpenAPI
    schema (ninja reads `openapi_*` attributes into a security scheme).
    """

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Any:
        raise NotImplementedError


class MemberAuth(Auth):
    """A token is required; waitlisted members pass (me, invites, donations)."""

    def __call__(self, request: HttpRequest) -> Member:
        raw = _bearer(request)
        if raw is None:
            raise NotAuthenticated
        return _authenticate(request, raw)


class AdmittedAuth(MemberAuth):
    """A token of an admitted member is required; waitlisted ones get 403 `waitlisted`."""

    def __call__(self, request: HttpRequest) -> Member:
        return _admitted(super().__call__(request))


class OptionalAuth(Auth):
    """Public reads: no token reads as a visitor; a bad token is still refused.

    A waitlisted member's token reaches only me, invites and donations (API.md),
    so here it answers 403 `waitlisted` like any other operation.
    """

    def __call__(self, request: HttpRequest) -> Member | AnonymousUser:
        raw = _bearer(request)
        if raw is None:
            return AnonymousUser()
        return _admitted(_authenticate(request, raw))


member_auth = MemberAuth()
admitted_auth = AdmittedAuth()
optional_auth = OptionalAuth()
