"""The layers of docs/architecture.md, as import-linter checks them in `make lint`: every
app states its place, and a forbidden import fails the check."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "tribune"


def contracts() -> list[dict[str, Any]]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        found: list[dict[str, Any]] = tomllib.load(file)["tool"]["importlinter"]["contracts"]
    return found


def apps() -> set[str]:
    """Every app of src/tribune: a folder with an apps.py or an __init__.py."""
    return {
        f"tribune.{folder.name}"
        for folder in PACKAGE.iterdir()
        if (folder / "__init__.py").exists()
        and folder.name not in {"locale", "static", "templates"}
    }


def test_every_app_states_its_place_in_the_layers():
    layers = next(c for c in contracts() if c["id"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in str(layer).split("|")}
    assert placed == apps()


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(command), str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def copy_of_the_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package and its contracts in a folder of their own, to break them there."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(
        PACKAGE,
        root / "src" / "tribune",
        ignore=shutil.ignore_patterns("__pycache__", "locale", "static", "templates"),
    )
    return root


def test_the_contracts_hold_today(copy_of_the_sources):
    result = lint_imports(copy_of_the_sources)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "forbidden", "contract"),
    [
        ("tribune.posts.crossing", "tribune.notes.models", "posts never imports"),
        ("tribune.core.crossing", "tribune.accounts.models", "core imports no app"),
        ("tribune.accounts.crossing", "tribune.communities.models", "accounts imports no"),
        ("tribune.feeds.crossing", "tribune.api.schemas", "Domain apps never import the API"),
        ("tribune.wiki.crossing", "tribune.posts.models", "Apps import only the apps below"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(copy_of_the_sources, module, forbidden, contract):
    path = copy_of_the_sources / "src" / Path(*module.split(".")).with_suffix(".py")
    path.write_text(f"import {forbidden}  # across a layer, on purpose\n")
    try:
        result = lint_imports(copy_of_the_sources)
    finally:
        path.unlink()
    assert result.returncode != 0
    assert f"{module} -> {forbidden}" in result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken
