"""Statements PostgreSQL plans once per connection, not once per run.

Django binds values on the client and prepares nothing, so PostgreSQL plans every
statement each time it runs. For most that costs little. For a few hot statements
planning costs about as much as running: the home feed's, a lateral join over a
member's sources under the visibility rule, takes some 1.5 ms to plan and 2 to run.
A `Prepared` statement is sent once per connection as PREPARE, its constants written
in and the values that change from one run to the next as parameters ($1, $2...), and
is run with EXECUTE afterwards, in the same round trip as the settings it runs with:
PostgreSQL keeps its plan for the connection's life.

Behind a pooler that hands one client's statements to several server connections
(PgBouncer in transaction mode), a statement prepared on one of them is unknown on the
others: set TRIBUNE_PREPARED_STATEMENTS=0 there, and statements run as plain ones.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import connection

# Statements kept prepared on one connection; the one run least recently goes first.
MAX_PER_CONNECTION = 32

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Prepared:
    """A statement with named placeholders (`%(name)s`), its constant values, and the
    names of the values each run gives; as PREPARE takes it, and as a plain statement."""

    sql: str
    constants: Mapping[str, Any]
    name: str
    text: str  # the constants written in, $1, $2... for the values
    values: tuple[str, ...]  # the values' names, in the order of their numbers

    def plain(self, values: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The statement and its parameters, to run without preparing it."""
        return self.sql, {**self.constants, **values}

    def execute(self, values: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The EXECUTE of the prepared statement, and its parameters."""
        if not self.values:
            return f"EXECUTE {self.name}", {}
        arguments = ", ".join(f"%({name})s" for name in self.values)
        return f"EXECUTE {self.name}({arguments})", {name: values[name] for name in self.values}


def prepare(sql: str, constants: Mapping[str, Any], values: Collection[str]) -> Prepared:
    """`sql` (named placeholders; no literal `%`) with `constants` written in as literals
    and the placeholders of `values` numbered, for PREPARE. PostgreSQL only."""
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    # PostgreSQL's compose_sql: psycopg's client-side binding, as Django's queries use.
    compose: Callable[[str, Any], str] = connection.ops.compose_sql  # type: ignore[attr-defined]
    text = compose(_PLACEHOLDER.sub(number, sql), dict(constants))
    digest = hashlib.sha256(text.encode()).hexdigest()[:24]
    return Prepared(
        sql=sql, constants=constants, name=f"tribune_{digest}", text=text, values=tuple(order)
    )


class _Kept:
    """The statements prepared on one connection, least recently run first."""

    def __init__(self) -> None:
        self.names: OrderedDict[str, None] = OrderedDict()
        # After an error, which statements the connection holds is not known for sure
        # (PREPARE is not undone with its transaction): they are all let go first.
        self.unsure = False


_KEPT: WeakKeyDictionary[Any, _Kept] = WeakKeyDictionary()


def enabled() -> bool:
    return connection.vendor == "postgresql" and bool(settings.TRIBUNE_PREPARED_STATEMENTS)


def run(
    statement: Prepared,
    values: Mapping[str, Any],
    *,
    before: Sequence[str] = (),
    after: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """The rows of the statement for these values, prepared on this connection if it is
    not yet (in one round trip with it); `before` and `after`: settings to run it with
    (SET LOCAL, which lasts until the end of the round trip's own transaction)."""
    if not enabled():
        sql, params = statement.plain(values)
        return _run_between(sql, params, before, after)
    execute, params = statement.execute(values)
    with connection.cursor() as db:
        kept = _KEPT.setdefault(db.cursor.connection, _Kept())
        steps = []
        if kept.unsure:
            steps.append("DEALLOCATE ALL")
            kept.names.clear()
        if statement.name not in kept.names:
            if len(kept.names) >= MAX_PER_CONNECTION:
                oldest, _ = kept.names.popitem(last=False)
                steps.append(f"DEALLOCATE {oldest}")
            # The text is final (its constants written in): `%` is no placeholder there.
            steps.append(f"PREPARE {statement.name} AS {statement.text.replace('%', '%%')}")
        skip = len(steps) + len(before)
        try:
            db.execute("; ".join([*steps, *before, execute, *after]), params)
            for _ in range(skip):
                db.cursor.nextset()
            rows: list[tuple[Any, ...]] = db.fetchall()
        except Exception:
            kept.unsure = True
            raise
        kept.unsure = False
        kept.names[statement.name] = None
        kept.names.move_to_end(statement.name)
        return rows


def _run_between(
    sql: str, params: Mapping[str, Any], before: Sequence[str], after: Sequence[str]
) -> list[tuple[Any, ...]]:
    with connection.cursor() as db:
        db.execute("; ".join([*before, sql, *after]), params)
        for _ in before:
            db.cursor.nextset()
        rows: list[tuple[Any, ...]] = db.fetchall()
        return rows
