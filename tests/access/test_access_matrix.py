"""Every route answers every role as the access matrix (matrix.py) says.

The routes are found by walking tribune.urls (allauth's, the admin's and i18n's
included) and the API's OpenAPI schema, so a route added without its row in the
matrix fails `test_every_route_has_a_row`, which prints the row to add.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.cache import caches
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access.answers import ROLES, Redirect, Row
from tests.access.matrix import MATRIX
from tests.conftest import issue_token
from tribune.api.api import api

MATRIX_FILE = "tests/access/matrix.py"
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the pattern itself for an unnamed route
    pattern: str
    params: tuple[str, ...]
    named: bool


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, (namespace, pattern.namespace)))
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            full = prefix + str(pattern.pattern)
            key = ":".join(filter(None, (namespace, pattern.name))) if pattern.name else full
            params = tuple(a or b for a, b in _PARAM.findall(full))
            yield Route(key, full, params, named=bool(pattern.name))


SCHEMA_PATHS: dict[str, Any] = api.get_openapi_schema()["paths"]
API_OPERATIONS = [f"{m.upper()} {path}" for path, ops in SCHEMA_PATHS.items() for m in ops]


def _serves_api_operations(route: Route) -> bool:
    """The URL pattern ninja adds for an API path; its operations have rows of their own."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.pattern) in SCHEMA_PATHS


ROUTES = [r for r in _walk(get_resolver().url_patterns) if not _serves_api_operations(r)]
ROUTES_BY_KEY = {r.key: r for r in ROUTES}


def _matches(key: str, globs: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(key, glob) for glob in globs)


def row_for(key: str) -> Row | None:
    """The row naming `key` exactly, else the first row with a glob that matches it."""
    exact = [row for row in MATRIX if key in row.routes]
    if exact:
        return exact[0]
    return next((row for row in MATRIX if _matches(key, row.routes)), None)


def _probed_by(row: Row, key: str) -> bool:
    """Every row naming a route exactly requests it; a glob row, those no row names."""
    if key in row.routes:
        return True
    return row_for(key) is row


def _targets(row: Row) -> list[str]:
    if row.api:
        return [key for key in row.routes if key in API_OPERATIONS]
    if row.path is not None:
        return [row.path]
    keys = [r.key for r in ROUTES if _probed_by(row, r.key)]
    if row.probe is not None:
        keys = [key for key in keys if _matches(key, row.probe)]
    return list(dict.fromkeys(keys))


class Samples(dict[str, Any]):
    """Fixture values by name, fetched when a row's arguments mention them."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        super().__init__()
        self.request = request

    def __missing__(self, name: str) -> Any:
        value = self.request.getfixturevalue(name)
        self[name] = value
        return value


def _fill(value: Any, samples: Samples) -> Any:
    if callable(value):
        return value(samples)
    if isinstance(value, str):
        return value.format_map(samples)
    if isinstance(value, Mapping):
        return {k: _fill(v, samples) for k, v in value.items()}
    return value


def _references(value: Any) -> set[str]:
    """The fixtures a row's strings name: "{subwiki.slug}" names `subwiki`."""
    if isinstance(value, str):
        return set(re.findall(r"\{(\w+)", value))
    if isinstance(value, Mapping):
        return _references(list(value.values()))
    if isinstance(value, list | tuple):
        return set().union(*(_references(v) for v in value))
    if isinstance(value, Redirect):
        return _references(value.to) | _references(value.next_)
    return set()


@dataclass(frozen=True)
class Probe:
    """One route (or API operation) and one method of a row, asked by every role."""

    row: Row
    target: str  # a route key, a path, or an API operation
    method: str

    def path(self, samples: Samples) -> str:
        if self.row.api:
            path = self.target.partition(" ")[2].format_map(
                {k: _fill(v, samples) for k, v in self.row.kwargs.items()}
            )
        elif self.target.startswith("/"):
            path = str(_fill(self.target, samples))
        else:
            route = ROUTES_BY_KEY[self.target]
            missing = [p for p in route.params if p not in self.row.kwargs]
            if missing:
                pytest.fail(f"Row {self.row} needs kwargs={{...}} for {missing} in {MATRIX_FILE}")
            if not route.named:
                pytest.fail(f"Row {self.row} needs path=... for the unnamed route {route.key}")
            kwargs = {p: _fill(self.row.kwargs[p], samples) for p in route.params}
            path = reverse(route.key, kwargs=kwargs)
        if self.row.query:
            path += "?" + urlencode(_fill(self.row.query, samples))
        return path

    def fixtures(self) -> set[str]:
        answers = self.row.answers[self.method].values()
        return _references(
            [self.row.kwargs, self.row.data or {}, self.row.query or {}, self.row.path or ""]
        ) | set().union(*(_references(a) for a in answers))

    def ask(self, role: str, path: str, samples: Samples) -> Any:
        client = Client()
        actor = None if role == "visitor" else samples[role]
        data = _fill(self.row.data, samples) if self.row.data is not None else {}
        if self.row.api:
            headers = {"Authorization": f"Bearer {issue_token(actor)}"} if actor else {}
            body = json.dumps(data) if self.method != "GET" and data else ""
            return client.generic(
                self.method, path, body, content_type="application/json", headers=headers
            )
        if actor is not None:
            client.force_login(actor)
        if self.method == "POST":
            return client.post(path, data)
        return client.generic(self.method, path)

    def __str__(self) -> str:
        target = self.target.partition(" ")[2] if self.row.api else self.target
        arguments = {**self.row.kwargs, **(self.row.query or {})}
        shown = ",".join(f"{k}={v}" for k, v in arguments.items() if isinstance(v, str))
        return f"{self.method} {target}" + (f"({shown})" if shown else "")


PROBES = [
    Probe(row, target, method)
    for row in MATRIX
    for target in _targets(row)
    for method in row.answers
]


@pytest.mark.django_db
@pytest.mark.parametrize("probe", PROBES, ids=str)
def test_each_role_gets_the_answer_in_the_matrix(probe: Probe, request):
    samples = Samples(request)
    # Everything the requests refer to exists before the first one: each role's request
    # then runs in a savepoint that is rolled back, so that roles do not see each other's
    # changes (a member who joined, a token revoked).
    for name in sorted({*ROLES, *probe.fixtures()} - {"visitor"}):
        samples[name]  # fetched for its side effect: the fixture exists
    path = probe.path(samples)
    wrong = []
    for role in ROLES:
        for each in caches.all():
            each.clear()
        with transaction.atomic():
            try:
                response = probe.ask(role, path, samples)
                problems = probe.row.answer(probe.method, role).problems(
                    response, path=path, samples=samples
                )
            except Exception as error:  # a view that crashes is one more wrong answer
                problems = [f"raised {type(error).__name__}: {error}"]
            transaction.set_rollback(True)
        wrong += [f"  {role}: {problem}" for problem in problems]
    assert not wrong, (
        f"{probe.method} {path}: the matrix says otherwise for\n" + "\n".join(wrong) + "\n"
        f"If these answers are intended, change the row '{probe.row}' in {MATRIX_FILE}; "
        "otherwise the view has it wrong."
    )


def _suggestion(key: str) -> str:
    if key in API_OPERATIONS:
        return f'    op("{key}", {{"visitor": ..., "waitlisted": ..., "*": ...}}),'
    route = ROUTES_BY_KEY[key]
    kwargs = ", ".join(f'"{p}": "{{member...}}"' for p in route.params)
    if not route.named:
        extra = 'path="/a/sample/path/", '
    else:
        extra = f"kwargs={{{kwargs}}}, " if kwargs else ""
    return f'    page("{key}", {extra}GET={{"visitor": ..., "*": ...}}),  # /{route.pattern}'


def test_every_route_has_a_row():
    missing = [key for key in [*ROUTES_BY_KEY, *API_OPERATIONS] if row_for(key) is None]
    assert not missing, (
        f"{len(missing)} route(s) have no row in the access matrix. Add to {MATRIX_FILE} "
        "what each role should get (answers.ROLES), for instance:\n"
        + "\n".join(_suggestion(key) for key in missing)
    )


def test_every_row_names_a_route():
    stale = []
    for row in MATRIX:
        for glob in row.routes:
            if not any(_matches(key, (glob,)) for key in [*ROUTES_BY_KEY, *API_OPERATIONS]):
                stale.append(f"{glob!r} matches no route")
        if row.probe is not None and not _targets(row):
            stale.append(f"{row}: probe={row.probe!r} selects none of its routes")
    assert not stale, f"Stale rows in {MATRIX_FILE}: " + "; ".join(stale)


def test_the_matrix_requests_every_row_and_api_operation():
    assert {p.row.routes for p in PROBES} == {row.routes for row in MATRIX}
    assert {p.target for p in PROBES if p.row.api} == set(API_OPERATIONS)
