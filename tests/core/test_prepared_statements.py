"""PostgreSQL statements prepared by psycopg, as settings.DATABASES asks: values bound on
the server, a statement prepared once a connection has run it a few times, and nothing
prepared with TRIBUNE_PREPARED_STATEMENTS=0 (behind a pooler in transaction mode)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import DataError, connection, transaction

from tests.core.sites import site_env

QUERY = "SELECT 60 / %s::int + n FROM generate_series(1, 3) AS n"
# Printed by a new process: the settings read the environment once, when imported.
OPTIONS = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
)


def options_with(tmp_path, **env: str) -> dict[str, object]:
    """The database OPTIONS the settings make of this environment, read in a new process."""
    environ = {**site_env(tmp_path, database_url="postgres://tribune@127.0.0.1:1/tribune"), **env}
    done = subprocess.run(
        [sys.executable, "-c", OPTIONS],
        env=environ,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    options: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return options


def test_postgresql_binds_on_the_server_and_prepares_what_runs_often(tmp_path):
    options = options_with(tmp_path)
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == settings.PREPARE_THRESHOLD
    # Behind a pooler in transaction mode: values still bound on the server, in unnamed
    # statements, which any server connection takes.
    off = options_with(tmp_path, TRIBUNE_PREPARED_STATEMENTS="0")
    assert off["server_side_binding"] is True
    assert off["prepare_threshold"] is None


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    connection.ensure_connection()
    psycopg_connection = connection.connection
    threshold = psycopg_connection.prepare_threshold
    with connection.cursor() as db:
        db.execute("DEALLOCATE ALL")  # psycopg sees it, and forgets what it had prepared
    yield psycopg_connection
    psycopg_connection.prepare_threshold = threshold


def prepared() -> list[str]:
    """The statements of this test prepared on the connection (this query is not one)."""
    with connection.cursor() as db:
        db.execute("SELECT statement FROM pg_prepared_statements")
        return [found for (found,) in db.fetchall() if "generate_series" in found]


def run(value: int) -> list[int]:
    with connection.cursor() as db:
        db.execute(QUERY, [value])
        return [n for (n,) in db.fetchall()]


def test_a_statement_run_again_and_again_is_prepared_once(postgres):
    for _ in range(settings.PREPARE_THRESHOLD):
        assert run(60) == [2, 3, 4]
        assert prepared() == []
    assert run(30) == [3, 4, 5]
    assert run(20) == [4, 5, 6]
    assert prepared() == ["SELECT 60 / $1::int + n FROM generate_series(1, 3) AS n"]


def test_with_prepared_statements_off_nothing_is_prepared(postgres):
    postgres.prepare_threshold = None  # what TRIBUNE_PREPARED_STATEMENTS=0 sets
    for _ in range(2 * settings.PREPARE_THRESHOLD):
        assert run(60) == [2, 3, 4]
    assert prepared() == []


def test_a_failed_run_leaves_the_connection_usable(postgres):
    for _ in range(settings.PREPARE_THRESHOLD + 1):
        run(60)
    with pytest.raises(DataError), transaction.atomic():
        run(0)  # the prepared statement, failing: division by zero
    # psycopg forgets a statement whose run failed, runs it plainly, prepares it again.
    for _ in range(settings.PREPARE_THRESHOLD + 1):
        assert run(30) == [3, 4, 5]
    assert len(prepared()) == 1
