"""Vouching on profiles: the Vouch / Withdraw button (POST, with or without htmx)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tribune.accounts.follow_views import redirect_back
from tribune.accounts.models import Member
from tribune.accounts.selectors import member_get_profile
from tribune.core.exceptions import NotFound, ServiceError
from tribune.core.ratelimit import client_address
from tribune.moderation.templatetags.trust_tags import trust_panel_context
from tribune.moderation.trust import vouch_create, vouch_withdraw
from tribune.wiki.views import is_htmx, problem


def _panel(request: HttpRequest, member: Member, *, error: str | None = None) -> HttpResponse:
    """The trust panel again, for htmx to swap in place."""
    context = {**trust_panel_context(request.user, member), "vouch_error": error}
    return render(request, "moderation/_trust_panel.html", context)


def _vouch_action(request: HttpRequest, username: str, *, vouch: bool) -> HttpResponse:
    member = member_get_profile(viewer=request.user, username=username)
    if not request.user.is_authenticated:
        return redirect_to_login(member.get_absolute_url())
    actor: Member = request.user
    try:
        if vouch:
            vouch_create(actor=actor, member=member, address=client_address(request))
            message = _("You vouch for %(name)s.")
        else:
            vouch_withdraw(actor=actor, member=member)
            message = _("You no longer vouch for %(name)s.")
    except NotFound:
        raise
    except ServiceError as error:
        if is_htmx(request):
            return _panel(request, member, error=str(error.detail))
        return problem(request, error)
    if is_htmx(request):
        return _panel(request, member)
    messages.success(request, message % {"name": member.name})
    return redirect_back(request, fallback=member.get_absolute_url(), anchor="trust")


@require_POST
def vouch(request: HttpRequest, username: str) -> HttpResponse:
    """Vouch for a member: it counts towards their trust level."""
    return _vouch_action(request, username, vouch=True)


@require_POST
def unvouch(request: HttpRequest, username: str) -> HttpResponse:
    """Withdraw one's vouch for a member."""
    return _vouch_action(request, username, vouch=False)
