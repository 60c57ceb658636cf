from __future__ import annotations

import contextlib
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from tribune.accounts.invitations import InvitationInvalid, invitation_redeem
from tribune.accounts.models import Access, AccessMode, Member
from tribune.accounts.waitlist import access_mode
from tribune.core.ratelimit import client_address


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth is untyped
    def save_user(
        self, request: HttpRequest, user: Member, form: Any, commit: bool = True
    ) -> Member:
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.display_name = data.get("display_name") or user.username
        user.date_of_birth = data.get("date_of_birth")
        # Access is settled when the e-mail is confirmed (accounts.waitlist); until
        # then only an open site lets a member in.
        if access_mode() == AccessMode.OPEN:
            user.access = Access.ADMITTED
            user.admitted_at = timezone.now()
        else:
            user.access = Access.WAITLISTED
        if commit:
            user.save()
            code = data.get("invite")
            if code:
                # Checked by the form; only a sign-up that used the same code a moment
                # earlier fails here, and then this member simply joins the line.
                with contextlib.suppress(InvitationInvalid):
                    invitation_redeem(code=code, member=user)
        return user

    def pre_login(self, request: HttpRequest, user: Member, **kwargs: Any) -> HttpResponse | None:
        """A suspended member is refused here, once the password (or e-mail link) is right.

        Only then: the refusal tells whoever knows the password, and no one else, that
        the account exists and is suspended; it says nothing more.
        """
        if user.is_active and user.access == Access.SUSPENDED:
            # Imported here, as allauth's own pre_login does: its flows import models.
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return render(request, "account/account_suspended.html", status=403)
        response: HttpResponse | None = super().pre_login(request, user, **kwargs)
        return response

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's rate limits count: the same as Tribune's own (core.ratelimit)."""
        return client_address(request) or str(super().get_client_ip(request))

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """A waitlisted member lands where their place in line is shown."""
        return _waitlist_url(request) or str(super().get_login_redirect_url(request))

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        """After confirming the e-mail (which logs in): the place in line, if waitlisted."""
        return _waitlist_url(request) or str(super().get_signup_redirect_url(request))


def _waitlist_url(request: HttpRequest) -> str | None:
    # Read again: when a confirmation logs the member in, request.user is the instance
    # loaded before the confirmation settled their access (accounts.waitlist).
    if not request.user.is_authenticated:
        return None
    waiting = Member.objects.filter(
        pk=request.user.pk, access=Access.WAITLISTED, is_active=True
    ).exists()
    return reverse("accounts:waitlist") if waiting else None
