"""What keeps pytest-xdist's workers apart when the suite runs in parallel (`pytest -n`).

Most of it needs nothing here: pytest-django adds the worker's name to the test
database's (`test_tribune_gw1` on PostgreSQL, `tribune-test-<pid>.sqlite3_gw1` on
SQLite), `tmp_path` (and so media and mail, see conftest.py) is under a folder of the
worker's own, and live servers and stand-in servers listen on a free port the system
picks. Redis is the one thing the workers would share: Django's `cache.clear()` empties
the whole Redis database (FLUSHDB) whatever the key prefix, so `redis_for_worker` gives
each worker a database number of its own.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.test import override_settings


def worker_number(worker: str) -> int:
    """0 for pytest-xdist's worker "gw0", 1 for "gw1", and so on."""
    return int(worker.removeprefix("gw"))


def worker_redis_url(url: str, worker: str) -> str:
    """`url` with its database number moved up by the worker's: gw0 keeps /0, gw3 gets /3."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + worker_number(worker)}"))


def redis_for_worker() -> None:
    """Point the cache, sessions, rate limits and the task queue of this xdist worker at a
    Redis database of its own; nothing to do outside xdist or without Redis.

    Call before any test runs (conftest.py's pytest_configure).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not settings.REDIS_URL:
        return
    url = worker_redis_url(settings.REDIS_URL, worker)
    queue = f"{settings.HUEY['name']}-{worker}"
    override_settings(
        REDIS_URL=url,
        CACHES={
            alias: {**cache, "LOCATION": url} if cache["LOCATION"] == settings.REDIS_URL else cache
            for alias, cache in settings.CACHES.items()
        },
        HUEY={**settings.HUEY, "url": url, "name": queue},
    ).enable()

    # The task queue was made from the settings when Django started: move it too. Tests
    # run tasks at once in memory, but a test that turns that off must not reach the
    # queue another worker reads.
    from huey.contrib.djhuey import HUEY

    HUEY.name = queue
    HUEY.storage_kwargs["url"] = url
    HUEY.storage = HUEY.create_storage()
