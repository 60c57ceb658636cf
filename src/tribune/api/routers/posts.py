"""Posts and their history: create, read, edit (merged), revisions, diff, revert, review.

The endpoints are thin: they parse, call the posts services and selectors (which
hold every rule: who may see, who may edit, how edits merge) and shape the answer.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from tribune.accounts.models import Member
from tribune.accounts.selectors import member_get_profile
from tribune.api.auth import admitted_auth, optional_auth
from tribune.api.helpers import conflict_answer, save_outcome, viewer_of
from tribune.api.helpers import member_of as member_of  # reactions imports it from here
from tribune.api.schemas import (
    ERRORS,
    AuthorOut,
    DiffLineOut,
    DiffOut,
    EditPolicyName,
    ErrorOut,
    ImageOut,
    InSchema,
    LinkPreviewOut,
    ListOut,
    ListParams,
    PostConflictOut,
    PostEditOut,
    PostKindName,
    PostOut,
    RevisionDetailOut,
    RevisionId,
    RevisionOut,
    path_text,
)
from tribune.communities.selectors import subwiki_get
from tribune.core.exceptions import NotFound, ServiceError
from tribune.core.markdown import render_markdown
from tribune.core.ratelimit import client_address
from tribune.core.textmerge import DiffLine
from tribune.moderation.services.reviews import (
    post_revision_approve_logged,
    post_revision_reject_logged,
    post_rollback_logged,
)
from tribune.posts.models import EDITABLE_FIELDS, Post, PostKind
from tribune.posts.selectors import post_get, post_revision, post_revisions, posts_by_member
from tribune.posts.services import (
    MAX_ALT,
    MAX_ARTICLE_BODY,
    MAX_TITLE,
    post_create,
    post_edit,
    post_revert,
)
from tribune.wiki.models import Revision
from tribune.wiki.selectors import revision_diff
from tribune.wiki.services import MAX_SUMMARY, EditConflict, SaveResult

router = Router(tags=["posts"])

WITH_CONFLICT: dict[int, Any] = {**ERRORS, 409: PostConflictOut}

# Limits documented in the schema; the services check them (and say so per field).
MAX_URL = 2000
SUMMARY: dict[str, Any] = {"maxLength": MAX_SUMMARY}


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


# --- Shaping answers --------------------------------------------------------------------


def author_out(member: Member) -> AuthorOut:
    return AuthorOut(id=str(member.pk), username=member.username, name=member.name)


def _id(pk: int | None) -> str | None:
    return None if pk is None else str(pk)


def _file_url(file: FieldFile) -> str | None:
    return file.url if file else None


def post_out(post: Post, *, body_html: str | None = None) -> PostOut:
    """A post as the API shows it (its author, subwiki and page are loaded by the selector).

    `body_html` is the body already rendered, by a list that renders (or caches) them all.
    """
    image = None
    if post.kind == PostKind.IMAGE and post.image:
        image = ImageOut(
            url=post.image.url,
            thumbnail_url=_file_url(post.image_thumbnail),
            alt=post.image_alt,
            width=post.image_width,
            height=post.image_height,
        )
    preview = None
    if post.kind == PostKind.LINK:
        preview = LinkPreviewOut(
            status=post.preview_status,  # type: ignore[arg-type]  # PreviewStatus values
            title=post.preview_title,
            description=post.preview_description,
            site_name=post.preview_site_name,
            image_url=_file_url(post.preview_image),
        )
    return PostOut(
        id=str(post.pk),
        subwiki=post.subwiki.slug if post.subwiki is not None else None,
        kind=post.kind,  # type: ignore[arg-type]  # PostKind values
        title=post.title,
        body=post.body,
        body_html=body_html if body_html is not None else str(render_markdown(post.body)),
        url=post.url,
        image_alt=post.image_alt,
        edit_policy=post.edit_policy,  # type: ignore[arg-type]  # EditPolicy values
        author=author_out(post.author),
        revision=str(post.page.current_revision_id),
        pending_revisions=post.page.pending_count,
        created_at=post.created_at,
        edited_at=post.edited_at,
        image=image,
        preview=preview,
    )


def post_edit_out(post: Post, result: SaveResult) -> PostEditOut:
    return PostEditOut(**post_out(post).model_dump(), **save_outcome(result).model_dump())


def post_conflict(
    conflict: EditConflict, *, member: Member, post_id: str, yours: dict[str, str]
) -> Status[PostConflictOut]:
    """The 409 of an edit of a post that overlaps another, with the post as it is now."""
    current = post_out(post_get(viewer=member, post_id=post_id))
    return conflict_answer(PostConflictOut, conflict, current=current, yours=yours)


def revision_out(revision: Revision) -> RevisionOut:
    return RevisionOut(
        id=str(revision.pk),
        author=author_out(revision.author) if revision.author is not None else None,
        created_at=revision.created_at,
        summary=revision.summary,
        size=revision.size,
        size_delta=revision.size_delta,
        status=revision.status,  # type: ignore[arg-type]  # RevisionStatus values
        parent=_id(revision.parent_id),
        merged=revision.merged,
        reverted_to=_id(revision.reverted_to_id),
    )


_MARKS = re.compile(r"</?(?:ins|del)>")


def _plain(marked: str) -> str:
    # diff_text escapes the text and adds only <ins>/<del>: drop them, unescape the rest.
    return html.unescape(_MARKS.sub("", marked))


def diff_line_out(line: DiffLine) -> DiffLineOut:
    return DiffLineOut(
        op=line.op,
        old=str(line.old),
        new=str(line.new),
        old_text=_plain(line.old),
        new_text=_plain(line.new),
    )


# --- Reading ----------------------------------------------------------------------------


@router.get("/posts/{post_id}", response={200: PostOut, **ERRORS}, auth=optional_auth)
def get_post(request: HttpRequest, post_id: str) -> PostOut:
    """One post, with the id of its current revision (the base of an edit)."""
    return post_out(post_get(viewer=viewer_of(request), post_id=post_id))


@router.get(
    "/members/{username}/posts",
    response={200: ListOut[PostOut], **ERRORS},
    auth=optional_auth,
)
def member_posts(
    request: HttpRequest, username: str, params: Query[ListParams]
) -> ListOut[PostOut]:
    """A member's posts that the caller may read, newest first."""
    viewer = viewer_of(request)
    author = member_get_profile(viewer=viewer, username=path_text(username))
    page = posts_by_member(viewer=viewer, author=author, cursor=params.cursor, limit=params.limit)
    return ListOut[PostOut].from_page(page, post_out)


@router.get(
    "/posts/{post_id}/revisions",
    response={200: ListOut[RevisionOut], **ERRORS},
    auth=optional_auth,
    description=(
        "The post's history, newest first, with pending and rejected revisions. "
        "Pending revisions wait for review: readers see the live text until one is approved."
    ),
)
def list_revisions(
    request: HttpRequest, post_id: str, params: Query[ListParams]
) -> ListOut[RevisionOut]:
    """A post's revisions, newest first."""
    viewer = viewer_of(request)
    post = post_get(viewer=viewer, post_id=post_id)
    page = post_revisions(viewer=viewer, post=post, cursor=params.cursor, limit=params.limit)
    return ListOut[RevisionOut].from_page(page, revision_out)


@router.get(
    "/posts/{post_id}/revisions/{revision_id}",
    response={200: RevisionDetailOut, **ERRORS},
    auth=optional_auth,
)
def get_revision(request: HttpRequest, post_id: str, revision_id: str) -> RevisionDetailOut:
    """One revision of a post, with its full content."""
    post = post_get(viewer=viewer_of(request), post_id=post_id)
    revision = post_revision(post=post, revision_id=revision_id)
    return RevisionDetailOut(
        **revision_out(revision).model_dump(),
        post=str(post.pk),
        content={name: str(revision.field(name)) for name in EDITABLE_FIELDS},
        body_html=str(render_markdown(str(revision.field("body")))),
    )


def _revision_param(post: Post, value: str, *, field: str) -> Revision:
    try:
        return post_revision(post=post, revision_id=value)
    except NotFound:
        raise ServiceError(
            _("There is no such revision of this post."),
            code="invalid_revision",
            errors={field: [_("Unknown revision.")]},
        ) from None


class DiffParams(Schema):
    from_: str | None = Field(None, alias="from", description="A revision id.")
    to: str | None = Field(None, description="A revision id.")


@router.get(
    "/posts/{post_id}/diff",
    response={200: DiffOut, **ERRORS},
    auth=optional_auth,
    description=(
        "The change between two revisions of the post, field by field and line by line. "
        "Each line has an `op` (`equal`, `insert`, `delete`, `replace`), the old and the new "
        "line as HTML (escaped text, with the words that changed in `<del>` and `<ins>`) and "
        "as plain text. `to` defaults to the current revision and `from` to the revision "
        "`to` follows (for a pending revision, the one it was written on)."
    ),
)
def diff(request: HttpRequest, post_id: str, params: Query[DiffParams]) -> DiffOut:
    """The change between two revisions of a post."""
    post = post_get(viewer=viewer_of(request), post_id=post_id)
    new = _revision_param(post, params.to or str(post.page.current_revision_id), field="to")
    if params.from_:
        old = _revision_param(post, params.from_, field="from")
    elif new.parent_id is not None:
        old = post_revision(post=post, revision_id=new.parent_id)
    else:
        old = new
    result = revision_diff(old=old, new=new, fields=EDITABLE_FIELDS)
    return DiffOut(
        from_revision=revision_out(old),
        to_revision=revision_out(new),
        fields={
            name: [diff_line_out(line) for line in lines]
            for name, lines in result.changed_fields.items()
        },
    )


# --- Writing ----------------------------------------------------------------------------


class PostIn(InSchema):
    subwiki: str | None = Field(
        None, description="The subwiki's slug; null, empty or left out for your profile."
    )
    kind: PostKindName
    title: str = Field(
        "",
        description="Required except for text posts (then taken from the body).",
        json_schema_extra={"maxLength": MAX_TITLE},
    )
    body: str = Field(
        "",
        description=(
            "Markdown: up to 100,000 characters for an article, 20,000 for a link or an "
            "image, 5,000 for a text post."
        ),
        json_schema_extra={"maxLength": MAX_ARTICLE_BODY},
    )
    url: str = Field(
        "",
        description="Link posts: the http(s) address.",
        json_schema_extra={"maxLength": MAX_URL},
    )
    edit_policy: EditPolicyName = Field(
        "open", description="Who may edit; the subwiki may ask for a stricter one."
    )
    image_alt: str = Field(
        "",
        description="Image posts: the image described, for screen readers (required).",
        json_schema_extra={"maxLength": MAX_ALT},
    )


def _multipart_schema() -> dict[str, Any]:
    schema = PostIn.model_json_schema()
    schema["properties"] = {
        **schema["properties"],
        "subwiki": {"type": "string", "description": "The subwiki's slug; omit for your profile."},
        "image": {"type": "string", "format": "binary", "description": "Image posts: the file."},
    }
    return schema


CREATE_DESCRIPTION = """Publish a post in a subwiki, or on your profile.

Send `application/json` for link, article and text posts. An image post carries a
file, so it is sent as `multipart/form-data` with the same fields plus an `image`
file part (JPEG, PNG, GIF or WebP, checked, size-capped and stripped of EXIF);
as JSON it answers 400 with an error on `image`."""


def _post_input(request: HttpRequest) -> tuple[PostIn, UploadedFile | None]:
    """The create request's fields and image, from JSON or from a multipart form."""
    image: UploadedFile | None = None
    try:
        if request.content_type == "multipart/form-data":
            data: Any = request.POST.dict()
            image = request.FILES.get("image")
        else:
            data = json.loads(request.body)
    except RequestDataTooBig:
        raise TooLarge(_("The request is too large.")) from None
    except (ValueError, MultiPartParserError, SuspiciousOperation):
        raise ServiceError(
            _("The request body could not be read."), code="malformed_body"
        ) from None
    if not isinstance(data, dict):
        raise ServiceError(_("The request body must be a JSON object."), code="malformed_body")
    try:
        return PostIn.model_validate(data), image
    except PydanticValidationError as e:
        raise ValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in e.errors(include_url=False)]
        ) from None


@router.post(
    "/posts",
    response={201: PostOut, **ERRORS, 413: ErrorOut},
    auth=admitted_auth,
    description=CREATE_DESCRIPTION,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": PostIn.model_json_schema()},
                "multipart/form-data": {"schema": _multipart_schema()},
            },
        }
    },
)
def create_post(request: HttpRequest) -> Status[PostOut]:
    """Publish a post."""
    member = member_of(request)
    payload, image = _post_input(request)
    subwiki = None
    if payload.subwiki:
        try:
            subwiki = subwiki_get(viewer=member, slug=payload.subwiki)
        except NotFound:
            # The same answer for a subwiki that does not exist and one the member may not see.
            raise ServiceError(
                _("There is no subwiki at this address that you can post in."),
                errors={"subwiki": [_("Unknown subwiki.")]},
            ) from None
    if payload.kind == "image" and image is None:
        raise ServiceError(
            _("An image post needs its image: send it as multipart/form-data."),
            errors={"image": [_("Send the image as a file part named “image”.")]},
        )
    post = post_create(
        author=member,
        subwiki=subwiki,
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        url=payload.url,
        edit_policy=payload.edit_policy,
        image=image,
        image_alt=payload.image_alt,
        address=client_address(request),
    )
    return Status(201, post_out(post))


class PostPatchIn(InSchema):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, json_schema_extra={"maxLength": MAX_TITLE})
    body: str | None = Field(
        None, description="Markdown.", json_schema_extra={"maxLength": MAX_ARTICLE_BODY}
    )
    url: str | None = Field(None, json_schema_extra={"maxLength": MAX_URL})
    image_alt: str | None = Field(None, json_schema_extra={"maxLength": MAX_ALT})
    edit_policy: EditPolicyName | None = Field(None, description="The author and moderators only.")
    summary: str = Field("", description="What you changed and why.", json_schema_extra=SUMMARY)
    base_revision: RevisionId | None = Field(
        None,
        description=(
            "The post's `revision` when you read it; required when a text field is sent. "
            "Edits that landed since are merged with yours, or answer 409."
        ),
    )

    def changes(self) -> dict[str, str]:
        return {
            name: value for name in EDITABLE_FIELDS if (value := getattr(self, name)) is not None
        }


EDIT_DESCRIPTION = """Edit a post, wiki-style: send the fields you changed, a `summary` and
the `base_revision` you started from.

- `200` with the post and `"merged": false` when the edit went live as sent;
- `200` with `"merged": true` when other edits landed since `base_revision` and
  merged cleanly with yours;
- `200` with `"pending": true` and `pending_revision` when the post is `reviewed`
  and your edit waits for a trusted member's approval: the post shows the live text;
- `409` with code `edit_conflict` when another edit changed the same part: nothing
  is saved; `current` is the post as it is now, `yours` what you sent, `conflicts`
  the parts both changed. Merge them and send again with `base_revision` set to
  `current.revision`."""


@router.patch(
    "/posts/{post_id}",
    response={200: PostEditOut, **WITH_CONFLICT},
    auth=admitted_auth,
    description=EDIT_DESCRIPTION,
)
def edit_post(
    request: HttpRequest, post_id: str, payload: PostPatchIn
) -> PostEditOut | Status[PostConflictOut]:
    """Edit a post from a base revision."""
    member = member_of(request)
    changes = payload.changes()
    if changes and payload.base_revision is None:
        # A post the member may not see is not found, whatever the request says.
        post_get(viewer=member, post_id=post_id)
        raise ServiceError(
            _("Say which revision you started from, so that no one's edit is lost."),
            code="invalid_base_revision",
            errors={"base_revision": [_("Send the post's `revision` as you read it.")]},
        )
    try:
        post, result = post_edit(
            actor=member,
            post_id=post_id,
            changes=changes,
            base_revision=payload.base_revision,
            summary=payload.summary,
            edit_policy=payload.edit_policy,
            address=client_address(request),
        )
    except EditConflict as conflict:
        yours = {**changes, "summary": payload.summary}
        if payload.edit_policy is not None:
            yours["edit_policy"] = payload.edit_policy
        return post_conflict(conflict, member=member, post_id=post_id, yours=yours)
    return post_edit_out(post, result)


class RevertIn(InSchema):
    revision: RevisionId = Field(description="The live revision whose content to restore.")
    summary: str = Field("", description="Why.", json_schema_extra=SUMMARY)


@router.post(
    "/posts/{post_id}/revert",
    response={200: PostEditOut, **ERRORS},
    auth=admitted_auth,
    description=(
        "Restore the content of an earlier live revision, as a new revision. Whoever may "
        "edit the post live may revert it; `changed` is false when it already had that content."
    ),
)
def revert(request: HttpRequest, post_id: str, payload: RevertIn) -> PostEditOut:
    """Restore an earlier revision of a post, as a new revision."""
    post, result = post_revert(
        actor=member_of(request),
        post_id=post_id,
        revision_id=payload.revision,
        summary=payload.summary,
        address=client_address(request),
    )
    return post_edit_out(post, result)


class RollbackIn(InSchema):
    username: str = Field(description="The member whose consecutive latest edits to undo.")
    summary: str = Field("", description="Why.", json_schema_extra=SUMMARY)


@router.post(
    "/posts/{post_id}/rollback",
    response={200: PostEditOut, **ERRORS},
    auth=admitted_auth,
    description=(
        "Moderators: undo one member's consecutive latest edits at once (vandalism), as a "
        "new revision restoring the last one before them."
    ),
)
def rollback(request: HttpRequest, post_id: str, payload: RollbackIn) -> PostEditOut:
    """Undo a member's consecutive latest edits of a post."""
    post, result = post_rollback_logged(
        actor=member_of(request),
        post_id=post_id,
        username=payload.username,
        summary=payload.summary,
    )
    return post_edit_out(post, result)


def _reviewer(request: HttpRequest, post_id: str, revision_id: str) -> Member:
    """The member who asks, once the revision is found in a post they may see (else 404)."""
    member = member_of(request)
    post_revision(post=post_get(viewer=member, post_id=post_id), revision_id=revision_id)
    return member


@router.post(
    "/posts/{post_id}/revisions/{revision_id}/approve",
    response={200: RevisionOut, **WITH_CONFLICT},
    auth=admitted_auth,
    description=(
        "Trusted members: make a pending revision live, merged onto the edits made since it "
        "was written. `409` with code `edit_conflict` when it overlaps them (nothing changes; "
        "`yours` is then the pending revision's content)."
    ),
)
def approve_revision(
    request: HttpRequest, post_id: str, revision_id: str
) -> RevisionOut | Status[PostConflictOut]:
    """Approve a pending revision."""
    member = _reviewer(request, post_id, revision_id)
    try:
        revision = post_revision_approve_logged(
            actor=member, post_id=post_id, revision_id=revision_id
        )
    except EditConflict as conflict:
        return post_conflict(conflict, member=member, post_id=post_id, yours=dict(conflict.yours))
    return revision_out(revision)


@router.post(
    "/posts/{post_id}/revisions/{revision_id}/reject",
    response={200: RevisionOut, **ERRORS},
    auth=admitted_auth,
    description="Trusted members: refuse a pending revision; it stays in the history as rejected.",
)
def reject_revision(request: HttpRequest, post_id: str, revision_id: str) -> RevisionOut:
    """Reject a pending revision."""
    member = _reviewer(request, post_id, revision_id)
    revision = post_revision_reject_logged(actor=member, post_id=post_id, revision_id=revision_id)
    return revision_out(revision)
