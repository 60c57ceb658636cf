"""Schemas shared by the API's routers."""

from __future__ import annotations

import datetime as dt
from typing import Generic, TypeVar

from ninja import Schema
from pydantic import Field

T = TypeVar("T")


class ErrorOut(Schema):
    detail: str
    code: str
    errors: dict[str, list[str]] | None = None


class ListOut(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None


class MemberOut(Schema):
    id: str
    username: str
    name: str
    bio: str
    joined_at: dt.datetime
    trust_level: int
    supporter: bool


class MeOut(MemberOut):
    email: str
    access: str = Field(description="admitted | waitlisted | suspended")
    waitlist_position: int | None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}
