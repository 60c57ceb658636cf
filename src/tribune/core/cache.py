"""The embedded mode's cache: one cache on disk that every process of the site shares.

Without Redis, `tribune serve` still runs several web processes and a task worker,
and `tribune donations confirm` or the admin invalidate cached values (the funding
total, the access mode) that the other processes read: a cache in each process's
memory would keep serving the old value there. diskcache's Django cache keeps its
entries in SQLite files under TRIBUNE_VAR_DIR (eight shards, so that writers
seldom wait on each other), which every process opens. Figures: `bench/cache.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from diskcache import DjangoCache
from django.core.cache.backends.base import DEFAULT_TIMEOUT


class SharedDiskCache(DjangoCache):  # type: ignore[misc]  # diskcache has no type hints
    """diskcache's Django cache, with its connections kept and set_many in one transaction.

    Django closes every cache when a request ends; diskcache then drops its SQLite
    connections, and the next request's first read opens them again: 540 to 1,120 µs
    (p50) instead of 13 to 15 µs for a read that hits. Each thread keeps its own
    connections, as Django's Redis cache keeps its pool. And set_many, which a page
    calls with the cards it had to render, commits once per shard instead of once
    per value: 0.9 to 2.3 ms instead of 4.2 to 5.8 ms for 20 cards of 3 kB (p50,
    2 busy CPUs; bench/cache.py).
    """

    def close(self, **kwargs: Any) -> None:
        """Keep the connections open for the thread's next request."""

    def set_many(
        self, data: Mapping[str, Any], timeout: float | None = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[str]:
        # transact() holds every shard's write lock until the last value is in.
        with self._cache.transact(retry=True):
            for key, value in data.items():
                self.set(key, value, timeout, version)
        return []
