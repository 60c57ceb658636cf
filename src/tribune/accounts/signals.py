"""Receivers that settle a member's access when allauth confirms their e-mail."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress

from tribune.accounts.waitlist import member_email_verified


def settle_access_on_email_confirmed(
    sender: Any, *, email_address: EmailAddress, **kwargs: Any
) -> None:
    """Admit the member or put them in line; credit the friend who invited them."""
    member_email_verified(member=email_address.user)
