"""Domain errors raised by services and selectors.

Views turn them into pages with a message; the API turns them into
`{"detail", "code"}` answers with the status each one names. NotFound and
Forbidden are also Django's Http404 and PermissionDenied, so that one a view
does not catch still answers 404 or 403, never a 500.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """A request that cannot be carried out, with a message for a person."""

    status = 400
    code = "invalid"
    default_detail: str | Promise = _("This request cannot be carried out.")

    def __init__(
        self,
        detail: str | Promise | None = None,
        *,
        code: str | None = None,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        self.detail = detail if detail is not None else self.default_detail
        if code is not None:
            self.code = code
        self.errors = errors
        super().__init__(str(self.detail))


class NotFound(ServiceError, Http404):
    """It does not exist, or the member may not know that it does."""

    status = 404
    code = "not_found"
    default_detail = _("Not found.")


class Forbidden(ServiceError, PermissionDenied):
    status = 403
    code = "permission_denied"
    default_detail = _("You may not do this.")


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    default_detail = _("This conflicts with a change made meanwhile.")


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"
    default_detail = _("Too many requests. Please wait a moment and try again.")

    def __init__(self, retry_after: int, detail: str | Promise | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
