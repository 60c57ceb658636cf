"""Migrations that move models between apps keep every row: community notes and trust
left moderation for apps of their own (notes/0001, trust/0001, moderation/0003).

The test fills a site with `tribune demo`, takes it back to the layout before the move
(where the rows sit in moderation's tables), then forward again, as an instance
upgrading from that layout does, on SQLite and on PostgreSQL when the run has one.
"""

from __future__ import annotations

import json
from typing import Any

from tests.core.sites import python_in_site, run_ok

MOVED = {
    "moderation_communitynote": "notes_communitynote",
    "moderation_noterating": "notes_noterating",
    "moderation_noterevision": "notes_noterevision",
    "moderation_trustrecord": "trust_trustrecord",
    "moderation_vouch": "trust_vouch",
}

READ_TABLES = """
import json
from django.db import connection
tables = {tables!r}
found = {{}}
with connection.cursor() as cursor:
    present = set(connection.introspection.table_names(cursor))
    for table in tables:
        if table in present:
            cursor.execute(f"SELECT * FROM {{connection.ops.quote_name(table)}} ORDER BY id")
            found[table] = [list(map(str, row)) for row in cursor.fetchall()]
from django.contrib.contenttypes.models import ContentType
found["content_types"] = sorted(
    f"{{ct.app_label}}.{{ct.model}}"
    for ct in ContentType.objects.filter(model__in={models!r})
)
print(json.dumps(found))
"""


def rows(env: dict[str, str], tables: list[str]) -> dict[str, list[Any]]:
    """Each table's rows, and under `content_types` the labels of their models."""
    models = sorted({table.split("_", 1)[1] for table in tables})
    code = READ_TABLES.format(tables=tables, models=models)
    result: dict[str, list[Any]] = json.loads(python_in_site(code, env=env).splitlines()[-1])
    return result


def test_notes_and_trust_move_out_of_moderation_with_every_row(site):
    run_ok("demo", env=site)
    after = rows(site, list(MOVED.values()))
    assert {table: bool(after[table]) for table in MOVED.values()} == dict.fromkeys(
        MOVED.values(), True
    ), "the demo fills every moved table"
    assert after["content_types"] == sorted(
        f"{table.split('_', 1)[0]}.{table.split('_', 1)[1]}" for table in MOVED.values()
    )

    # Back to the layout before the move: the rows are in moderation's tables.
    for app in ("notes", "trust"):  # and moderation's state after them, which needs them
        run_ok("migrate", app, "zero", "--noinput", "--verbosity", "0", env=site)
    before = rows(site, [*MOVED, *MOVED.values()])
    for old, new in MOVED.items():
        assert new not in before
        assert before[old] == after[new]
    assert all(name.startswith("moderation.") for name in before["content_types"])

    # And forward, as an instance on that layout upgrades.
    run_ok("migrate", "--noinput", "--verbosity", "0", env=site)
    again = rows(site, [*MOVED, *MOVED.values()])
    assert not set(MOVED) & set(again)
    assert again == after
