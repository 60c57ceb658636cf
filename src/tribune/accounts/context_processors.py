from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tribune.accounts.waitlist import access_mode


def access(request: HttpRequest) -> dict[str, Any]:
    """Who gets in: the access mode in force (open, waitlist, invite-only)."""
    # Lazy: staff may change it in the admin; only pages that show it read it.
    return {"access_mode": SimpleLazyObject(access_mode)}
