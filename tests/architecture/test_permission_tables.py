"""Every rule of every app's permissions module has a row in its app's table.

Each tests/<app>/test_permissions.py names the rules its tables walk in RULES_WALKED
(derived from the rows where the table's shape allows), so that a new `can_*`
function fails here until a row says who may.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import pytest

import tribune
from tests.permission_tables import rules_of

APPS = sorted(path.parent.name for path in Path(tribune.__file__).parent.glob("*/permissions.py"))


def test_the_apps_that_decide_anything_are_found():
    assert {"accounts", "communities", "funding", "notes", "posts", "trust", "wiki"} <= set(APPS)


@pytest.mark.parametrize("app", APPS)
def test_every_rule_has_a_row_in_its_table(app: str):
    defined = rules_of(import_module(f"tribune.{app}.permissions"))
    try:
        table = import_module(f"tests.{app}.test_permissions")
    except ModuleNotFoundError:
        pytest.fail(
            f"tribune.{app}.permissions has no table: write tests/{app}/test_permissions.py"
        )
    walked = set(getattr(table, "RULES_WALKED", ()))
    missing = sorted(defined - walked)
    assert not missing, f"Add rows for {missing} to tests/{app}/test_permissions.py"
    gone = sorted(name for name in walked - defined if name.startswith("can_"))
    assert not gone, f"tests/{app}/test_permissions.py walks rules that are gone: {gone}"
