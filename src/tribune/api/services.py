from __future__ import annotations

import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tribune.accounts.models import Member
from tribune.accounts.permissions import can_get_api_token
from tribune.api.models import PersonalAccessToken, hash_token
from tribune.core.exceptions import ServiceError
from tribune.core.ratelimit import rate_limit

TOKEN_PREFIX = "trb_"  # noqa: S105  # a marker that makes leaked tokens findable, no secret


class InvalidCredentials(ServiceError):
    status = 401
    code = "invalid_credentials"
    # The same answer for an unknown e-mail, a wrong password, an unverified address
    # and a suspended account: the API never confirms that an e-mail is registered.
    default_detail = _("These credentials are not valid.")


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: PersonalAccessToken


def token_create(
    *, request: HttpRequest | None, email: str, password: str, address: str | None = None
) -> IssuedToken:
    """Exchange an e-mail and password for a new personal access token."""
    # A log-in: every attempt counts, per address and per e-mail, before the password
    # is checked, so that guessing is slow from one address or against one account.
    rate_limit("token", address=address, email=email)
    member = authenticate(request, email=email.strip(), password=password)
    if not isinstance(member, Member) or not can_get_api_token(member):
        raise InvalidCredentials
    if not EmailAddress.objects.filter(user=member, email__iexact=member.email, verified=True):
        raise InvalidCredentials
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = PersonalAccessToken.objects.create(
        member=member, token_hash=hash_token(raw), prefix=raw[:12], name="API"
    )
    return IssuedToken(token=raw, record=record)


def token_member(raw: str) -> tuple[PersonalAccessToken, Member] | None:
    """The live token and its member for a bearer value, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    record = (
        PersonalAccessToken.objects.select_related("member")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if record is None or not can_get_api_token(record.member):
        return None
    now = timezone.now()
    # Touch last_used_at at most once a minute, so reads do not all become writes.
    if record.last_used_at is None or (now - record.last_used_at).total_seconds() > 60:
        PersonalAccessToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record, record.member


def token_revoke(*, token: PersonalAccessToken) -> None:
    """Revoke a token at once; it answers 401 from then on."""
    PersonalAccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
