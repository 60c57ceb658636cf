"""Getting in: the waitlist page, the invitations page and the sign-up page's invitation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tribune.accounts.invitations import (
    InvitationInvalid,
    invitation_check,
    invitation_create,
    invitation_url,
    invitations_left,
    invitations_of,
)
from tribune.accounts.models import Invitation, Member
from tribune.accounts.permissions import can_invite
from tribune.accounts.waitlist import waitlist_length, waitlist_position
from tribune.accounts.web import member_of
from tribune.core.exceptions import Forbidden, RateLimited, ServiceError
from tribune.core.pagination import Page
from tribune.core.web import problem, render_page, requested_page


@login_required
@require_safe
def waitlist(request: HttpRequest) -> HttpResponse:
    """Where a member stands: their place in line and how to move up, or that they are in."""
    member = member_of(request)
    position = waitlist_position(member)
    context = {
        "member": member,
        "position": position,
        "length": waitlist_length() if position is not None else None,
        "invite_places": settings.TRIBUNE_WAITLIST_INVITE_PLACES,
    }
    return render_page(request, "accounts/waitlist.html", context)


@dataclass(frozen=True)
class InvitationRow:
    """One invitation as the list shows it, with the address to copy while it is open."""

    invitation: Invitation
    state: str
    url: str


def _rows(request: HttpRequest, page: Page[Invitation]) -> list[InvitationRow]:
    return [
        InvitationRow(
            invitation=invitation,
            state=invitation.state,
            url=request.build_absolute_uri(invitation_url(invitation)),
        )
        for invitation in page.items
    ]


def _invitations_page(request: HttpRequest, member: Member, *, status: int = 200) -> HttpResponse:
    requested = requested_page(request, partial(invitations_of, member=member))
    list_url = reverse("accounts:invitations")
    context: dict[str, Any] = {
        "member": member,
        "rows": _rows(request, requested.page),
        "left": invitations_left(member),
        "per_month": settings.TRIBUNE_INVITES_PER_MONTH,
        "invite_days": settings.TRIBUNE_INVITE_DAYS,
        "invite_places": settings.TRIBUNE_WAITLIST_INVITE_PLACES,
        "is_first_page": requested.is_first,
        "list_url": list_url,
        "next_url": requested.next_url(list_url),
    }
    return render_page(
        request,
        "accounts/invitations.html",
        context,
        fragment="accounts/_invitation_rows.html",
        status=requested.status if status == 200 else status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def invitations(request: HttpRequest) -> HttpResponse:
    """A member's invitations, newest first, and the button that makes one."""
    member = member_of(request)
    if not can_invite(member):
        return problem(request, Forbidden(_("A suspended account cannot make invitations.")))
    if request.method != "POST":
        return _invitations_page(request, member)
    try:
        invitation = invitation_create(actor=member)
    except RateLimited as error:
        messages.error(request, str(error.detail))
        response = _invitations_page(request, member, status=error.status)
        response["Retry-After"] = str(error.retry_after)
        return response
    except ServiceError as error:
        return problem(request, error)
    messages.success(request, _("Invitation made. Copy its address below and send it to a friend."))
    return HttpResponseRedirect(f"{reverse('accounts:invitations')}#invitation-{invitation.pk}")


class SignupView(allauth_views.SignupView):  # type: ignore[misc]  # allauth is untyped
    """allauth's sign-up page, with `?invite=CODE` filling in the invitation code."""

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = super().get_initial()
        code = self.request.GET.get("invite", "").strip()
        if code:
            initial["invite"] = code
        return initial

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        form = context["form"]
        code = str(form["invite"].value() or "").strip() if "invite" in form.fields else ""
        if code:
            try:
                context["invitation"] = invitation_check(code)
            except InvitationInvalid as error:
                # A sent form shows this next to the field; a link says it at once.
                if not form.is_bound:
                    context["invite_problem"] = str(error.detail)
        return context


signup = SignupView.as_view()
