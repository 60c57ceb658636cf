"""Statements prepared once per PostgreSQL connection (tribune.core.prepared)."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tribune.core import prepared

pytestmark = pytest.mark.django_db

SQL = "SELECT %(base)s::int + %(step)s::int * n FROM generate_series(1, %(count)s::int) AS n"


def statement(sql: str = SQL) -> prepared.Prepared:
    # `base` is a constant, written in; `step` and `count` change from run to run.
    return prepared.prepare(sql, {"base": 100}, {"step", "count"})


def held() -> set[str]:
    with connection.cursor() as db:
        db.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in db.fetchall()}


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    prepared._KEPT.clear()
    with connection.cursor() as db:
        db.execute("DEALLOCATE ALL")
    yield
    prepared._KEPT.clear()
    with connection.cursor() as db:
        db.execute("DEALLOCATE ALL")


def test_a_statement_is_prepared_once_per_connection_then_executed(postgres):
    kept = statement()
    assert "$1" in kept.text and "100" in kept.text and "%(base)s" not in kept.text
    with CaptureQueriesContext(connection) as first:
        assert prepared.run(kept, {"step": 2, "count": 3}) == [(102,), (104,), (106,)]
    with CaptureQueriesContext(connection) as second:
        assert prepared.run(kept, {"step": 5, "count": 1}) == [(105,)]
    assert f"PREPARE {kept.name}" in first.captured_queries[0]["sql"]
    assert second.captured_queries[0]["sql"].startswith(f"EXECUTE {kept.name}(")
    assert held() == {kept.name}


def test_settings_apply_to_the_statement_alone(postgres):
    kept = prepared.prepare("SELECT current_setting('enable_seqscan')", {}, set())
    with transaction.atomic():
        rows = prepared.run(
            kept,
            {},
            before=["SET LOCAL enable_seqscan = off"],
            after=["SET LOCAL enable_seqscan TO DEFAULT"],
        )
        assert rows == [("off",)]
        with connection.cursor() as db:
            db.execute("SHOW enable_seqscan")
            assert db.fetchone() == ("on",)


def test_the_statement_run_least_recently_is_let_go_past_the_bound(postgres, monkeypatch):
    monkeypatch.setattr(prepared, "MAX_PER_CONNECTION", 2)
    one, two, three = (statement(f"{SQL} LIMIT {n}") for n in (1, 2, 3))
    for kept in (one, two, one, three):
        prepared.run(kept, {"step": 1, "count": 5})
    assert held() == {one.name, three.name}
    assert prepared.run(two, {"step": 1, "count": 5}) == [(101,), (102,)]
    assert held() == {three.name, two.name}


def test_after_an_error_the_connection_starts_again_from_nothing(postgres):
    divide = prepared.prepare("SELECT 1 / %(d)s::int", {}, {"d"})
    other = statement()
    prepared.run(other, {"step": 1, "count": 1})
    with pytest.raises(DataError), transaction.atomic():
        prepared.run(divide, {"d": 0})
    # PREPARE is not undone with the failed transaction's savepoint: whether the
    # statement is held is not known, so everything is let go and prepared afresh.
    assert prepared.run(divide, {"d": 1}) == [(1,)]
    assert prepared.run(other, {"step": 1, "count": 1}) == [(101,)]
    assert held() == {divide.name, other.name}


def test_with_prepared_statements_off_it_runs_as_a_plain_statement(postgres, settings):
    settings.TRIBUNE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as ran:
        assert prepared.run(statement(), {"step": 2, "count": 2}) == [(102,), (104,)]
    assert "EXECUTE" not in ran.captured_queries[0]["sql"]
    assert held() == set()


def test_other_databases_run_it_plainly():
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL prepares it")
    assert not prepared.enabled()
