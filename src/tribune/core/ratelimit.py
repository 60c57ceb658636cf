"""Rate limits per member, per address and per e-mail, for every write people can repeat.

`rate_limit("post", member=..., address=...)` counts one request against the
scope's limits and raises RateLimited, with the seconds to wait, once a limit is
passed. Limits are fixed windows, set per scope in TRIBUNE_RATE_LIMITS, tighter
for members at trust level 0 (sandboxed); staff and site moderators are not
limited. Counts must be shared by every server process (`tribune serve` runs
several), so they live in Redis when REDIS_URL is set and in the database
(core.RateCounter) otherwise, never in one process's memory. Either way a
limited request costs one round trip, whatever the number of limits it counts
against.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tribune.core.exceptions import RateLimited
from tribune.core.models import RateCounter

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_off: ContextVar[bool] = ContextVar("rate_limits_off", default=False)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """ "10/h" → ten per hour; units s, m, h, d, optionally with a number: "5/10m"."""
        count, _sep, period = text.partition("/")
        number = period[:-1] or "1"
        return cls(int(count), int(number) * _UNITS[period[-1]])


@dataclass(frozen=True)
class _Bucket:
    key: str
    rate: Rate
    window_start: int

    @property
    def window_end(self) -> int:
        return self.window_start + self.rate.seconds


def client_address(request: HttpRequest) -> str:
    """The address a request came from: behind a proxy, the one the proxy saw.

    The proxy appends the address it was called from to X-Forwarded-For, so the
    last entry is the one to trust; entries before it are whatever the client sent.
    """
    if settings.TRIBUNE_BEHIND_PROXY:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return str(request.META.get("REMOTE_ADDR", ""))


@contextmanager
def rate_limits_off() -> Iterator[None]:
    """Count nothing inside: for the demo loader, which writes in bulk as members."""
    token = _off.set(True)
    try:
        yield
    finally:
        _off.reset(token)


def _digest(text: str) -> str:
    # Keyed, so that the addresses and e-mails behind the stored keys cannot be
    # recovered by hashing every address there is.
    secret = settings.SECRET_KEY.encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:40]


def _count_in_database(buckets: list[_Bucket]) -> dict[str, int]:
    """Add one to each bucket's counter in one statement; their new counts by key.

    INSERT … ON CONFLICT DO UPDATE … RETURNING is atomic on PostgreSQL and SQLite
    (3.35+): requests racing on one counter each get their own count, none is lost.
    """
    quote = connection.ops.quote_name
    table = quote(RateCounter._meta.db_table)
    key, start, expires, count = (quote(c) for c in ("key", "window_start", "expires_at", "count"))
    rows = ", ".join(["(%s, %s, %s, 1)"] * len(buckets))
    # Only quoted names of our own table and placeholders go into the text.
    sql = (
        f"INSERT INTO {table} ({key}, {start}, {expires}, {count}) VALUES {rows} "  # noqa: S608
        f"ON CONFLICT ({key}, {start}) DO UPDATE SET {count} = {table}.{count} + 1 "
        f"RETURNING {key}, {count}"
    )
    params: list[Any] = []
    for bucket in buckets:
        params += [bucket.key, bucket.window_start, bucket.window_end]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {str(k): int(c) for k, c in cursor.fetchall()}


def _count_in_redis(buckets: list[_Bucket]) -> dict[str, int]:
    """Add one to each bucket's counter in one round trip (MULTI: INCR and EXPIRE each)."""
    # Django's cache API has incr but no expiry with it: its add-then-incr takes three
    # round trips and can leave a counter without expiry. The raw client does both.
    redis_cache: Any = cache
    names = [
        redis_cache.make_and_validate_key(f"ratelimit:{b.key}:{b.window_start}") for b in buckets
    ]
    client = redis_cache._cache.get_client(names[0], write=True)
    with client.pipeline(transaction=True) as pipe:
        for name, bucket in zip(names, buckets, strict=True):
            pipe.incr(name)
            pipe.expire(name, bucket.window_end - int(time.time()) + 1)
        replies = pipe.execute()
    return {b.key: int(replies[2 * i]) for i, b in enumerate(buckets)}


def _buckets(
    rules: dict[str, str], now: float, *, scope: str, member: Any, address: str, email: str
) -> list[_Bucket]:
    found: list[tuple[str, str]] = []  # (who, rule)
    if member is not None and getattr(member, "pk", None) is not None:
        sandboxed = getattr(member, "trust_level", 0) == 0 and "new_member" in rules
        part = "new_member" if sandboxed else "member"
        if part in rules:
            found.append((f"m:{member.pk}", rules[part]))
    if address and "address" in rules:
        found.append((f"a:{address}", rules["address"]))
    if email and "email" in rules:
        found.append((f"e:{email.strip().lower()}", rules["email"]))
    buckets = []
    for who, rule in found:
        rate = Rate.parse(rule)
        start = int(now) - int(now) % rate.seconds
        buckets.append(_Bucket(_digest(f"{scope}:{who}:{rate.seconds}"), rate, start))
    # Always in the same order, so that two statements never lock the same rows in
    # opposite orders (a deadlock on PostgreSQL).
    return sorted(buckets, key=lambda b: b.key)


def _wait_text(seconds: int) -> str:
    if seconds < 120:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


def rate_limit(
    scope: str,
    *,
    member: Any = None,
    address: str | None = None,
    email: str | None = None,
) -> None:
    """Count a request of `scope` by this member, address and e-mail; RateLimited past a limit."""
    rules = settings.TRIBUNE_RATE_LIMITS.get(scope)
    if not rules or _off.get():
        return
    if getattr(member, "is_staff", False) or getattr(member, "is_moderator", False):
        return
    now = time.time()
    buckets = _buckets(
        rules, now, scope=scope, member=member, address=address or "", email=email or ""
    )
    if not buckets:
        return
    if settings.TRIBUNE_RATE_LIMIT_STORE == "redis":
        counts = _count_in_redis(buckets)
    else:
        counts = _count_in_database(buckets)
    over = [b for b in buckets if counts[b.key] > b.rate.count]
    if over:
        retry_after = max(1, math.ceil(max(b.window_end for b in over) - now))
        raise RateLimited(
            retry_after,
            _("You are doing this too often. Please wait %(wait)s and try again.")
            % {"wait": _wait_text(retry_after)},
        )


def rate_counters_prune(*, now: float | None = None) -> int:
    """Delete the database's counters of windows that have ended; how many went."""
    moment = int(time.time() if now is None else now)
    deleted, _per_model = RateCounter.objects.filter(expires_at__lt=moment).delete()
    return deleted
