"""Sites in temporary folders for the tests that run the `tribune` command itself."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg
import pytest
from django.db import connection

from tests.core.sites import run_ok, site_env


def _only_in_the_sqlite_run() -> None:
    # A site on SQLite in a child process runs the same whatever database this run
    # uses (site_env leaves DATABASE_URL and REDIS_URL out): the PostgreSQL run of
    # `make test` would only repeat what the SQLite run tested.
    if connection.vendor != "sqlite":
        pytest.skip("a site on SQLite in a child process: the SQLite run tests it")


@pytest.fixture(scope="session")
def migrated_sqlite_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var/ folder with a migrated SQLite database, made once and copied by each test."""
    _only_in_the_sqlite_run()
    var = tmp_path_factory.mktemp("migrated") / "var"
    run_ok("migrate", "--noinput", "--verbosity", "0", env=site_env(var))
    return var


@pytest.fixture
def sqlite_var(tmp_path: Path) -> Path:
    """An empty var/ folder for a new site on SQLite, in this test's own folder."""
    _only_in_the_sqlite_run()
    return tmp_path / "var"


@pytest.fixture
def sqlite_site(migrated_sqlite_var: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh, migrated site on SQLite, in this test's own folder."""
    var = tmp_path / "var"
    var.mkdir()
    for path in migrated_sqlite_var.iterdir():
        if path.is_file():
            shutil.copy2(path, var / path.name)
    return site_env(var)


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture
def postgres_site(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A migrated site on a PostgreSQL database of its own, made for this test and dropped."""
    url = _postgres_url()
    if url is None:
        pytest.skip("DATABASE_URL does not name a PostgreSQL database")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        if os.environ.get("CI") == "true" or os.environ.get("TRIBUNE_REQUIRE_SERVICES") == "1":
            pytest.fail("pg_dump and pg_restore are needed to test PostgreSQL backups")
        pytest.skip("pg_dump and pg_restore are not installed")
    config = dj_database_url.parse(url)
    name = f"tribune_backup_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        dbname=config["NAME"],
        autocommit=True,
    )
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            parts = urlsplit(url)
            env = site_env(tmp_path / "var", database_url=urlunsplit(parts._replace(path=name)))
            run_ok("migrate", "--noinput", "--verbosity", "0", env=env)
            yield env
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest) -> dict[str, str]:
    """A migrated site on each database engine (PostgreSQL when the run has one)."""
    fixture = "sqlite_site" if request.param == "sqlite" else "postgres_site"
    env: dict[str, str] = request.getfixturevalue(fixture)
    return env
