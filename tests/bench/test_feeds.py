"""The benchmark flags the query plans that read a large table whole."""

from __future__ import annotations

from typing import Any

import pytest

from bench.feeds import condense, findings

ROWS = {"posts_post": 200_000, "communities_membership": 6_000, "accounts_member": 900}


def test_a_full_scan_of_a_large_table_is_flagged():
    plan = ["SCAN posts_post", "SEARCH accounts_member USING INTEGER PRIMARY KEY (rowid=?)"]
    assert findings(plan, 'SELECT * FROM "posts_post"', ROWS) == ["FULL SCAN of posts_post"]


def test_sqlite_names_tables_by_their_alias_in_subqueries():
    sql = 'SELECT 1 FROM "posts_post" WHERE x IN (SELECT U0."id" FROM "communities_membership" U0)'
    plan = ["SEARCH posts_post USING INDEX post_recent (subwiki_id=?)", "  SCAN U0"]
    assert findings(plan, sql, ROWS) == ["FULL SCAN of communities_membership"]


def test_walking_an_index_in_order_is_noted_apart_from_a_full_scan():
    plan = ["SCAN posts_post USING INDEX post_recent"]
    assert findings(plan, "", ROWS) == ["index-order scan of posts_post (via post_recent)"]


def test_small_tables_and_seeks_are_not_flagged():
    plan = [
        "SCAN accounts_member",  # 900 rows here: PostgreSQL would rightly read it whole
        "SEARCH posts_post USING INDEX post_subwiki_recent (subwiki_id=?)",
        "Index Scan using post_author_recent on posts_post  (cost=0.42..8.44 rows=1 width=8)",
    ]
    assert findings(plan, "", ROWS) == []


def test_a_postgresql_sequential_scan_is_flagged():
    plan = ["Limit", "  ->  Seq Scan on posts_post posts_post_1  (cost=0.00..9.00 rows=1)"]
    assert findings(plan, "", ROWS) == ["FULL SCAN of posts_post"]


def test_a_postgresql_bitmap_scan_of_the_posts_is_flagged():
    plan = [
        "Limit",
        "  ->  Bitmap Heap Scan on posts_post posts_post_2  (cost=4.5..40.1 rows=12)",
        "        ->  Bitmap Index Scan on post_author_recent  (cost=0.00..4.5 rows=12)",
    ]
    assert findings(plan, "", ROWS) == [
        "bitmap scan of posts_post (every matching row, before the LIMIT)"
    ]


def test_a_long_plan_shows_each_step_once_with_its_count():
    arm = [
        "MERGE (UNION ALL)",
        "  SEARCH posts_post USING INDEX post_subwiki_recent (subwiki_id=?)",
    ]
    shown = condense(arm * 30)
    assert "SEARCH posts_post USING INDEX post_subwiki_recent (subwiki_id=?)   [x30]" in shown
    assert len(shown) == 3  # the note, then the two steps


def test_the_cpu_a_request_costs_is_set_against_the_trivial_views():
    import os

    from bench.feeds import cpu_share, process_tree_cpu

    spent = process_tree_cpu(os.getpid())
    assert spent is None or spent > 0  # None where there is no /proc
    page: dict[str, Any] = {"cpu": {"server_ms": 7.5, "client_ms": 0.5}, "floor": {}}
    page["floor"]["cpu"] = {"server_ms": 0.7, "client_ms": 0.1}
    assert cpu_share(page) == pytest.approx(0.1)
    assert cpu_share({"cpu": None, "floor": {"cpu": None}}) is None
