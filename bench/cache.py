"""Latency of the cache backends the embedded mode could share between its processes.

`python -m bench.cache [--keys 5000] [--rounds 2000]` measures, in this process,
what the hot paths ask of the cache (feeds.cards, talk.threads, funding, the
access mode, allauth's rate limits): a get that hits and one that misses, a set, a
get_many and a set_many of a page of 20 cards, on a cache already holding
`--keys` card-sized values. Each backend is measured alone, then again while a
second process writes to the same cache (a page rendering its missing cards):
SQLite lets one writer in at a time, so that is where the backends differ.

Backends: local memory (one per process, the old default: the floor), Django's
database cache in the site's SQLite database, diskcache's DjangoCache (SQLite
files of its own, in shards, and files for large values) under var/, and the same
as Tribune sets it up (tribune.core.cache: connections kept, set_many batched).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import configure, sqlite_url

PAGE = 20  # cards on a feed page
CARD = "<article class='card'>" + "x" * 3000 + "</article>"  # a rendered card's size
TABLE = "tribune_cache"


def _backends(var: Path) -> dict[str, Callable[[], Any]]:
    """Each backend under test, as a function that builds its cache object."""
    from diskcache import DjangoCache
    from django.core.cache.backends.db import DatabaseCache
    from django.core.cache.backends.locmem import LocMemCache

    from tribune.core.cache import SharedDiskCache

    options = {"OPTIONS": {"MAX_ENTRIES": 100_000}, "TIMEOUT": 300}
    return {
        "local memory (per process)": lambda: LocMemCache("bench", {"TIMEOUT": 300}),
        "database cache, site's SQLite": lambda: DatabaseCache(TABLE, options),
        "diskcache DjangoCache": lambda: DjangoCache(str(var / "cache"), {"TIMEOUT": 300}),
        "diskcache, as Tribune sets it up": lambda: SharedDiskCache(
            str(var / "shared-cache"), {"TIMEOUT": 300}
        ),
    }


def _operations(cache: Any, keys: int) -> dict[str, Callable[[int], Any]]:
    """What the hot paths ask of the cache, each as a function of the round's number."""

    def page(i: int) -> list[str]:
        return [f"card:{(i * PAGE + j) % keys}" for j in range(PAGE)]

    def after_close(i: int) -> Any:
        # Django closes every cache at the end of each request (request_finished).
        cache.close()
        return cache.get(f"card:{i % keys}")

    return {
        "get (hit)": lambda i: cache.get(f"card:{i % keys}"),
        "get (miss)": lambda i: cache.get(f"none:{i}"),
        "get (hit), first of a request": after_close,
        "set": lambda i: cache.set(f"card:{i % keys}", CARD),
        f"get_many ({PAGE} hits)": lambda i: cache.get_many(page(i)),
        f"set_many ({PAGE})": lambda i: cache.set_many(dict.fromkeys(page(i), CARD)),
    }


def _measure(op: Callable[[int], Any], rounds: int) -> tuple[float, float]:
    """Median and 95th percentile of `op`, in microseconds."""
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        op(i)
        times.append((time.perf_counter() - start) * 1e6)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def _writer(name: str, var: str, keys: int, stop: Any) -> None:  # stop: an Event
    """A second process rendering missing cards: set_many of a page, over and over."""
    from django.db import connections

    connections.close_all()
    cache = _backends(Path(var))[name]()
    i = 0
    while not stop.is_set():
        cache.set_many({f"card:{(i * PAGE + j) % keys}": CARD for j in range(PAGE)})
        i += 1
        time.sleep(0.002)  # a page's other work between two pages' writes


def run(*, keys: int, rounds: int) -> list[tuple[str, str, float, float]]:
    var = Path(tempfile.mkdtemp(prefix="tribune-cache-bench-"))
    configure(database_url=sqlite_url(var / "tribune.sqlite3"), var_dir=var)
    from django.core.management import call_command
    from django.db import connections
    from django.test import override_settings

    call_command("migrate", verbosity=0)
    database_cache = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": TABLE}
    with override_settings(CACHES={"default": database_cache}):
        call_command("createcachetable", verbosity=0)

    rows = []
    for name, make in _backends(var).items():
        cache = make()
        cache.set_many({f"card:{i}": CARD for i in range(keys)})
        ops = _operations(cache, keys)
        for what, op in ops.items():
            rows.append((name, what, *_measure(op, rounds)))
        if name.startswith("local memory"):
            continue  # another process cannot reach it
        connections.close_all()
        stop = multiprocessing.get_context("fork").Event()
        writer = multiprocessing.get_context("fork").Process(
            target=_writer, args=(name, str(var), keys, stop)
        )
        writer.start()
        time.sleep(0.5)
        for what in ("get (hit)", f"get_many ({PAGE} hits)", "set"):
            rows.append((name, f"{what}, another process writing", *_measure(ops[what], rounds)))
        stop.set()
        writer.join()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=5000, help="Values the cache holds.")
    parser.add_argument("--rounds", type=int, default=2000, help="Times each operation runs.")
    args = parser.parse_args()
    rows = run(keys=args.keys, rounds=args.rounds)
    print(f"| backend | operation | p50 µs | p95 µs |  ({os.cpu_count()} CPUs)")
    print("| --- | --- | ---: | ---: |")
    for name, what, p50, p95 in rows:
        print(f"| {name} | {what} | {p50:.0f} | {p95:.0f} |")


if __name__ == "__main__":
    main()
