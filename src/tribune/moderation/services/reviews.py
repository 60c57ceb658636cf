"""Reviewing edits: approving and rejecting pending revisions, rolling back a member's
edits, patrolling; and the review, rollback and removal buttons of the posts',
descriptions' and talk's own pages, which call those apps' services and write the log
line the queue's action would write, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar, cast

from django.db import transaction
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.accounts.selectors import members_named
from tribune.communities.services import (
    subwiki_description_approve,
    subwiki_description_reject,
)
from tribune.core.exceptions import Conflict
from tribune.moderation.models import (
    ActionKind,
    ModerationAction,
    ReportState,
)
from tribune.moderation.services.content import log_removal
from tribune.moderation.services.log import (
    action_target,
    field_error,
    log_action_on,
    log_line,
    reports_resolve,
    target_details,
)
from tribune.moderation.targets import (
    Target,
    target_of,
)
from tribune.posts.models import Post
from tribune.posts.services import (
    post_rollback,
    revision_approve,
    revision_reject,
)
from tribune.talk.models import Comment
from tribune.talk.services import comment_remove
from tribune.wiki.models import Revision, RevisionStatus
from tribune.wiki.services import SaveResult, revision_mark_patrolled

P = ParamSpec("P")


R = TypeVar("R")


def _review(actor: Member, found: Target, *, approve: bool) -> Revision:
    revision = found.revision
    if found.post is not None:
        review = revision_approve if approve else revision_reject
        return review(actor=actor, post_id=found.post.pk, revision_id=revision.pk)
    assert found.subwiki is not None  # noqa: S101  # a revision is a post's or a description's
    review_description = subwiki_description_approve if approve else subwiki_description_reject
    return review_description(actor=actor, subwiki=found.subwiki, revision_id=revision.pk)


def revision_approve_logged(*, actor: Member, target: str, reason: str = "") -> ModerationAction:
    """Approve a pending revision: it goes live, merged onto the edits made since."""
    found, reason = action_target(actor, ActionKind.APPROVE_REVISION, target, reason)
    with transaction.atomic():
        _review(actor, found, approve=True)
        return log_review(actor, found, approve=True, reason=reason)


def revision_reject_logged(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Reject a pending revision; it stays in the history, marked rejected."""
    found, reason = action_target(actor, ActionKind.REJECT_REVISION, target, reason)
    with transaction.atomic():
        _review(actor, found, approve=False)
        return log_review(actor, found, approve=False, reason=reason)


def log_review(actor: Member, found: Target, *, approve: bool, reason: str) -> ModerationAction:
    """The log line of a review; a rejection upholds the open reports about the revision."""
    if approve:
        return log_action_on(actor, ActionKind.APPROVE_REVISION, found, reason)
    return log_action_on(actor, ActionKind.REJECT_REVISION, found, reason, uphold=True)


def consecutive_edits(post_page_id: int, head: Revision, author_id: int) -> list[int]:
    """Ids of `author_id`'s consecutive latest live revisions, newest first."""
    live = {
        r.pk: r
        for r in Revision.objects.filter(page_id=post_page_id, status=RevisionStatus.LIVE)
        .only("id", "parent_id", "author_id")
        .order_by("-id")[:500]
    }
    found: list[int] = []
    current: Revision | None = live.get(head.pk, head)
    while current is not None and current.author_id == author_id:
        found.append(current.pk)
        current = live.get(current.parent_id) if current.parent_id else None
    return found


def edits_rollback(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Undo a member's consecutive latest edits of a post at once: those of the revision's
    author, or of the latest edit's author when a post is named."""
    found, reason = action_target(actor, ActionKind.ROLLBACK, target, reason)
    post = found.post
    assert post is not None  # noqa: S101  # can_rollback asks for a post
    head = post.page.current_revision
    if found.kind == "revision":
        vandal = found.revision.author
    else:
        vandal = head.author if head is not None else None
    if vandal is None or head is None:
        raise field_error(
            "target", _("There is nobody's edit to roll back here."), "nothing_to_rollback"
        )
    if vandal.pk == actor.pk:
        raise field_error(
            "target",
            _("The latest edit is yours: to undo it, restore an earlier revision."),
            "nothing_to_rollback",
        )
    undone = consecutive_edits(post.page_id, head, vandal.pk)
    with transaction.atomic():
        post, result = post_rollback(
            actor=actor, post_id=post.pk, username=vandal.username, summary=reason[:300]
        )
        return log_rollback(actor, found, post, result, vandal, undone, reason)


def log_rollback(
    actor: Member,
    found: Target,
    post: Post,
    result: SaveResult,
    vandal: Member,
    undone: list[int],
    reason: str,
) -> ModerationAction:
    """The log line of a rollback, which upholds the open reports about the edits undone."""
    keys = [f"revision:{pk}" for pk in undone]
    upheld = reports_resolve(keys, actor=actor, state=ReportState.UPHELD)
    return log_line(
        actor=actor,
        action=ActionKind.ROLLBACK,
        key=found.key,
        affected=vandal,
        subwiki=found.subwiki,
        reason=reason,
        details={
            **target_details(found),
            "title": post.title,  # as restored, not as the vandal left it
            "revisions": undone,
            "restored": result.revision.reverted_to_id,
            "reports": upheld,
        },
    )


def _revision_target(revision: Revision) -> Target:
    """The target of a revision just reviewed, read with what it belongs to (one query)."""
    return target_of(
        Revision.objects.select_related(
            "author", "page__post__author", "page__post__subwiki", "page__subwiki_owner"
        )
        .defer("content")
        .get(pk=revision.pk)
    )


def _logged(
    service: Callable[P, R], log: Callable[[Member, R, Mapping[str, object]], object]
) -> Callable[P, R]:
    """`service` (called with keywords, `actor` among them) writing its log line in the
    same transaction: `log` writes it from the actor, the result and the call's keywords."""

    def logged(*args: P.args, **kwargs: P.kwargs) -> R:
        actor = cast(Member, kwargs["actor"])  # the services name who acts `actor`
        with transaction.atomic():
            done = service(*args, **kwargs)
            log(actor, done, kwargs)
        return done

    logged.__doc__ = f"{service.__module__}.{service.__name__}, written to the moderation log."
    return logged


def _review_log(*, approve: bool) -> Callable[[Member, Revision, Mapping[str, object]], None]:
    """What logs an approval or a rejection made with a post's or description's own button."""

    def log(actor: Member, revision: Revision, call: Mapping[str, object]) -> None:
        log_review(actor, _revision_target(revision), approve=approve, reason="")

    return log


def _log_post_rollback(
    actor: Member, done: tuple[Post, SaveResult], call: Mapping[str, object]
) -> None:
    """The log line of post_rollback, with its summary (or the revision's) as reason."""
    post, result = done
    summary = str(call.get("summary") or "")
    # post_rollback found the member as this does, and refused unless the latest edit
    # was theirs: the edits undone run down from it (the new revision's parent).
    vandal = members_named(str(call["username"])).first()
    head = result.revision.parent if result.changed else result.revision
    assert vandal is not None and head is not None  # noqa: S101  # as post_rollback checked
    undone = consecutive_edits(post.page_id, head, vandal.pk)
    reason = summary or (result.revision.summary if result.changed else "")
    log_rollback(actor, target_of(post), post, result, vandal, undone, reason)


def _log_comment_removal(actor: Member, comment: Comment, call: Mapping[str, object]) -> None:
    """The log line of a comment removed with the talk's own button."""
    log_removal(actor, target_of(comment), reason="")


post_revision_approve_logged = _logged(revision_approve, _review_log(approve=True))


post_revision_reject_logged = _logged(revision_reject, _review_log(approve=False))


description_approve_logged = _logged(subwiki_description_approve, _review_log(approve=True))


description_reject_logged = _logged(subwiki_description_reject, _review_log(approve=False))


post_rollback_logged = _logged(post_rollback, _log_post_rollback)


comment_remove_logged = _logged(comment_remove, _log_comment_removal)


def revision_patrol(*, actor: Member, target: str, reason: str = "") -> ModerationAction:
    """Mark a live revision as checked: it leaves the recent unpatrolled changes."""
    found, reason = action_target(actor, ActionKind.PATROL, target, reason)
    if found.revision.status != RevisionStatus.LIVE:
        raise field_error(
            "target",
            _("A revision waiting for review is approved or rejected, not patrolled."),
            "not_live",
        )
    with transaction.atomic():
        if not revision_mark_patrolled(revision=found.revision):
            raise Conflict(_("This revision is patrolled already."), code="no_change")
        return log_action_on(actor, ActionKind.PATROL, found, reason, concerns_author=False)
