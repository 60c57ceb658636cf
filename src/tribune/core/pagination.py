"""Keyset (cursor) pagination shared by pages, feeds and the API.

A cursor names the last item of a page by its sort key, so the next page starts
right after it whatever arrived meanwhile, and costs one index range scan
however deep it is: no OFFSET, which would re-read every skipped row.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Field, Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tribune.core.exceptions import ServiceError

M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class InvalidCursor(ServiceError):
    code = "invalid_cursor"
    default_detail = _("This cursor is not valid. Start again from the first page.")


class InvalidLimit(ServiceError):
    code = "invalid_limit"
    default_detail = _("limit must be a whole number from 1 to 100.")


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"}:
        return dt.datetime.fromisoformat(value["t"])
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, size: int) -> list[Any]:
    """The sort-key values a cursor holds; InvalidCursor for anything malformed."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != size:
            raise ValueError
        decoded = [_decode_value(v) for v in values]
        if not all(isinstance(v, int | str | dt.datetime) for v in decoded):
            raise ValueError
        if any(isinstance(v, str) and "\x00" in v for v in decoded):
            raise ValueError  # PostgreSQL refuses NUL in text
        return decoded
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor from None


def _key_field(model: type[Model], key: str) -> Field[Any, Any] | None:
    """The model field a sort key names ("created_at", "pk", "author__created_at").

    None for what is not a field (an annotation): its values are taken as they are.
    """
    *relations, name = key.split("__")
    try:
        for relation in relations:
            model = model._meta.get_field(relation).related_model  # type: ignore[assignment]
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    except (FieldDoesNotExist, AttributeError):
        return None
    return field if isinstance(field, Field) else None


def _cursor_values(model: type[Model], keys: Sequence[str], cursor: str) -> list[Any]:
    """The cursor's values, each checked against its field: a tampered cursor is InvalidCursor.

    Without this, a value of the wrong type ("x" for an id) fails only when the query
    runs, as an error the caller cannot tell from a bug.
    """
    fields = [_key_field(model, key) for key in keys]
    values = decode_cursor(cursor, size=len(keys))
    try:
        cleaned = [
            v if field is None else field.to_python(v)
            for field, v in zip(fields, values, strict=True)
        ]
    except (ValidationError, TypeError, ValueError, OverflowError):
        raise InvalidCursor from None
    if any(isinstance(v, dt.datetime) and timezone.is_naive(v) for v in cleaned):
        raise InvalidCursor  # cursors carry their UTC offset
    return cleaned


def cursor_values(model: type[Model], keys: Sequence[str], cursor: str) -> list[Any]:
    """The sort-key values a cursor holds, checked against `model`'s fields (InvalidCursor)."""
    return _cursor_values(model, keys, cursor)


def after_cursor_q(keys: Sequence[str], values: Sequence[Any]) -> Q:
    """The rows strictly after the cursor `values` in the descending order of `keys`."""
    # (k1 < v1) OR (k1 = v1 AND k2 < v2) OR ...: "strictly after" in descending order.
    after = Q()
    for i, key in enumerate(keys):
        step = Q(**{f"{key}__lt": values[i]})
        for prev_key, prev_value in zip(keys[:i], values[:i], strict=True):
            step &= Q(**{prev_key: prev_value})
        after |= step
    # The same bound on the first key alone, redundant for the result, is what lets the
    # index scan start at the cursor: neither SQLite nor PostgreSQL reads a range bound
    # out of the OR above, and without it a deep page re-reads every newer row.
    return Q(**{f"{keys[0]}__lte": values[0]}) & after


def clean_limit(limit: int | str | None) -> int:
    if limit is None or limit == "":
        return DEFAULT_LIMIT
    try:
        value = int(limit)
    except (TypeError, ValueError):
        raise InvalidLimit from None
    if not 1 <= value <= MAX_LIMIT:
        raise InvalidLimit
    return value


def paginate_keyset(
    queryset: QuerySet[M],
    *,
    cursor: str | None,
    limit: int | str | None,
    keys: Sequence[str] = ("created_at", "id"),
) -> Page[M]:
    """One page of `queryset`, newest first, by the descending sort `keys`.

    The last key must be unique (the primary key) so that ties in the first
    ones are broken the same way every time.
    """
    size = clean_limit(limit)
    queryset = queryset.order_by(*(f"-{key}" for key in keys))
    if cursor:
        queryset = queryset.filter(
            after_cursor_q(keys, cursor_values(queryset.model, keys, cursor))
        )
    rows = list(queryset[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = encode_cursor([getattr(last, key) for key in keys])
    return Page(items=items, next_cursor=next_cursor)
