"""Every API error is `{"detail": ..., "code": ...}` (API.md), never an HTML page or a 500."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tribune.core.exceptions import RateLimited, ServiceError

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
}

_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    # Only the first part is where the value came from: a field may well be named "body".
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    # ninja nests the body under the parameter's name ("payload"); drop it.
    if len(parts) > 1 and parts[0] in {"payload", "data"}:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def error_body(detail: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "code": code, **extra}


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ServiceError)
    def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        extra: dict[str, Any] = {}
        if exc.errors:
            extra["errors"] = exc.errors
        response = respond(request, exc.status, error_body(str(exc.detail), exc.code, **extra))
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(_field_name(error.get("loc", ())), []).append(
                str(error.get("msg", _("This value is not valid.")))
            )
        return respond(
            request,
            400,
            error_body(_("Some fields are not valid."), "invalid", errors=errors),
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(
            request,
            401,
            error_body(_("A valid personal access token is needed."), "not_authenticated"),
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if status == 400 and str(exc).startswith("Cannot parse request body"):
            return respond(
                request,
                400,
                error_body(_("The request body is not valid JSON."), "malformed_body"),
            )
        return respond(request, status, error_body(str(exc), _CODES_BY_STATUS.get(status, "error")))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body(_("Not found."), "not_found"))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, error_body(_("You may not do this."), "permission_denied"))
