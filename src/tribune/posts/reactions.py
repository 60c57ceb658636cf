"""Upvotes: one per member per post, counted on the post, never an ordering of any feed.

The services keep Post.upvote_count with F() updates in the transaction that adds
or removes the reaction, and the unique constraint on (post, member, kind) settles
two votes sent at once: one creates the row and counts it, the other finds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext as _

from tribune.accounts.models import Member, MemberFollow
from tribune.accounts.permissions import Viewer
from tribune.core.exceptions import Forbidden, ServiceError
from tribune.posts.models import Post, Reaction, ReactionKind
from tribune.posts.permissions import can_react
from tribune.posts.selectors import post_get


@dataclass(frozen=True)
class ReactionResult:
    """The post after a reaction was added or taken back, as its button shows it."""

    post: Post
    kind: str
    upvoted: bool
    changed: bool  # False when the request changed nothing (it was already so)

    @property
    def upvote_count(self) -> int:
        return self.post.upvote_count


def _checked_kind(kind: str) -> str:
    if kind not in ReactionKind.values:
        message = _("Tribune has upvotes only: send the kind “upvote”.")
        raise ServiceError(message, code="invalid_kind", errors={"kind": [message]})
    return kind


def _reactable_post(actor: Member, post_id: int | str) -> Post:
    """The post, if the actor may react to it: NotFound for what they may not see."""
    post = post_get(viewer=actor, post_id=post_id)
    if not can_react(actor, post):
        if post.is_removed:
            raise Forbidden(
                _("Moderators removed this post: it takes no upvotes."), code="post_removed"
            )
        if actor.is_suspended:
            raise Forbidden(_("Your account is suspended: you cannot upvote posts."))
        raise Forbidden(
            _("Your account is on the waitlist: you can upvote posts once it is admitted."),
            code="waitlisted",
        )
    return post


def _recount(post: Post, delta: int) -> None:
    """Move the post's counter in the database and read back what it holds now."""
    counted = Post.objects.filter(pk=post.pk)
    if delta < 0:
        # Never below zero, whatever happened to the rows meanwhile.
        counted = counted.filter(upvote_count__gte=-delta)
    if delta:
        counted.update(upvote_count=F("upvote_count") + delta)
    post.upvote_count = Post.objects.values_list("upvote_count", flat=True).get(pk=post.pk)


def reaction_add(
    *, actor: Member, post_id: int | str, kind: str = ReactionKind.UPVOTE
) -> ReactionResult:
    """Upvote a post (idempotent): counted once however many times it is sent."""
    kind = _checked_kind(kind)
    post = _reactable_post(actor, post_id)
    with transaction.atomic():
        # get_or_create catches the IntegrityError of a twin request in a savepoint and
        # finds the twin's row: only the request that created the row counts it.
        _reaction, created = Reaction.objects.get_or_create(post=post, member=actor, kind=kind)
        _recount(post, +1 if created else 0)
    return ReactionResult(post=post, kind=kind, upvoted=True, changed=created)


def reaction_remove(
    *, actor: Member, post_id: int | str, kind: str = ReactionKind.UPVOTE
) -> ReactionResult:
    """Take an upvote back (idempotent)."""
    kind = _checked_kind(kind)
    post = _reactable_post(actor, post_id)
    with transaction.atomic():
        deleted, _rows = Reaction.objects.filter(post=post, member=actor, kind=kind).delete()
        _recount(post, -1 if deleted else 0)
    return ReactionResult(post=post, kind=kind, upvoted=False, changed=bool(deleted))


# --- Reads -------------------------------------------------------------------------


def upvoted_post_ids(viewer: Viewer, post_ids: Iterable[int]) -> set[int]:
    """Which of these posts the viewer upvoted, in one query for a whole list of cards."""
    ids = list(post_ids)
    if not viewer.is_authenticated or not ids:
        return set()
    return set(
        Reaction.objects.filter(
            member_id=viewer.pk, post_id__in=ids, kind=ReactionKind.UPVOTE
        ).values_list("post_id", flat=True)
    )


@dataclass(frozen=True)
class PostViewerState:
    """What a post's page shows on its buttons for this viewer."""

    upvoted: bool = False
    follows_author: bool = False


def post_viewer_state(viewer: Viewer, post: Post) -> PostViewerState:
    """Whether the viewer upvoted the post and follows its author, in one query."""
    if not viewer.is_authenticated:
        return PostViewerState()
    found = (
        Member.objects.filter(pk=viewer.pk)
        .annotate(
            upvoted=Exists(
                Reaction.objects.filter(
                    member_id=OuterRef("pk"), post_id=post.pk, kind=ReactionKind.UPVOTE
                )
            ),
            follows_author=Exists(
                MemberFollow.objects.filter(follower_id=OuterRef("pk"), followed_id=post.author_id)
            ),
        )
        .values_list("upvoted", "follows_author")
        .first()
    )
    if found is None:
        return PostViewerState()
    upvoted, follows_author = found
    return PostViewerState(
        upvoted=bool(upvoted), follows_author=bool(follows_author) and viewer.pk != post.author_id
    )
