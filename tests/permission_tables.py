"""Permission tables walked for every role (STYLE.md: "Permissions as a table").

A table is a list of rows: a rule of an app's permissions module, the situation it is
asked in, how to ask it, and the roles that may. Every role not listed is refused.
The roles are those of `tests.moderation.places` (one person of each, around a public
square, another public subwiki and a private back room), plus its `owner` (of the
square and the back room) and `author` (a plain member of the back room, who wrote the
posts). tests/architecture/test_permission_tables.py checks that each `can_*` rule has a row.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest

from tests.moderation.places import ROLES as PLACE_ROLES
from tests.moderation.places import Place

ROLES = (*PLACE_ROLES, "owner", "author")

# Shorthands for the `allowed` column.
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"visitor"}
NOT_SUSPENDED = SIGNED_IN - {"suspended"}
ADMITTED = NOT_SUSPENDED - {"waitlisted"}
NOBODY: frozenset[str] = frozenset()


def only(*roles: str) -> frozenset[str]:
    unknown = set(roles) - EVERYONE
    assert not unknown, f"unknown roles {sorted(unknown)}"
    return frozenset(roles)


@dataclass(frozen=True)
class Row:
    rule: str  # the function's name in the permissions module
    situation: str
    ask: Callable[[Place, Any], bool]  # (the place, the role's person) -> allowed?
    allowed: frozenset[str]
    public_read: bool = True

    def __str__(self) -> str:
        return f"{self.rule}: {self.situation}"


def person(place: Place, role: str) -> Any:
    if role in ("owner", "author"):
        return getattr(place, role)
    return place.roles[role]


def at_level(who: Any, level: int) -> Any:
    """The same person at another trust level (on this object only; nothing is saved)."""
    if who.is_authenticated:
        who.trust_level = level
    return who


def check_row(row: Row, place: Place, settings: Any) -> None:
    """Ask the row's rule for every role; fail naming each role the table is wrong about."""
    settings.TRIBUNE_PUBLIC_READ = row.public_read
    wrong = []
    for role in ROLES:
        allowed = bool(row.ask(place, person(place, role)))
        if allowed is not (role in row.allowed):
            wrong.append(f"{role} {'may' if allowed else 'may not'}")
    assert not wrong, f"{row}: {', '.join(wrong)}; the table says otherwise"


def rows_param(rows: Iterable[Row]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("row", list(rows), ids=str)


def rules_of(module: ModuleType) -> set[str]:
    """The `can_*` rules a permissions module defines (not those it imports)."""
    return {
        name
        for name, value in inspect.getmembers(module, inspect.isfunction)
        if value.__module__ == module.__name__ and name.startswith("can_")
    }


def rules_walked(rows: Iterable[Row]) -> frozenset[str]:
    return frozenset(row.rule for row in rows)
