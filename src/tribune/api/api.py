"""The JSON API under /api/v1/ (API.md is its contract)."""

from __future__ import annotations

from ninja import NinjaAPI

from tribune.api.errors import install_error_handlers
from tribune.api.routers import auth, members

api = NinjaAPI(
    title="Tribune API",
    version="1",
    description=(
        "The public contract of a Tribune instance. Authenticate with "
        "`Authorization: Bearer <token>` from `POST /api/v1/auth/tokens`."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)

api.add_router("/auth", auth.router)
api.add_router("/", members.router)
