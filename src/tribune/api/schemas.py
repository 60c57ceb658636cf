"""Schemas shared by the API's routers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

from django.db.models import Model
from django.utils.translation import gettext
from ninja import Schema
from pydantic import Field, PlainValidator, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from tribune.core.exceptions import NotFound
from tribune.core.pagination import InvalidLimit, Page, clean_limit

T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=Model)

EditPolicyName = Literal["open", "reviewed", "members", "protected", "locked"]
PostKindName = Literal["link", "article", "image", "text"]


class ErrorOut(Schema):
    detail: str
    code: str
    errors: dict[str, list[str]] | None = None


class ListOut(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None

    @classmethod
    def from_page(cls, page: Page[ModelT], item_out: Callable[[ModelT], T]) -> Self:
        """A page of a list as the API answers it, each item shaped by `item_out`."""
        return cls(items=[item_out(item) for item in page.items], next_cursor=page.next_cursor)


class MemberOut(Schema):
    id: str
    username: str
    name: str
    bio: str
    joined_at: dt.datetime
    trust_level: int
    supporter: bool = Field(
        description=(
            "Whether the member funds the site now (on someone else's profile: only if they "
            "show their supporter badge)."
        )
    )


class MeOut(MemberOut):
    email: str
    access: str = Field(description="admitted | waitlisted | suspended")
    waitlist_position: int | None = Field(
        description="Your place in line (1 is admitted next); null unless you wait in line."
    )
    supporter_until: dt.datetime | None = Field(
        description="Addition: the end of the period your donations paid for, or null."
    )
    show_supporter_badge: bool = Field(
        description="Addition: whether others see your supporter badge while you are one."
    )
    invitations_left: int = Field(
        description="Addition: how many more invitations you may make in the next 30 days."
    )


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}
ERRORS_AND_CONFLICT: dict[int, Any] = {**ERRORS, 409: ErrorOut}


# --- Input shared by every router -------------------------------------------------------


def _storable_text(value: object) -> object:
    # PostgreSQL cannot store NUL characters and UTF-8 cannot encode lone surrogates:
    # refuse them here with a field error rather than fail in the database with a 500.
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError(
                "nul_character", gettext("This text contains a NUL character.")
            )
        try:
            value.encode()
        except UnicodeEncodeError:
            raise PydanticCustomError(
                "invalid_unicode", gettext("This text is not valid Unicode.")
            ) from None
    return value


class InSchema(Schema):
    """Base of request bodies: every string field is checked to be storable text."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: object) -> object:
        return _storable_text(value)


def _revision_id(value: object) -> int | str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PydanticCustomError(
            "revision_id", gettext("Send a revision id: a number, or a string of digits.")
        )
    return _storable_text(value)  # type: ignore[return-value]  # str or int, as received


# A revision id as a client sends it: ids are strings in answers, but a client that
# parsed one as a number may send it back as one. The service checks that it exists.
RevisionId = Annotated[int | str, PlainValidator(_revision_id, json_schema_input_type=int | str)]


class ListParams(Schema):
    """The query of every list: a keyset cursor and a page size."""

    cursor: str | None = Field(
        None, description="`next_cursor` of the previous page; omit it for the first page."
    )
    # Documented as the integer it must be; read as text so that a wrong one gets the
    # same `invalid_limit` answer from core.pagination as on the pages.
    limit: Annotated[
        str | None, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 100})
    ] = Field(
        None,
        description=(
            "Items per page, a whole number from 1 to 100 (default 20); "
            "anything else answers 400 with code `invalid_limit`."
        ),
    )

    @field_validator("limit")
    @classmethod
    def _page_size(cls, value: str | None) -> str | None:
        # Checked here, as the query is read, so that every list refuses a wrong limit
        # alike whatever its endpoint does first. InvalidLimit is no ValueError: pydantic
        # lets it through to the API's handler, which answers with its own code.
        if value == "":
            raise InvalidLimit  # the pages read `?limit=` as the default; the schema refuses it
        clean_limit(value)
        return value


# --- Subwikis, posts and revisions ----------------------------------------------------


class AuthorOut(Schema):
    id: str
    username: str
    name: str


class MembershipOut(Schema):
    subwiki: str = Field(description="The subwiki's slug.")
    state: Literal["active", "requested", "invited"]
    role: Literal["owner", "moderator", "member"]


class SubwikiOut(Schema):
    id: str
    slug: str
    name: str
    description: str = Field(description="Markdown.")
    description_html: str = Field(description="The description rendered and sanitised.")
    description_revision: str = Field(
        description="Id of the description's current revision: the `base_revision` of an edit."
    )
    visibility: Literal["public", "private"]
    description_edit_policy: EditPolicyName
    min_post_edit_policy: EditPolicyName = Field(
        description="The most open edit policy a post in this subwiki may choose."
    )
    member_count: int
    follower_count: int
    post_count: int
    created_at: dt.datetime
    membership: MembershipOut | None = Field(
        description="The caller's membership (any state), or null."
    )
    following: bool = Field(description="Whether the caller follows the subwiki.")


class FollowOut(Schema):
    subwiki: str
    following: bool
    follower_count: int


class ImageOut(Schema):
    url: str
    thumbnail_url: str | None
    alt: str
    width: int | None
    height: int | None


class LinkPreviewOut(Schema):
    status: Literal["none", "pending", "ready", "failed"] = Field(
        description="`pending` while a background task fetches the page's title and image."
    )
    title: str
    description: str
    site_name: str
    image_url: str | None


class PostOut(Schema):
    id: str
    subwiki: str | None = Field(description="The subwiki's slug, or null for a profile post.")
    kind: PostKindName
    title: str
    body: str = Field(description="Markdown.")
    body_html: str = Field(description="The body rendered and sanitised.")
    url: str = Field(description="The link of a link post; empty for other kinds.")
    image_alt: str = Field(description="The image's alt text; empty for other kinds.")
    edit_policy: EditPolicyName
    author: AuthorOut
    revision: str = Field(
        description="Id of the current live revision: the `base_revision` of an edit."
    )
    pending_revisions: int = Field(description="Edits waiting for review.")
    created_at: dt.datetime
    edited_at: dt.datetime | None
    image: ImageOut | None = Field(description="Image posts only.")
    preview: LinkPreviewOut | None = Field(description="Link posts only.")


class SaveOutcome(Schema):
    changed: bool = Field(description="False when the edit changed nothing: no revision made.")
    merged: bool = Field(
        description="True when other edits landed since `base_revision` and merged cleanly."
    )
    pending: bool = Field(
        description="True when the edit waits for review; the post shows the live text."
    )
    pending_revision: str | None = Field(description="Id of the revision waiting for review.")


class PostEditOut(PostOut, SaveOutcome):
    pass


class ConflictRegionOut(Schema):
    base: str = Field(description="The text both edits started from.")
    current: str = Field(description="What it is now.")
    yours: str = Field(description="What you wrote.")


class PostConflictOut(Schema):
    detail: str
    code: Literal["edit_conflict"]
    current: PostOut = Field(description="The post as it is now.")
    yours: dict[str, str] = Field(description="The fields you sent, as you sent them.")
    conflicts: dict[str, list[ConflictRegionOut]] = Field(
        description="Per field, the parts both edits changed."
    )


class RevisionOut(Schema):
    id: str
    author: AuthorOut | None = Field(description="Null when the author's account was erased.")
    created_at: dt.datetime
    summary: str
    size: int
    size_delta: int
    status: Literal["live", "pending", "rejected"]
    parent: str | None = Field(
        description="Live revisions: the one they follow. Pending: the one they were written on."
    )
    merged: bool = Field(description="Saved from an older revision and merged with newer ones.")
    reverted_to: str | None = Field(description="The revision whose content a revert restored.")


class RevisionDetailOut(RevisionOut):
    post: str
    content: dict[str, str] = Field(
        description="The full snapshot: `title`, `body`, `url`, `image_alt`."
    )
    body_html: str = Field(description="This revision's body rendered and sanitised.")


class DiffLineOut(Schema):
    op: Literal["equal", "insert", "delete", "replace"]
    old: str = Field(description="The old line as HTML: escaped text, removed words in <del>.")
    new: str = Field(description="The new line as HTML: escaped text, added words in <ins>.")
    old_text: str = Field(description="The old line as plain text.")
    new_text: str = Field(description="The new line as plain text.")


class DiffOut(Schema):
    from_revision: RevisionOut
    to_revision: RevisionOut
    fields: dict[str, list[DiffLineOut]] = Field(
        description=(
            "Each field that differs (`title`, `body`, `url`, `image_alt`), line by line, "
            "unchanged lines included for context; a field that did not change is left out."
        )
    )


class SubwikiEditOut(SubwikiOut, SaveOutcome):
    pass


class SubwikiConflictOut(Schema):
    detail: str
    code: Literal["edit_conflict"]
    current: SubwikiOut
    yours: dict[str, str]
    conflicts: dict[str, list[ConflictRegionOut]]


def path_text(value: str) -> str:
    """A slug or username from a URL path; what no row can hold is simply not found."""
    try:
        _storable_text(value)
    except PydanticCustomError:
        raise NotFound from None
    return value
