"""The JSON API under /api/v1/ (API.md is its contract)."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from tribune.api.auth import OptionalAuth
from tribune.api.errors import install_error_handlers
from tribune.api.routers import (
    access,
    auth,
    comments,
    feeds,
    follows,
    funding,
    members,
    moderation,
    notes,
    posts,
    reactions,
    subwikis,
    trust,
)

BEARER = "bearerAuth"


class TribuneAPI(NinjaAPI):
    """The API, with an OpenAPI schema that says how each operation takes its token.

    Ninja names a security scheme after each auth class; clients see one bearer
    scheme, required, or optional (`{}` first) where a visitor may read.
    """

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        if schema["components"].pop("securitySchemes", None):
            schema["components"]["securitySchemes"] = {BEARER: {"type": "http", "scheme": "bearer"}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                names = {name for need in operation.get("security") or () for name in need}
                if names:
                    optional = OptionalAuth.__name__ in names
                    operation["security"] = [{}, {BEARER: []}] if optional else [{BEARER: []}]
        return schema


api = TribuneAPI(
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
api.add_router("/subwikis", subwikis.router)
api.add_router("/", posts.router)
api.add_router("/", follows.router)
api.add_router("/", reactions.router)
api.add_router("/", comments.router)
api.add_router("/", feeds.router)
api.add_router("/", access.router)
api.add_router("/", funding.router)
api.add_router("/", trust.router)
api.add_router("/", moderation.router)
api.add_router("/", notes.router)
