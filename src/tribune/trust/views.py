"""Vouching on profiles: the Vouch / Withdraw button (POST, with or without htmx)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tribune.accounts.models import Member
from tribune.accounts.selectors import member_get_profile
from tribune.core.ratelimit import client_address
from tribune.core.web import button_answer
from tribune.trust.services import vouch_create, vouch_withdraw
from tribune.trust.templatetags.trust_tags import trust_panel_context


def _panel(request: HttpRequest, member: Member, error: str | None = None) -> HttpResponse:
    """The trust panel again, for htmx to swap in place."""
    context = {**trust_panel_context(request.user, member), "vouch_error": error}
    return render(request, "trust/_trust_panel.html", context)


def _vouch_action(request: HttpRequest, username: str, *, vouch: bool) -> HttpResponse:
    member = member_get_profile(viewer=request.user, username=username)
    if not request.user.is_authenticated:
        return redirect_to_login(member.get_absolute_url())
    actor: Member = request.user
    change: Callable[[], object]
    if vouch:
        change = partial(vouch_create, actor=actor, member=member, address=client_address(request))
        done = _("You vouch for %(name)s.")
    else:
        change = partial(vouch_withdraw, actor=actor, member=member)
        done = _("You no longer vouch for %(name)s.")
    return button_answer(
        request,
        change,
        fragment=partial(_panel, request, member),
        done=done % {"name": member.name},
        back=member.get_absolute_url(),
        anchor="trust",
    )


@require_POST
def vouch(request: HttpRequest, username: str) -> HttpResponse:
    """Vouch for a member: it counts towards their trust level."""
    return _vouch_action(request, username, vouch=True)


@require_POST
def unvouch(request: HttpRequest, username: str) -> HttpResponse:
    """Withdraw one's vouch for a member."""
    return _vouch_action(request, username, vouch=False)
