"""What several API routers do alike: read who asks, find a member, answer an edit."""

from __future__ import annotations

from typing import TypeVar

from django.http import HttpRequest
from ninja import Schema, Status

from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer
from tribune.accounts.selectors import member_get_profile
from tribune.api.schemas import ConflictRegionOut, SaveOutcome, path_text
from tribune.wiki.services import EditConflict, SaveResult

ConflictOutT = TypeVar("ConflictOutT", bound=Schema)


def viewer_of(request: HttpRequest) -> Viewer:
    """The member or visitor an endpoint with optional auth answers."""
    return request.auth  # type: ignore[attr-defined, no-any-return]  # set by the auth callable


def member_of(request: HttpRequest) -> Member:
    """The member an endpoint that needs a token answers."""
    return request.auth  # type: ignore[attr-defined, no-any-return]  # set by the auth callable


def member_and_profile(request: HttpRequest, username: str) -> tuple[Member, Member]:
    """The member who asks and the member `username` names (not found if they may not see it)."""
    actor = member_of(request)
    return actor, member_get_profile(viewer=actor, username=path_text(username))


def save_outcome(result: SaveResult) -> SaveOutcome:
    """What became of a saved edit: changed, merged, or waiting for review."""
    return SaveOutcome(
        changed=result.changed,
        merged=result.merged,
        pending=result.pending,
        pending_revision=str(result.revision.pk) if result.pending else None,
    )


def conflicts_out(conflict: EditConflict) -> dict[str, list[ConflictRegionOut]]:
    """Per field, the parts that both edits changed."""
    return {
        name: [ConflictRegionOut(base=r.base, current=r.current, yours=r.yours) for r in regions]
        for name, regions in conflict.conflicts.items()
    }


def conflict_answer(
    answer: type[ConflictOutT], conflict: EditConflict, *, current: Schema, yours: dict[str, str]
) -> Status[ConflictOutT]:
    """The `409 edit_conflict` answer: the thing as it is now, what was sent, where they clash."""
    # Validated from a dict: `answer` is the post's or the subwiki's conflict schema, which
    # have the same fields around their own kind of `current`. Nothing was saved.
    return Status(
        409,
        answer.model_validate(
            {
                "detail": str(conflict.detail),
                "code": "edit_conflict",
                "current": current,
                "yours": yours,
                "conflicts": conflicts_out(conflict),
            }
        ),
    )
