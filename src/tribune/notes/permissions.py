"""Who may write, edit, rate and remove community notes; anything not listed is denied.

Each `*_refusal` says why not, with a stable code, so that the pages and the API give
the same reason; the `can_*` predicates are the table's rows (tests/notes/test_permissions.py).
"""

from __future__ import annotations

from typing import NamedTuple

from django.utils.translation import gettext as _

from tribune.accounts.permissions import WRITER_TRUST_LEVEL, Viewer, has_trust_level
from tribune.communities.permissions import is_banned
from tribune.core.exceptions import Forbidden
from tribune.notes.models import CommunityNote
from tribune.posts.models import Post
from tribune.posts.permissions import can_moderate_post, can_view_post


class Refusal(NamedTuple):
    """Why the viewer may not do something: a stable code and a message for a person."""

    code: str
    message: str


def refuse(refusal: Refusal | None) -> None:
    """Refuse what a refusal is about, with its reason and code; nothing if there is none."""
    if refusal is not None:
        raise Forbidden(refusal.message, code=refusal.code)


def note_refusal(viewer: Viewer, post: Post) -> Refusal | None:
    """Why the viewer may not add a note to the post; None when they may.

    Admitted members at trust level 1 or more who may read the post and are not banned
    from its subwiki, while it is not removed.
    """
    denied = "permission_denied"
    if not viewer.is_authenticated:
        return Refusal(denied, _("Log in to add a note."))
    if viewer.is_suspended:
        return Refusal(denied, _("Your account is suspended: you cannot add notes."))
    if not viewer.is_admitted:
        return Refusal(
            denied, _("Your account is on the waitlist: you can add notes once it is admitted.")
        )
    if post.is_removed:
        return Refusal(denied, _("Moderators removed this post: it takes no more notes."))
    if not can_view_post(viewer, post):
        return Refusal(denied, _("You may not add a note to this post."))
    if post.subwiki is not None and is_banned(viewer, post.subwiki):
        return Refusal(denied, _("You are banned from this subwiki: you cannot add notes here."))
    if not has_trust_level(viewer, WRITER_TRUST_LEVEL):
        return Refusal(
            "trust_level_too_low",
            _(
                "Notes are written by members at trust level 1 or more. Your level rises "
                "as you take part: edits and comments others keep, time, and vouches."
            ),
        )
    return None


def note_edit_refusal(viewer: Viewer, note: CommunityNote) -> Refusal | None:
    """Why the viewer may not edit the note; None when they may (its author, admitted)."""
    denied = "permission_denied"
    if not viewer.is_authenticated or viewer.pk != note.author_id:
        return Refusal(denied, _("Only its author may edit a note."))
    if not viewer.is_admitted:
        return Refusal(denied, _("Your account cannot edit notes now."))
    if note.is_removed or note.post.is_removed:
        return Refusal(denied, _("This note can no longer be edited."))
    if note.post.subwiki is not None and is_banned(viewer, note.post.subwiki):
        return Refusal(denied, _("You are banned from this subwiki: you cannot edit notes here."))
    return None


def rating_refusal(viewer: Viewer, note: CommunityNote) -> Refusal | None:
    """Why the viewer may not rate the note; None when they may.

    Admitted members who may read the post and are not banned from its subwiki, except
    the note's author.
    """
    denied = "permission_denied"
    if not viewer.is_authenticated:
        return Refusal(denied, _("Log in to rate notes."))
    if viewer.is_suspended:
        return Refusal(denied, _("Your account is suspended: you cannot rate notes."))
    if not viewer.is_admitted:
        return Refusal(
            denied, _("Your account is on the waitlist: you can rate notes once it is admitted.")
        )
    if note.is_removed or note.post.is_removed:
        return Refusal(denied, _("This note can no longer be rated."))
    if not can_view_post(viewer, note.post):
        return Refusal(denied, _("You may not rate this note."))
    if note.post.subwiki is not None and is_banned(viewer, note.post.subwiki):
        return Refusal(denied, _("You are banned from this subwiki: you cannot rate notes here."))
    if viewer.pk == note.author_id:
        return Refusal("own_note", _("You cannot rate your own note."))
    return None


def can_write_note(viewer: Viewer, post: Post) -> bool:
    # Admitted members at WRITER_TRUST_LEVEL who may read the post, not banned from its
    # subwiki, while it is not removed (note_refusal says why not).
    return note_refusal(viewer, post) is None


def can_edit_note(viewer: Viewer, note: CommunityNote) -> bool:
    # Its author, admitted and not banned, while neither it nor its post is removed.
    return note_edit_refusal(viewer, note) is None


def can_rate_note(viewer: Viewer, note: CommunityNote) -> bool:
    # Admitted members who may read the post and are not banned, except the note's author
    # (any level may rate; only RATER_TRUST_LEVEL and up count in the scoring).
    return rating_refusal(viewer, note) is None


def can_remove_note(viewer: Viewer, note: CommunityNote) -> bool:
    # Take a note off its post or put it back: the post's moderators.
    return can_moderate_post(viewer, note.post)
