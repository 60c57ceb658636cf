import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from tribune.accounts.models import Access, Member


class SuspendedSessionMiddleware:
    """Say why a member's session just ended when the reason is their suspension.

    Django itself ends the session (Member.get_session_auth_hash changes when a
    member is suspended); this only adds the message. Put it after the session,
    authentication and message middleware, before anything that reads request.user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Read before request.user is first resolved: resolving it empties a session
        # whose hash no longer matches. Without a session cookie there is nothing to
        # read (and reading would add Vary: Cookie to every answer).
        has_cookie = settings.SESSION_COOKIE_NAME in request.COOKIES
        claimed = request.session.get(SESSION_KEY) if has_cookie else None
        # The query runs only on the one request whose session has just ended.
        if (
            claimed is not None
            and not request.user.is_authenticated
            and Member.objects.filter(pk=claimed, access=Access.SUSPENDED).exists()
        ):
            messages.error(request, _("Your account is suspended, so you have been logged out."))
        return self.get_response(request)


class MemberTimezoneMiddleware:
    """Show times in the member's own zone (stored in UTC, DESIGN.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = getattr(request.user, "time_zone", "") if request.user.is_authenticated else ""
        if zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
