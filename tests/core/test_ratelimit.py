"""Rate limits: fixed windows per member, address and e-mail, shared by every process.

The database store runs on SQLite here and on PostgreSQL in the second run of the
suite (python -m tests.services), where the Redis store is tested as well.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import RequestFactory

import tribune.core.ratelimit as ratelimit_module
from tests.factories import MemberFactory
from tribune.config import rate_limits
from tribune.core.exceptions import RateLimited
from tribune.core.models import RateCounter
from tribune.core.ratelimit import client_address, rate_counters_prune, rate_limit, rate_limits_off

# A moment 20 seconds into a minute, 20 minutes into an hour.
T0 = 1_800_000_000 - 1_800_000_000 % 3600 + 20 * 60 + 20


class Clock:
    """The time the rate limits read, moved by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock(T0)
    monkeypatch.setattr(ratelimit_module, "time", fake)
    return fake


@pytest.fixture(params=["database", "redis"])
def store(request, settings) -> str:
    """Each test runs against both stores; Redis only where REDIS_URL names one."""
    if request.param == "redis" and not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set (python -m tests.services sets it)")
    name: str = request.param
    settings.TRIBUNE_RATE_LIMIT_STORE = name
    return name


@pytest.fixture
def limits(settings, store) -> Callable[..., None]:
    def set_limits(**scopes: dict[str, str]) -> None:
        settings.TRIBUNE_RATE_LIMITS = scopes

    return set_limits


def refused(call: Callable[[], None]) -> RateLimited:
    with pytest.raises(RateLimited) as refusal:
        call()
    return refusal.value


def test_a_member_is_refused_past_the_limit_until_the_window_ends(db, clock, limits):
    limits(post={"member": "3/m"})
    member = MemberFactory.create(trust_level=1)
    for _ in range(3):
        rate_limit("post", member=member)
    refusal = refused(lambda: rate_limit("post", member=member))
    assert refusal.status == 429
    assert refusal.code == "rate_limited"
    # 20 seconds into the minute: 40 to wait.
    assert refusal.retry_after == 40
    assert "40 seconds" in str(refusal.detail)
    clock.now += 39
    refused(lambda: rate_limit("post", member=member))
    clock.now += 1
    rate_limit("post", member=member)


def test_the_wait_is_said_in_minutes_or_hours_when_long(db, clock, limits):
    limits(post={"member": "1/h"}, comment={"member": "1/d"})
    member = MemberFactory.create(trust_level=1)
    rate_limit("post", member=member)
    rate_limit("comment", member=member)
    # 20 minutes 20 seconds into the hour: 39 minutes 40 seconds to wait.
    post_refusal = refused(lambda: rate_limit("post", member=member))
    assert post_refusal.retry_after == 39 * 60 + 40
    assert "40 minutes" in str(post_refusal.detail)
    comment_refusal = refused(lambda: rate_limit("comment", member=member))
    assert "hours" in str(comment_refusal.detail)


def test_scopes_and_members_are_counted_apart(db, clock, limits):
    limits(post={"member": "1/h"}, comment={"member": "1/h"})
    first, second = MemberFactory.create(trust_level=1), MemberFactory.create(trust_level=1)
    rate_limit("post", member=first)
    rate_limit("comment", member=first)
    rate_limit("post", member=second)
    refused(lambda: rate_limit("post", member=first))
    refused(lambda: rate_limit("post", member=second))


def test_an_address_is_counted_whoever_sends_from_it(db, clock, limits):
    limits(comment={"member": "10/h", "address": "2/h"})
    members = [MemberFactory.create(trust_level=1) for _ in range(3)]
    rate_limit("comment", member=members[0], address="203.0.113.5")
    rate_limit("comment", member=members[1], address="203.0.113.5")
    refusal = refused(lambda: rate_limit("comment", member=members[2], address="203.0.113.5"))
    assert refusal.retry_after == 39 * 60 + 40
    # The same member from elsewhere is not held back by that address.
    rate_limit("comment", member=members[2], address="198.51.100.7")


def test_a_member_is_counted_from_every_address(db, clock, limits):
    limits(comment={"member": "2/h", "address": "10/h"})
    member = MemberFactory.create(trust_level=1)
    rate_limit("comment", member=member, address="203.0.113.5")
    rate_limit("comment", member=member, address="198.51.100.7")
    refused(lambda: rate_limit("comment", member=member, address="192.0.2.1"))


def test_members_at_level_zero_have_the_tighter_limit(db, clock, limits):
    limits(post={"member": "3/h", "new_member": "1/h"})
    newcomer, regular = MemberFactory.create(trust_level=0), MemberFactory.create(trust_level=1)
    rate_limit("post", member=newcomer)
    refused(lambda: rate_limit("post", member=newcomer))
    for _ in range(3):
        rate_limit("post", member=regular)
    refused(lambda: rate_limit("post", member=regular))


def test_without_a_new_member_limit_level_zero_has_the_member_limit(db, clock, limits):
    limits(vouch={"member": "2/d"})
    newcomer = MemberFactory.create(trust_level=0)
    rate_limit("vouch", member=newcomer)
    rate_limit("vouch", member=newcomer)
    refused(lambda: rate_limit("vouch", member=newcomer))


def test_the_retry_after_is_the_longest_wait_of_the_limits_passed(db, clock, limits):
    limits(edit={"member": "1/m", "address": "1/h"})
    member = MemberFactory.create(trust_level=1)
    rate_limit("edit", member=member, address="203.0.113.5")
    refusal = refused(lambda: rate_limit("edit", member=member, address="203.0.113.5"))
    assert refusal.retry_after == 39 * 60 + 40


def test_the_api_log_in_is_counted_per_email_whatever_its_case(db, clock, limits):
    limits(token={"address": "100/h", "email": "2/h"})
    rate_limit("token", address="203.0.113.5", email="Ada@example.org")
    rate_limit("token", address="198.51.100.7", email=" ada@EXAMPLE.org")
    refused(lambda: rate_limit("token", address="192.0.2.1", email="ada@example.org"))
    rate_limit("token", address="192.0.2.1", email="grace@example.org")


def test_staff_and_site_moderators_are_not_limited(db, clock, limits):
    limits(post={"member": "1/h", "new_member": "1/h", "address": "1/h"})
    for person in (MemberFactory.create(is_staff=True), MemberFactory.create(is_moderator=True)):
        for _ in range(3):
            rate_limit("post", member=person, address="203.0.113.5")


def test_scopes_without_limits_and_the_demo_loader_count_nothing(db, clock, limits):
    limits(post={"member": "1/h"})
    member = MemberFactory.create(trust_level=1)
    for _ in range(3):
        rate_limit("comment", member=member)
        with rate_limits_off():
            rate_limit("post", member=member)
    rate_limit("post", member=member)
    refused(lambda: rate_limit("post", member=member))


def test_a_limited_request_is_one_statement_in_the_database(
    db, clock, settings, django_assert_num_queries
):
    settings.TRIBUNE_RATE_LIMIT_STORE = "database"
    settings.TRIBUNE_RATE_LIMITS = {"post": {"member": "5/h", "address": "5/h"}}
    member = MemberFactory.create(trust_level=1)
    with django_assert_num_queries(1):
        rate_limit("post", member=member, address="203.0.113.5")


def test_ended_windows_are_pruned_from_the_database(db, clock, settings):
    settings.TRIBUNE_RATE_LIMIT_STORE = "database"
    settings.TRIBUNE_RATE_LIMITS = {"post": {"member": "5/m"}, "edit": {"member": "5/h"}}
    member = MemberFactory.create(trust_level=1)
    rate_limit("post", member=member)
    rate_limit("edit", member=member)
    assert RateCounter.objects.count() == 2
    # Nothing has ended yet; then the minute's window ends, not the hour's.
    assert rate_counters_prune(now=clock.now) == 0
    assert rate_counters_prune(now=clock.now + 60) == 1
    assert RateCounter.objects.count() == 1
    # The stored key is a digest: it does not spell out whom it counts.
    key = RateCounter.objects.get().key
    assert len(key) == 40
    assert ":" not in key


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_are_all_counted(store, settings):
    """Twelve requests at once against a limit of five: exactly five pass."""
    settings.TRIBUNE_RATE_LIMITS = {"comment": {"member": "5/h", "address": "100/h"}}
    member = MemberFactory.create(trust_level=1)
    barrier = threading.Barrier(12)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait(timeout=30)
            try:
                rate_limit("comment", member=member, address="203.0.113.5")
                outcome = "passed"
            except RateLimited:
                outcome = "refused"
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["passed"] * 5 + ["refused"] * 7
    if store == "database":
        assert sorted(RateCounter.objects.values_list("count", flat=True)) == [12, 12]


def test_the_address_is_the_one_the_proxy_saw(settings):
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")
    settings.TRIBUNE_BEHIND_PROXY = False
    assert client_address(request) == "10.0.0.2"
    settings.TRIBUNE_BEHIND_PROXY = True
    # The first entries are whatever the client wrote; the proxy added the last one.
    assert client_address(request) == "203.0.113.5"
    assert client_address(factory.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


DEFAULTS = {"post": {"member": "30/h", "address": "60/h"}, "token": {"email": "10/h"}}


def test_the_limits_are_changed_from_the_environment():
    assert rate_limits("", DEFAULTS) == DEFAULTS
    changed = rate_limits(" post.member=60/h , post.address=off,token.email=3/10m", DEFAULTS)
    assert changed == {"post": {"member": "60/h"}, "token": {"email": "3/10m"}}
    assert rate_limits("post.new_member=5/h", DEFAULTS)["post"]["new_member"] == "5/h"
    assert rate_limits("off", DEFAULTS) == {}
    # The defaults themselves are left as they were.
    assert DEFAULTS["post"] == {"member": "30/h", "address": "60/h"}


@pytest.mark.parametrize(
    "raw",
    [
        "posts.member=1/h",
        "post.everyone=1/h",
        "post.member",
        "post.member=fast",
        "post.member=0/h",
        "post.member=5/0m",
        "post.member=5/w",
    ],
)
def test_a_mistyped_limit_stops_the_server_with_a_message(raw):
    with pytest.raises(ImproperlyConfigured, match="TRIBUNE_RATE_LIMITS"):
        rate_limits(raw, DEFAULTS)
