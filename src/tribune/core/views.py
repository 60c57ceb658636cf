from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers; 503 otherwise (for load balancers and monitors)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# Uploaded files are written by the image pipeline only, under random names, in
# these formats: anything else under MEDIA_ROOT is never served (no HTML, no SVG).
MEDIA_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


@require_safe
def media(request: HttpRequest, path: str) -> FileResponse:
    """Serve uploaded images when Tribune runs without a web server in front (embedded)."""
    if not path.lower().endswith(MEDIA_SUFFIXES):
        raise Http404
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    # Names are random and never reused, so a copy never goes stale.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
