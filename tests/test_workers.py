"""The suite's workers under pytest-xdist keep their Redis keys apart (tests/workers.py)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.workers import worker_redis_url


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/0", "gw0", "redis://127.0.0.1:6379/0"),
        ("redis://127.0.0.1:6379/0", "gw3", "redis://127.0.0.1:6379/3"),
        ("redis://127.0.0.1:6379", "gw1", "redis://127.0.0.1:6379/1"),
        ("redis://:secret@cache.internal:6380/4", "gw2", "redis://:secret@cache.internal:6380/6"),
    ],
)
def test_each_worker_has_a_database_number_of_its_own(url, worker, expected):
    assert worker_redis_url(url, worker) == expected


def test_this_worker_uses_its_own_redis_database():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not settings.REDIS_URL:
        pytest.skip("only under pytest-xdist with REDIS_URL set")
    from huey.contrib.djhuey import HUEY

    url = worker_redis_url(os.environ["REDIS_URL"], worker)
    # Every cache on Redis: the default one and the fragments' (FLUSHDB empties both).
    assert {cache["LOCATION"] for cache in settings.CACHES.values()} == {url}
    assert HUEY.name.endswith(f"-{worker}")
    assert HUEY.storage_kwargs["url"] == url
