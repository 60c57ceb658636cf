"""The home feed: exactly what a member follows, plus their own posts, newest first, and a
cursor that holds its place while new posts arrive."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import MemberFactory, make_post, make_subwiki
from tests.feeds.conftest import (
    bulk_members,
    bulk_posts,
    bulk_subwikis,
    expected_home_feed,
    follow_member,
    follow_subwiki,
    join_private,
)
from tribune.communities.services import subwiki_leave
from tribune.core.pagination import InvalidCursor, InvalidLimit, encode_cursor
from tribune.feeds.home import home_feed, home_feed_sql
from tribune.posts.models import Post
from tribune.posts.reactions import reaction_add

pytestmark = pytest.mark.django_db


def titles(page) -> list[str]:
    return [post.title for post in page.items]


def read_all(viewer, *, limit: int) -> list[Post]:
    """Every page of the viewer's home feed, following the cursors."""
    seen: list[Post] = []
    cursor = None
    for _ in range(1000):
        page = home_feed(viewer=viewer, cursor=cursor, limit=limit)
        seen += page.items
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor
    raise AssertionError("the cursors never ended")


def test_home_feed_holds_exactly_the_followed_sources_and_ones_own_posts_newest_first(
    reader, owner, square, back_room
):
    friend = MemberFactory.create(username="friend")
    stranger = MemberFactory.create(username="stranger")
    elsewhere = make_subwiki(owner=stranger, name="Elsewhere", slug="elsewhere")
    follow_subwiki(reader, square)
    follow_member(reader, friend)

    make_post(stranger, subwiki=square, title="A stranger in the followed subwiki")
    make_post(friend, subwiki=elsewhere, title="The friend elsewhere")
    make_post(stranger, subwiki=elsewhere, title="A stranger elsewhere")
    make_post(friend, subwiki=None, title="The friend's profile post")
    make_post(stranger, subwiki=None, title="A stranger's profile post")
    make_post(reader, subwiki=elsewhere, title="The reader's own post")
    make_post(friend, subwiki=square, title="The friend in the followed subwiki")
    join_private(friend, back_room)
    make_post(friend, subwiki=back_room, title="The friend in a private subwiki")
    removed = make_post(stranger, subwiki=square, title="Removed by moderators")
    Post.objects.filter(pk=removed.pk).update(is_removed=True)

    page = home_feed(viewer=reader)

    # Once each, newest first: the post of a followed member in a followed subwiki too.
    assert titles(page) == [
        "The friend in the followed subwiki",
        "The reader's own post",
        "The friend's profile post",
        "The friend elsewhere",
        "A stranger in the followed subwiki",
    ]
    assert page.next_cursor is None
    assert [post.pk for post in page.items] == expected_home_feed(reader)


def test_a_followed_private_subwiki_shows_only_while_one_is_a_member(reader, owner, back_room):
    join_private(reader, back_room)
    follow_subwiki(reader, back_room)
    make_post(owner, subwiki=back_room, title="For members")
    assert titles(home_feed(viewer=reader)) == ["For members"]

    subwiki_leave(actor=reader, subwiki=back_room)

    assert titles(home_feed(viewer=reader)) == []


def test_a_new_member_who_follows_nothing_sees_their_own_posts_only(reader, square):
    assert home_feed(viewer=reader).items == []
    make_post(reader, subwiki=square, title="Mine")
    make_post(MemberFactory.create(), subwiki=square, title="Not followed")
    assert titles(home_feed(viewer=reader)) == ["Mine"]


def test_a_page_boundary_holds_while_new_posts_arrive(reader, owner, square):
    follow_subwiki(reader, square)
    old = bulk_posts(25, authors=[owner], subwikis=[square])
    first = home_feed(viewer=reader, limit=10)
    assert first.items == old[:10]

    # Five new posts arrive between the reader's pages.
    bulk_posts(5, authors=[owner], subwikis=[square], newest=timezone.now() + dt.timedelta(hours=1))
    second = home_feed(viewer=reader, cursor=first.next_cursor, limit=10)
    third = home_feed(viewer=reader, cursor=second.next_cursor, limit=10)

    assert second.items == old[10:20]
    assert third.items == old[20:]
    assert third.next_cursor is None
    # Starting again from the top shows the new ones first.
    assert [p.title for p in home_feed(viewer=reader, limit=5).items] == [
        f"Bulk post {i}" for i in range(5)
    ]


def test_posts_made_in_the_same_instant_are_neither_repeated_nor_skipped(reader, owner, square):
    friend = MemberFactory.create()
    follow_subwiki(reader, square)
    follow_member(reader, friend)
    instant = timezone.now()
    # Twelve posts share one time, some through both the subwiki and the friend.
    bulk_posts(
        12, authors=[owner, friend], subwikis=[square, None], newest=instant, step=dt.timedelta(0)
    )

    seen = read_all(reader, limit=5)

    assert [post.pk for post in seen] == expected_home_feed(reader)
    assert len(seen) == len({post.pk for post in seen}) == 12


def test_upvotes_never_change_the_order(reader, owner, square):
    follow_subwiki(reader, square)
    older = make_post(owner, subwiki=square, title="Older")
    make_post(owner, subwiki=square, title="Newer")
    for voter in MemberFactory.create_batch(3):
        reaction_add(actor=voter, post_id=older.pk)
    assert titles(home_feed(viewer=reader)) == ["Newer", "Older"]


@pytest.mark.parametrize("sources", [10, 1000])
def test_the_feed_merges_ten_or_a_thousand_sources_in_the_right_order(reader, sources):
    subwikis = bulk_subwikis(sources // 10)
    members = bulk_members(sources - len(subwikis))
    for subwiki in subwikis:
        follow_subwiki(reader, subwiki)
    for member in members:
        follow_member(reader, member)
    # Posts by the followed members in the followed subwikis, and by others elsewhere.
    outsiders = bulk_members(3)
    bulk_posts(300, authors=[*members, *outsiders], subwikis=[*subwikis, None])

    seen = read_all(reader, limit=40)

    assert [post.pk for post in seen] == expected_home_feed(reader)
    assert not any(post.author in outsiders and post.subwiki is None for post in seen)


def test_a_cursor_that_was_tampered_with_is_refused(reader):
    for cursor in ["not-a-cursor", encode_cursor(["yesterday", 3]), encode_cursor([1, 2, 3])]:
        with pytest.raises(InvalidCursor):
            home_feed(viewer=reader, cursor=cursor)


@pytest.mark.parametrize("limit", [0, 101, -1, "ten"])
def test_a_limit_out_of_range_is_refused(reader, limit):
    with pytest.raises(InvalidLimit):
        home_feed(viewer=reader, limit=limit)


def test_home_feed_sql_is_the_query_the_feed_runs(reader, owner, square):
    friend = MemberFactory.create()
    follow_subwiki(reader, square)
    follow_member(reader, friend)
    bulk_posts(30, authors=[owner, friend], subwikis=[square, None])
    first = home_feed(viewer=reader, limit=10)

    sql, params = home_feed_sql(reader.pk, first.next_cursor, 10)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = list(dict.fromkeys(row[0] for row in cursor.fetchall()))

    second = home_feed(viewer=reader, cursor=first.next_cursor, limit=10)
    assert ids[:10] == [post.pk for post in second.items]


def test_home_feed_sql_of_a_member_who_follows_nothing_reads_nothing(reader):
    sql, params = home_feed_sql(reader.pk, None, 20)
    MemberFactory.create()  # someone else, with nothing to do with the reader
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert cursor.fetchall() == []


def test_one_prepared_statement_serves_every_member(reader, owner, square, settings):
    if connection.vendor != "postgresql":
        pytest.skip("psycopg prepares statements on PostgreSQL")
    other = MemberFactory.create()
    for member in (reader, other):
        follow_subwiki(member, square)
    make_post(owner, subwiki=square, title="Shared")
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what earlier tests prepared on this connection
    for _ in range(settings.PREPARE_THRESHOLD + 1):
        assert titles(home_feed(viewer=reader)) == ["Shared"]
    assert titles(home_feed(viewer=other)) == ["Shared"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ["%feed_page%"],
        )
        # Prepared once, and run for both members by the same statement.
        [(generic, custom)] = cursor.fetchall()
        assert generic + custom == 2


def test_a_statement_kept_for_one_member_is_not_another_members(reader, owner, square):
    # Statements are kept by shape and visibility rule: two members who follow as many
    # sources see their own sources, and a member's private subwiki stays theirs.
    other = MemberFactory.create()
    secret = make_subwiki(owner, name="Secret room", visibility="private")
    plaza = make_subwiki(owner, name="Plaza")
    join_private(reader, secret)
    for member in (reader, other):
        follow_subwiki(member, square)
    follow_subwiki(reader, secret)
    follow_subwiki(other, plaza)
    make_post(owner, subwiki=secret, title="Members only")
    make_post(owner, subwiki=plaza, title="On the plaza")
    make_post(owner, subwiki=square, title="Public")
    assert titles(home_feed(viewer=reader)) == ["Public", "Members only"]
    assert titles(home_feed(viewer=other)) == ["Public", "On the plaza"]
    assert titles(home_feed(viewer=reader)) == ["Public", "Members only"]
