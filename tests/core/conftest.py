"""Sites in temporary folders for the tests that run the `tribune` command itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.core.sites import run_ok, site_env


@pytest.fixture(scope="session")
def migrated_sqlite_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var/ folder with a migrated SQLite database, made once and copied by each test."""
    var = tmp_path_factory.mktemp("migrated") / "var"
    run_ok("migrate", "--noinput", "--verbosity", "0", env=site_env(var))
    return var


@pytest.fixture
def sqlite_site(migrated_sqlite_var: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh, migrated site on SQLite, in this test's own folder."""
    var = tmp_path / "var"
    var.mkdir()
    for path in migrated_sqlite_var.iterdir():
        if path.is_file():
            shutil.copy2(path, var / path.name)
    return site_env(var)
