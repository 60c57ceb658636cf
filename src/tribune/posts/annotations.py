"""Columns that apps above posts add to its reads of posts: a registry they fill.

posts may not import the apps above it (docs/architecture.md), yet a post's card shows
its helpful community note, read in the post's own query so that a list of posts costs
no query per row. Those apps register their annotations here when Django starts (in
their AppConfig.ready); post_queryset (lists) and post_get (one post's page) apply
them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Annotations = Callable[[], dict[str, Any]]

_for_lists: list[Annotations] = []
_for_one: list[Annotations] = []


def add_list_annotations(make: Annotations) -> None:
    """`make()` gives annotations that every list of posts reads with each post."""
    if make not in _for_lists:
        _for_lists.append(make)


def add_post_annotations(make: Annotations) -> None:
    """`make()` gives annotations that reading one post for its page adds."""
    if make not in _for_one:
        _for_one.append(make)


def list_annotations() -> dict[str, Any]:
    return {name: value for make in _for_lists for name, value in make().items()}


def post_annotations() -> dict[str, Any]:
    return {name: value for make in _for_one for name, value in make().items()}
