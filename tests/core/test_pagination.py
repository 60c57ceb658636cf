"""Keyset pagination: every item once, in order, whatever arrives or goes meanwhile."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ApiClient
from tribune.accounts.models import Member
from tribune.core.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    InvalidCursor,
    InvalidLimit,
    encode_cursor,
    paginate_keyset,
)

pytestmark = pytest.mark.django_db

START = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)
property_settings = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def make_members(minutes: list[int]) -> list[Member]:
    """Members joined `minutes` after START (equal minutes make ties), in creation order."""
    return [
        Member.objects.create(
            username=f"paged{i}",
            email=f"paged{i}@example.org",
            created_at=START + dt.timedelta(minutes=m),
        )
        for i, m in enumerate(minutes)
    ]


def newest_first(members: list[Member]) -> list[int]:
    return [m.pk for m in sorted(members, key=lambda m: (m.created_at, m.pk), reverse=True)]


def flat(pages: list[list[int]]) -> list[int]:
    return [pk for page in pages for pk in page]


def walk(limit: int | str | None, *, start: str | None = None) -> list[list[int]]:
    """The pages of every member from `start` on, as lists of ids."""
    pages: list[list[int]] = []
    cursor = start
    for _ in range(Member.objects.count() + 2):  # a cursor that does not move on must not hang
        page = paginate_keyset(Member.objects.all(), cursor=cursor, limit=limit)
        pages.append([m.pk for m in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor
    raise AssertionError(f"the pages never end: {pages[:5]}...")


def test_pages_run_newest_first_and_the_last_has_no_cursor():
    members = make_members([0, 5, 3, 9, 1, 7, 2])
    pages = walk(3)
    assert [len(p) for p in pages] == [3, 3, 1]
    assert flat(pages) == newest_first(members)


def test_a_full_last_page_is_not_followed_by_an_empty_one():
    make_members([0, 1, 2, 3])
    assert [len(p) for p in walk(2)] == [2, 2]


def test_ties_in_time_are_broken_by_id_the_same_way_every_time():
    members = make_members([4, 4, 4, 4, 4])
    pages = walk(2)
    assert flat(pages) == sorted((m.pk for m in members), reverse=True)
    assert walk(2) == pages


def test_a_cursor_stays_put_while_new_items_arrive():
    members = make_members(list(range(10)))
    first = paginate_keyset(Member.objects.all(), cursor=None, limit=4)
    Member.objects.create(
        username="latecomer", email="late@example.org", created_at=START + dt.timedelta(days=1)
    )
    rest = walk(4, start=first.next_cursor)
    seen = [m.pk for m in first.items] + flat(rest)
    assert seen == newest_first(members)  # nothing twice, nothing skipped, no latecomer


def test_the_next_page_follows_on_even_when_the_last_item_seen_is_deleted():
    members = make_members(list(range(6)))
    first = paginate_keyset(Member.objects.all(), cursor=None, limit=3)
    first.items[-1].delete()
    rest = walk(3, start=first.next_cursor)
    assert flat(rest) == newest_first(members)[3:]


def test_the_default_limit_is_20():
    make_members(list(range(DEFAULT_LIMIT + 1)))
    page = paginate_keyset(Member.objects.all(), cursor=None, limit=None)
    assert len(page.items) == DEFAULT_LIMIT
    assert page.next_cursor is not None


@pytest.mark.parametrize("limit", [1, "1", MAX_LIMIT, str(MAX_LIMIT), " 7 ", ""])
def test_limits_from_1_to_100_are_accepted(limit):
    make_members([0, 1])
    paginate_keyset(Member.objects.all(), cursor=None, limit=limit)


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1, "0", "101", "ten", "2.5", "1e2"])
def test_other_limits_are_refused_with_a_message(limit):
    with pytest.raises(InvalidLimit) as refused:
        paginate_keyset(Member.objects.all(), cursor=None, limit=limit)
    assert refused.value.status == 400
    assert "1 to 100" in str(refused.value.detail)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


DAMAGED_CURSORS = {
    "text": "not a cursor",
    "not base64": "!!!!",
    "not utf-8": _b64(b"\xff\xfe"),
    "not a list": _b64(b"{}"),
    "too short": _b64(b"[1]"),
    "too long": _b64(b"[1, 2, 3]"),
    "a float": _b64(b"[1.5, 2]"),
    "a null": _b64(b"[null, 2]"),
    "a bad time": _b64(b'[{"t": "yesterday"}, 2]'),
    "a time not text": _b64(b'[{"t": 5}, 2]'),
    "an object": _b64(b'[{"x": 1}, 2]'),
    # Values of the wrong type for their key, which only the database would notice:
    "text for a time": encode_cursor(["soon", 1]),
    "a number for a time": encode_cursor([1, 2]),
    "text for an id": encode_cursor([START, "x"]),
    "a time without offset": encode_cursor([START.replace(tzinfo=None), 1]),
    "a NUL": encode_cursor([START, "1\x00"]),
}


@pytest.mark.parametrize("cursor", DAMAGED_CURSORS.values(), ids=DAMAGED_CURSORS.keys())
def test_damaged_cursors_are_refused_with_a_message(cursor):
    make_members([0, 1, 2])
    with pytest.raises(InvalidCursor) as refused:
        paginate_keyset(Member.objects.all(), cursor=cursor, limit=2)
    assert refused.value.status == 400
    assert refused.value.code == "invalid_cursor"


def test_a_cursor_of_an_existing_key_by_hand_works():
    members = make_members([0, 1, 2])
    newest = max(members, key=lambda m: m.created_at)
    page = paginate_keyset(
        Member.objects.all(), cursor=encode_cursor([newest.created_at, newest.pk]), limit=5
    )
    assert [m.pk for m in page.items] == newest_first(members)[1:]


@property_settings
@given(
    minutes=st.lists(st.integers(min_value=0, max_value=5), max_size=30),
    limit=st.integers(min_value=1, max_value=MAX_LIMIT),
)
def test_paging_through_any_items_with_any_limit_visits_each_once_in_order(minutes, limit):
    with transaction.atomic():
        members = make_members(minutes)
        pages = walk(limit)
        assert flat(pages) == newest_first(members)
        assert all(len(p) == limit for p in pages[:-1])
        assert len(pages[-1]) <= limit
        assert pages[-1] or not members  # an empty page only when there is nothing
        transaction.set_rollback(True)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
cursors = (
    st.text()
    | st.binary().map(_b64)
    | json_values.map(lambda v: _b64(json.dumps(v).encode()))
    | st.lists(json_values, min_size=2, max_size=2).map(lambda v: _b64(json.dumps(v).encode()))
    | st.tuples(st.datetimes(timezones=st.just(dt.UTC)), st.integers()).map(encode_cursor)
    | st.tuples(st.text(), st.text()).map(encode_cursor)
)


@property_settings
@given(cursor=cursors)
def test_any_cursor_gives_a_page_or_a_clear_refusal(cursor):
    make_members([0, 1, 2]) if not Member.objects.exists() else None
    try:
        page = paginate_keyset(Member.objects.all(), cursor=cursor, limit=2)
    except InvalidCursor:
        return
    assert len(page.items) <= 2


def test_the_api_answers_a_damaged_cursor_with_400_and_its_code():
    response = ApiClient().get("/api/v1/subwikis", {"cursor": encode_cursor(["soon", 1])})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_cursors_hold_times_in_utc():
    member = make_members([0])[0]
    raw = base64.urlsafe_b64decode(encode_cursor([member.created_at, 1]) + "==")
    stamp = json.loads(raw)[0]["t"]
    assert dt.datetime.fromisoformat(stamp).utcoffset() == dt.timedelta(0)
    assert timezone.is_aware(dt.datetime.fromisoformat(stamp))
