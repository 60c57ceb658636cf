"""Receivers that tie subwikis to events of other apps."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tribune.accounts.models import Member
from tribune.communities.services import member_follow_default_subwikis


def follow_default_subwikis_on_sign_up(
    sender: Any, *, request: HttpRequest | None = None, user: Member, **kwargs: Any
) -> None:
    """New members start by following the subwikis staff chose as defaults (DESIGN.md)."""
    member_follow_default_subwikis(member=user)
