from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page needs to know about the instance."""
    return {"site_name": settings.SITE_NAME}
