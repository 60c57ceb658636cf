"""Sites in temporary folders for the tests that run the `tribune` command itself."""

from __future__ import annotations

import shutil
from pathlib import Path

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
