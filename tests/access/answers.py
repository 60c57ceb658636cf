"""The words the access matrix (matrix.py) is written in: rows, roles and answers."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.http import HttpResponse
from django.urls import reverse

# Who is asking. Session roles are logged in with `client.force_login`; on the API
# each carries a personal access token of its own. The names are fixtures of
# tests/conftest.py; "suspended" is a member with access='suspended'.
ROLES = ("visitor", "waitlisted", "member", "other_member", "moderator", "staff", "suspended")
ANY_ROLE = "*"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class Answer:
    """What a role should get back; `problems` says how a response differs from it."""

    def problems(
        self, response: HttpResponse, *, path: str, samples: Mapping[str, Any]
    ) -> list[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class Status(Answer):
    status: int

    def problems(
        self, response: HttpResponse, *, path: str, samples: Mapping[str, Any]
    ) -> list[str]:
        if response.status_code != self.status:
            location = f" to {response['Location']}" if response.has_header("Location") else ""
            return [f"answered {response.status_code}{location}, the matrix says {self.status}"]
        return []

    def __str__(self) -> str:
        return str(self.status)


@dataclass(frozen=True)
class Redirect(Answer):
    """A redirect to a URL name, or to a path formatted with fixtures ("/u/{member.username}/").

    A path may be a glob ("/p/*/") for what the request itself creates. `next_=True`
    expects `?next=<the requested path>`, as log-in redirects carry; a string expects
    that path instead (formatted the same way).
    """

    to: str
    next_: bool | str = False
    status: int = 302

    def target(self, samples: Mapping[str, Any]) -> str:
        if self.to.startswith("/"):
            return self.to.format_map(samples)
        return reverse(self.to)

    def problems(
        self, response: HttpResponse, *, path: str, samples: Mapping[str, Any]
    ) -> list[str]:
        if response.status_code != self.status:
            location = response.get("Location", "")
            return [
                f"answered {response.status_code} {location}".rstrip()
                + f", the matrix says {self.status} to {self.target(samples)}"
            ]
        url = urlsplit(response["Location"])
        found: list[str] = []
        if not fnmatch.fnmatchcase(url.path, self.target(samples)):
            found.append(f"redirected to {url.path}, the matrix says {self.target(samples)}")
        expected_next = self.next_.format_map(samples) if isinstance(self.next_, str) else path
        if self.next_ and parse_qs(url.query).get("next") != [expected_next]:
            found.append(f"redirected with {url.query!r}, the matrix says next={expected_next}")
        return found

    def __str__(self) -> str:
        return f"{self.status}→{self.to}"


@dataclass(frozen=True)
class ApiAnswer(Answer):
    """An API answer: errors are JSON `{"detail", "code"}`, with this `code` when one is named."""

    status: int
    code: str | None = None

    def problems(
        self, response: HttpResponse, *, path: str, samples: Mapping[str, Any]
    ) -> list[str]:
        if response.status_code != self.status:
            body = response.content[:200].decode(errors="replace")
            return [f"answered {response.status_code} {body}, the matrix says {self}"]
        if self.status < 400:
            return []
        try:
            body = json.loads(response.content)
        except ValueError:
            return [f"answered {self.status} with a body that is not JSON"]
        if not isinstance(body, dict) or not {"detail", "code"} <= set(body):
            return [f"answered {self.status} without detail and code: {body!r}"]
        if self.code is not None and body["code"] != self.code:
            return [f"answered code {body['code']!r}, the matrix says {self.code!r}"]
        return []

    def __str__(self) -> str:
        return f"{self.status} {self.code}" if self.code else str(self.status)


LOGIN = Redirect("account_login", next_=True)
ADMIN_LOGIN = Redirect("admin:login", next_=True)

Spec = int | Answer
Answers = Spec | Mapping[str, Any]
Sample = str | Callable[[Any], Any]


@dataclass(frozen=True)
class Row:
    """One line of the matrix: which routes, and what each role gets for each method.

    `routes` are URL names (`namespace:name`), globs of them (`admin:*_add`), the
    pattern of an unnamed route, or an API operation as "METHOD /api/v1/path".
    `kwargs` give URL arguments: "{member.username}" is formatted with the test's
    fixtures, a callable receives them; `query` and `data` (the body) likewise.
    `probe` narrows which of the matched routes are requested (all by default);
    `path` requests that path instead of reversing. Several rows may name the same
    route with other arguments (a public and a private subwiki): each is requested.
    """

    routes: tuple[str, ...]
    answers: dict[str, dict[str, Answer]]
    kwargs: Mapping[str, Sample] = field(default_factory=dict)
    data: Mapping[str, Any] | None = None
    query: Mapping[str, Sample] | None = None
    probe: tuple[str, ...] | None = None
    path: str | None = None
    api: bool = False

    def answer(self, method: str, role: str) -> Answer:
        by_role = self.answers[method]
        return by_role.get(role) or by_role[ANY_ROLE]

    def __str__(self) -> str:
        return " ".join(self.routes)


def _answers(spec: Answers, *, api: bool, where: str) -> dict[str, Answer]:
    def one(value: Spec) -> Answer:
        if isinstance(value, Answer):
            return value
        return ApiAnswer(value) if api else Status(value)

    if not isinstance(spec, Mapping):
        return {ANY_ROLE: one(spec)}
    unknown = set(spec) - {*ROLES, ANY_ROLE}
    if unknown:
        raise ValueError(f"{where}: unknown roles {sorted(unknown)}; roles are {ROLES}")
    if ANY_ROLE not in spec and set(ROLES) - set(spec):
        missing = sorted(set(ROLES) - set(spec))
        raise ValueError(f"{where}: no answer for {missing}; add them or a '*' default")
    return {role: one(value) for role, value in spec.items()}


def page(
    *routes: str,
    kwargs: Mapping[str, Sample] | None = None,
    data: Mapping[str, Any] | None = None,
    query: Mapping[str, Sample] | None = None,
    probe: tuple[str, ...] | None = None,
    path: str | None = None,
    **methods: Answers,
) -> Row:
    """A row for Django views: `page("home", GET=200, POST=405)`."""
    if not methods or set(methods) - set(METHODS):
        raise ValueError(f"{routes}: give answers by method, among {METHODS}")
    answers = {m: _answers(spec, api=False, where=f"{routes} {m}") for m, spec in methods.items()}
    return Row(routes, answers, kwargs or {}, data, query, probe, path)


def op(
    operation: str,
    answers: Answers,
    *,
    kwargs: Mapping[str, Sample] | None = None,
    data: Mapping[str, Any] | None = None,
    query: Mapping[str, Sample] | None = None,
) -> Row:
    """A row for one API operation: `op("GET /api/v1/me", {"visitor": 401, "*": 200})`."""
    method, _, _path = operation.partition(" ")
    if method not in METHODS:
        raise ValueError(f"{operation!r}: write it as 'METHOD /api/v1/path'")
    by_role = _answers(answers, api=True, where=operation)
    return Row((operation,), {method: by_role}, kwargs or {}, data, query, api=True)
