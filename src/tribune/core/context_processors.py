from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tribune.accounts.waitlist import access_mode


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page needs to know about the instance."""
    return {
        "site_name": settings.SITE_NAME,
        # Lazy: staff may change it in the admin; only pages that show it read it.
        "access_mode": SimpleLazyObject(access_mode),
    }
