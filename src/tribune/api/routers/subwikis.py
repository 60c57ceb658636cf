"""Subwikis: list, create, read, edit the description, follow, join, and their posts.

Thin endpoints over the communities services and selectors, which hold the rules:
a private subwiki answers 404 to whoever is not a member, as if it did not exist.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import ConfigDict, Field

from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer
from tribune.api.auth import admitted_auth, optional_auth
from tribune.api.helpers import conflict_answer, member_of, save_outcome, viewer_of
from tribune.api.routers.posts import SUMMARY, post_out
from tribune.api.schemas import (
    ERRORS,
    FollowOut,
    InSchema,
    ListOut,
    ListParams,
    MembershipOut,
    PostOut,
    RevisionId,
    SubwikiConflictOut,
    SubwikiEditOut,
    SubwikiOut,
    path_text,
)
from tribune.communities.models import Membership, Subwiki
from tribune.communities.permissions import membership_of
from tribune.communities.selectors import (
    subwiki_get,
    subwiki_get_any,
    subwiki_is_followed,
    subwiki_list,
    subwikis_followed,
)
from tribune.communities.services import (
    MAX_DESCRIPTION,
    subwiki_create,
    subwiki_description_edit,
    subwiki_follow,
    subwiki_join,
    subwiki_leave,
    subwiki_unfollow,
)
from tribune.core.markdown import render_markdown
from tribune.core.ratelimit import client_address
from tribune.moderation.services.reviews import (
    description_approve_logged,
    description_reject_logged,
)
from tribune.posts.selectors import posts_in_subwiki
from tribune.wiki.services import EditConflict

router = Router(tags=["subwikis"])


def membership_out(membership: Membership, subwiki: Subwiki) -> MembershipOut:
    return MembershipOut(
        subwiki=subwiki.slug,
        state=membership.state,  # type: ignore[arg-type]  # MembershipState values
        role=membership.role,  # type: ignore[arg-type]  # Role values
    )


def subwiki_out(subwiki: Subwiki, viewer: Viewer, *, following: bool) -> SubwikiOut:
    """A subwiki as the API shows it; the selector has loaded the caller's membership."""
    membership = membership_of(viewer, subwiki)
    return SubwikiOut(
        id=str(subwiki.pk),
        slug=subwiki.slug,
        name=subwiki.name,
        description=subwiki.description,
        description_html=str(render_markdown(subwiki.description)),
        description_revision=str(subwiki.page.current_revision_id),
        visibility=subwiki.visibility,  # type: ignore[arg-type]  # Visibility values
        description_edit_policy=subwiki.description_edit_policy,  # type: ignore[arg-type]
        min_post_edit_policy=subwiki.min_post_edit_policy,  # type: ignore[arg-type]
        member_count=subwiki.member_count,
        follower_count=subwiki.follower_count,
        post_count=subwiki.post_count,
        created_at=subwiki.created_at,
        membership=membership_out(membership, subwiki) if membership is not None else None,
        following=following,
    )


def _subwiki_detail(viewer: Viewer, slug: str) -> SubwikiOut:
    subwiki = subwiki_get(viewer=viewer, slug=slug)
    return subwiki_out(
        subwiki, viewer, following=subwiki_is_followed(viewer=viewer, subwiki=subwiki)
    )


def _member_and_subwiki(request: HttpRequest, slug: str) -> tuple[Member, Subwiki]:
    """The member who asks and the subwiki `slug` names (not found if they may not read it)."""
    member = member_of(request)
    return member, subwiki_get(viewer=member, slug=path_text(slug))


def _description_conflict(
    conflict: EditConflict, *, member: Member, subwiki: Subwiki, yours: dict[str, str]
) -> Status[SubwikiConflictOut]:
    """The 409 of an edit of a description that overlaps another, with the subwiki now."""
    current = _subwiki_detail(member, subwiki.slug)
    return conflict_answer(SubwikiConflictOut, conflict, current=current, yours=yours)


class SubwikiListParams(ListParams):
    q: str = Field("", description="Only subwikis whose name or slug contains this text.")


@router.get("", response={200: ListOut[SubwikiOut], **ERRORS}, auth=optional_auth)
def list_subwikis(request: HttpRequest, params: Query[SubwikiListParams]) -> ListOut[SubwikiOut]:
    """The subwikis the caller may read, newest first; `q` searches names."""
    viewer = viewer_of(request)
    page = subwiki_list(
        viewer=viewer,
        # A NUL cannot be in any name, and PostgreSQL refuses it in a query: drop it.
        query=params.q.replace("\x00", "").strip(),
        cursor=params.cursor,
        limit=params.limit,
    )
    followed = subwikis_followed(viewer=viewer, subwikis=page.items)
    return ListOut[SubwikiOut].from_page(
        page, lambda s: subwiki_out(s, viewer, following=s.pk in followed)
    )


class SubwikiIn(InSchema):
    name: str = Field(
        description="1 to 80 characters.",
        json_schema_extra={"minLength": 1, "maxLength": 80, "pattern": r"\S"},
    )
    slug: str = Field(
        description="Its address: 2 to 50 letters, digits, hyphens or underscores; unique.",
        json_schema_extra={"pattern": r"^[-a-zA-Z0-9_]{2,50}$"},
    )
    description: str = Field(
        "",
        description="Markdown; a revisioned wiki page.",
        json_schema_extra={"maxLength": MAX_DESCRIPTION},
    )
    visibility: Literal["public", "private"] = Field(
        "public",
        description="`private`: only members read it, and joining needs a moderator's approval.",
    )


@router.post("", response={201: SubwikiOut, **ERRORS}, auth=admitted_auth)
def create_subwiki(request: HttpRequest, payload: SubwikiIn) -> Status[SubwikiOut]:
    """Create a subwiki; you become its owner, member and follower."""
    member = member_of(request)
    subwiki = subwiki_create(
        actor=member,
        name=payload.name,
        slug=payload.slug,
        description=payload.description,
        visibility=payload.visibility,
    )
    return Status(201, _subwiki_detail(member, subwiki.slug))


@router.get("/{slug}", response={200: SubwikiOut, **ERRORS}, auth=optional_auth)
def get_subwiki(request: HttpRequest, slug: str) -> SubwikiOut:
    """One subwiki, with the id of its description's current revision."""
    return _subwiki_detail(viewer_of(request), path_text(slug))


class DescriptionPatchIn(InSchema):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(
        description="Markdown.", json_schema_extra={"maxLength": MAX_DESCRIPTION}
    )
    summary: str = Field("", description="What you changed and why.", json_schema_extra=SUMMARY)
    base_revision: RevisionId = Field(
        description="The subwiki's `description_revision` when you read it."
    )


@router.patch(
    "/{slug}",
    response={200: SubwikiEditOut, **ERRORS, 409: SubwikiConflictOut},
    auth=admitted_auth,
    description=(
        "Edit the description, wiki-style, by the subwiki's description edit policy. The "
        "answers are those of `PATCH /posts/{id}`: `merged`, `pending` and "
        "`pending_revision`, or `409` with code `edit_conflict`, `current`, `yours` and "
        "`conflicts`, with nothing saved."
    ),
)
def edit_description(
    request: HttpRequest, slug: str, payload: DescriptionPatchIn
) -> SubwikiEditOut | Status[SubwikiConflictOut]:
    """Edit a subwiki's description from a base revision."""
    member, subwiki = _member_and_subwiki(request, slug)
    try:
        result = subwiki_description_edit(
            actor=member,
            subwiki=subwiki,
            description=payload.description,
            base_revision=payload.base_revision,
            summary=payload.summary,
            address=client_address(request),
        )
    except EditConflict as conflict:
        yours = {"description": payload.description, "summary": payload.summary}
        return _description_conflict(conflict, member=member, subwiki=subwiki, yours=yours)
    return SubwikiEditOut(
        **_subwiki_detail(member, subwiki.slug).model_dump(), **save_outcome(result).model_dump()
    )


@router.post(
    "/{slug}/description/revisions/{revision_id}/approve",
    response={200: SubwikiOut, **ERRORS, 409: SubwikiConflictOut},
    auth=admitted_auth,
    description=(
        "Trusted members: make a pending description edit live, merged onto the edits made "
        "since. `409` with code `edit_conflict` when it overlaps them (nothing changes)."
    ),
)
def approve_description(
    request: HttpRequest, slug: str, revision_id: str
) -> SubwikiOut | Status[SubwikiConflictOut]:
    """Approve a pending edit of a subwiki's description."""
    member, subwiki = _member_and_subwiki(request, slug)
    try:
        description_approve_logged(actor=member, subwiki=subwiki, revision_id=revision_id)
    except EditConflict as conflict:
        yours = dict(conflict.yours)
        return _description_conflict(conflict, member=member, subwiki=subwiki, yours=yours)
    return _subwiki_detail(member, subwiki.slug)


@router.post(
    "/{slug}/description/revisions/{revision_id}/reject",
    response={200: SubwikiOut, **ERRORS},
    auth=admitted_auth,
    description="Trusted members: refuse a pending description edit; it stays in the history.",
)
def reject_description(request: HttpRequest, slug: str, revision_id: str) -> SubwikiOut:
    """Reject a pending edit of a subwiki's description."""
    member, subwiki = _member_and_subwiki(request, slug)
    description_reject_logged(actor=member, subwiki=subwiki, revision_id=revision_id)
    return _subwiki_detail(member, subwiki.slug)


@router.get("/{slug}/posts", response={200: ListOut[PostOut], **ERRORS}, auth=optional_auth)
def subwiki_posts(request: HttpRequest, slug: str, params: Query[ListParams]) -> ListOut[PostOut]:
    """The subwiki's posts, newest first."""
    viewer = viewer_of(request)
    subwiki = subwiki_get(viewer=viewer, slug=path_text(slug))
    page = posts_in_subwiki(
        viewer=viewer, subwiki=subwiki, cursor=params.cursor, limit=params.limit
    )
    return ListOut[PostOut].from_page(page, post_out)


@router.post("/{slug}/follow", response={200: FollowOut, **ERRORS}, auth=admitted_auth)
def follow(request: HttpRequest, slug: str) -> FollowOut:
    """Follow a subwiki: its posts join your home feed (idempotent)."""
    member, subwiki = _member_and_subwiki(request, slug)
    subwiki_follow(actor=member, subwiki=subwiki)
    return FollowOut(subwiki=subwiki.slug, following=True, follower_count=subwiki.follower_count)


@router.delete("/{slug}/follow", response={200: FollowOut, **ERRORS}, auth=admitted_auth)
def unfollow(request: HttpRequest, slug: str) -> FollowOut:
    """Stop following a subwiki (idempotent)."""
    member, subwiki = _member_and_subwiki(request, slug)
    subwiki_unfollow(actor=member, subwiki=subwiki)
    return FollowOut(subwiki=subwiki.slug, following=False, follower_count=subwiki.follower_count)


JOIN_DESCRIPTION = """Join a public subwiki (`200`, state `active`; you also follow it),
or accept an invitation to a private one (`200`, state `active`).

For a private subwiki you were not invited to, this asks to join: `202` with state
`requested` until one of its moderators approves; asking again answers the same.
Asking needs only the subwiki's address: until you are a member, a private subwiki's
content stays hidden (404). Already a member: `400` with code `already_member`."""


@router.post(
    "/{slug}/join",
    response={200: MembershipOut, 202: MembershipOut, **ERRORS},
    auth=admitted_auth,
    description=JOIN_DESCRIPTION,
)
def join(request: HttpRequest, slug: str) -> Status[MembershipOut]:
    """Join a subwiki, or ask to join a private one."""
    member = member_of(request)
    subwiki = subwiki_get_any(viewer=member, slug=path_text(slug))
    membership = subwiki_join(actor=member, subwiki=subwiki)
    status = 200 if membership.is_active else 202
    return Status(status, membership_out(membership, subwiki))


@router.delete(
    "/{slug}/join",
    response={204: None, **ERRORS},
    auth=admitted_auth,
    description=(
        "Leave a subwiki, withdraw a request to join or decline an invitation. Leaving a "
        "private subwiki also stops following it. The last owner must hand over first "
        "(`400`, code `last_owner`)."
    ),
)
def leave(request: HttpRequest, slug: str) -> Status[None]:
    """Leave a subwiki."""
    member = member_of(request)
    subwiki = subwiki_get_any(viewer=member, slug=path_text(slug))
    subwiki_leave(actor=member, subwiki=subwiki)
    return Status(204, None)
