"""Fixtures and domain assertions shared by the whole suite."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from tests.factories import MemberFactory
from tests.stripe_fake import stripe_api, stripe_server  # noqa: F401  (shared fixtures)
from tests.workers import redis_for_worker
from tribune.accounts.models import Access, Member
from tribune.api.models import PersonalAccessToken, hash_token
from tribune.api.services import TOKEN_PREFIX
from tribune.core import ratelimit


def pytest_configure(config: pytest.Config) -> None:
    # Under pytest-xdist, each worker gets its own Redis database (tests/workers.py).
    redis_for_worker()


@pytest.fixture(autouse=True)
def _isolated_media_and_mail(settings, tmp_path: Path) -> None:
    """Each test writes media and mail to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "tribune.core.mail.FileEmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Rate limits and cached fragments never carry over from one test to the next."""
    for each in caches.all():
        each.clear()


@pytest.fixture(autouse=True)
def _rate_limit_clock_stopped(monkeypatch) -> None:
    """Rate limits count in fixed windows of the clock (an hour from :00). A test that
    counted to its limit just before the hour turned, and was then let through just
    after, would fail once in a while; the windows are read from a stopped clock instead.
    The tests of the windows themselves move a clock of their own by hand."""
    now = time.time()
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture
def member(db) -> Member:
    return MemberFactory.create()


@pytest.fixture
def other_member(db) -> Member:
    return MemberFactory.create()


@pytest.fixture
def moderator(db) -> Member:
    return MemberFactory.create(is_moderator=True)


@pytest.fixture
def staff(db) -> Member:
    return MemberFactory.create(is_staff=True, is_superuser=True, is_moderator=True)


@pytest.fixture
def waitlisted(db) -> Member:
    return MemberFactory.create(access=Access.WAITLISTED)


@pytest.fixture
def suspended(db) -> Member:
    return MemberFactory.create(access=Access.SUSPENDED)


def issue_token(member: Member) -> str:
    """A live personal access token for any member, whatever their access state."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    PersonalAccessToken.objects.create(member=member, token_hash=hash_token(raw), prefix=raw[:12])
    return raw


class ApiClient(Client):
    """A test client that speaks JSON and can carry a bearer token."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token

    def generic(
        self,
        method,
        path,
        data="",
        content_type="application/octet-stream",
        secure=False,
        *,
        headers=None,
        **extra,
    ):
        # Every verb ends here, so the token is added in one place.
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return super().generic(method, path, data, content_type, secure, headers=headers, **extra)

    # JSON by default; every other keyword goes through as Client takes it.
    def post(  # type: ignore[override]  # the same call, with JSON as the default type
        self, path: str, data: Any = None, content_type: str = "application/json", **kwargs: Any
    ) -> Any:
        return super().post(path, data, content_type, **kwargs)

    def patch(  # type: ignore[override]  # the same call, with JSON as the default type
        self, path: str, data: Any = "", content_type: str = "application/json", **kwargs: Any
    ) -> Any:
        return super().patch(path, data, content_type, **kwargs)

    def delete(  # type: ignore[override]  # the same call, with JSON as the default type
        self, path: str, data: Any = "", content_type: str = "application/json", **kwargs: Any
    ) -> Any:
        return super().delete(path, data, content_type, **kwargs)


@pytest.fixture
def api_client(db) -> Callable[[Member | None], ApiClient]:
    """A JSON client: `api_client(member)` carries their token, `api_client(None)` none."""

    def make(member: Member | None = None) -> ApiClient:
        return ApiClient(issue_token(member) if member is not None else None)

    return make
