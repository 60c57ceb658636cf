from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from tribune.accounts.models import Member


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth is untyped
    def save_user(
        self, request: HttpRequest, user: Member, form: Any, commit: bool = True
    ) -> Member:
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.display_name = data.get("display_name") or user.username
        user.date_of_birth = data.get("date_of_birth")
        if commit:
            user.save()
        return user
