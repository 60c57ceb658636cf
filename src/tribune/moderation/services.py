"""Reports, moderation actions and appeals: every write behind the moderation log.

Each action is one service. It finds its target for the actor (moderation.targets:
what they may not see is not found), checks the rule (moderation.permissions), makes
the change through the service of the app that owns the thing (posts, talk, wiki,
communities, accounts) and writes one ModerationAction line, in one transaction.
Actions that take something away uphold the open reports about their target (upheld
reports count against the member in their trust level); `dismiss` dismisses them. The
member concerned is told by e-mail once the transaction commits, with a link to appeal
where an appeal is possible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, ParamSpec, TypeVar, cast

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.accounts.selectors import members_named
from tribune.accounts.waitlist import member_access_suspend, member_access_unsuspend
from tribune.communities.models import Subwiki
from tribune.communities.permissions import bans_changed
from tribune.communities.selectors import subwiki_get
from tribune.communities.services import (
    subwiki_description_approve,
    subwiki_description_reject,
)
from tribune.core.exceptions import Conflict, Forbidden, NotFound, ServiceError
from tribune.core.ratelimit import rate_limit
from tribune.moderation.models import (
    ActionKind,
    Appeal,
    AppealState,
    Ban,
    ModerationAction,
    Report,
    ReportReason,
    ReportState,
)
from tribune.moderation.permissions import (
    APPEALABLE,
    can_act,
    can_appeal,
    can_decide_appeal,
    can_report,
)
from tribune.moderation.selectors import appeal_link_token, log_entry_get
from tribune.moderation.targets import (
    Target,
    TargetKind,
    target_from_key,
    target_get,
    target_of,
)
from tribune.notes.services import note_set_removed
from tribune.posts.models import Post
from tribune.posts.services import (
    post_protect,
    post_rollback,
    post_set_locked,
    post_set_removed,
    post_unprotect,
    revision_approve,
    revision_reject,
)
from tribune.talk.models import Comment
from tribune.talk.services import comment_remove, comment_restore
from tribune.wiki.models import Revision, RevisionStatus
from tribune.wiki.services import SaveResult, revision_mark_patrolled

P = ParamSpec("P")
R = TypeVar("R")

MAX_REASON = 2000
MAX_DETAILS = 2000
MAX_APPEAL = 4000
MAX_DURATION_DAYS = 3650

# What each action may be taken on.
ALL_KINDS: frozenset[TargetKind] = frozenset({"post", "comment", "revision", "note", "member"})
APPLIES_TO: dict[str, frozenset[TargetKind]] = {
    ActionKind.REMOVE: frozenset({"post", "comment", "note"}),
    ActionKind.RESTORE: frozenset({"post", "comment", "note"}),
    ActionKind.LOCK: frozenset({"post"}),
    ActionKind.UNLOCK: frozenset({"post"}),
    ActionKind.PROTECT: frozenset({"post"}),
    # A member, or the author of what is named.
    ActionKind.BAN: ALL_KINDS,
    ActionKind.UNBAN: ALL_KINDS,
    ActionKind.SUSPEND: ALL_KINDS,
    ActionKind.UNSUSPEND: ALL_KINDS,
    ActionKind.DISMISS: ALL_KINDS,
    ActionKind.APPROVE_REVISION: frozenset({"revision"}),
    ActionKind.REJECT_REVISION: frozenset({"revision"}),
    ActionKind.ROLLBACK: frozenset({"post", "revision"}),
    ActionKind.PATROL: frozenset({"revision"}),
}
# Every action the API and the queue take; appeal_decided is logged by appeal_decide.
ACTIONS = tuple(APPLIES_TO)
# Actions that take a duration: a ban and a protection may end by themselves.
TIMED = frozenset({ActionKind.BAN, ActionKind.PROTECT})
# Actions that only approve or check: a reason is welcome, not required.
REASON_OPTIONAL = frozenset({ActionKind.APPROVE_REVISION, ActionKind.PATROL})

_REFUSALS: dict[str, str] = {
    ActionKind.SUSPEND: "staff",
    ActionKind.UNSUSPEND: "staff",
    ActionKind.APPROVE_REVISION: "trusted",
    ActionKind.REJECT_REVISION: "trusted",
    ActionKind.PATROL: "trusted",
}


def _refusal(action: str) -> Forbidden:
    who = _REFUSALS.get(action)
    if who == "staff":
        return Forbidden(_("Only staff may suspend accounts or lift a suspension."))
    if who == "trusted":
        return Forbidden(
            _("Only trusted members and moderators may review or patrol others' edits.")
        )
    return Forbidden(_("Only the moderators of this place may do this."))


def _field_error(field: str, message: str, code: str = "invalid") -> ServiceError:
    return ServiceError(message, code=code, errors={field: [message]})


def _clean_text(value: object, *, field: str, limit: int, required: bool) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise _field_error(field, _("This text contains a NUL character."))
    if required and not text:
        raise _field_error(field, _("Please say why."), code="reason_required")
    if len(text) > limit:
        raise _field_error(field, _("Use at most %(n)d characters.") % {"n": limit})
    return text


def _clean_duration(action: str, duration_days: object) -> dt.datetime | None:
    """When a ban or protection ends (None: until lifted); a duration elsewhere is refused."""
    if duration_days is None or duration_days == "":
        return None
    if action not in TIMED:
        raise _field_error(
            "duration_days", _("Only a ban or a protection takes a duration."), "invalid_duration"
        )
    try:
        days = int(str(duration_days))
    except (TypeError, ValueError):
        days = 0
    if isinstance(duration_days, bool) or not 1 <= days <= MAX_DURATION_DAYS:
        raise _field_error(
            "duration_days",
            _("Give a number of days from 1 to %(n)d.") % {"n": MAX_DURATION_DAYS},
            "invalid_duration",
        )
    return timezone.now() + dt.timedelta(days=days)


def _details_of(target: Target) -> dict[str, Any]:
    """What the log keeps to name and link a target later without reading it again."""
    if target.post is not None:
        return {"post": target.post.pk, "title": target.post.title}
    if target.kind == "revision" and target.subwiki is not None:
        return {"description_of": target.subwiki.slug, "title": target.subwiki.name}
    return {}


def _log(
    *,
    actor: Member,
    action: str,
    key: str,
    affected: Member | None,
    subwiki: Subwiki | None,
    reason: str,
    expires_at: dt.datetime | None = None,
    details: dict[str, Any] | None = None,
    notify: bool = True,
) -> ModerationAction:
    """Write one line of the log; the member concerned hears of it once it commits."""
    line = ModerationAction.objects.create(
        actor=actor,
        action=action,
        target=key,
        affected=affected,
        subwiki=subwiki,
        reason=reason,
        expires_at=expires_at,
        details=details or {},
    )
    if notify and affected is not None and affected.pk != actor.pk:
        transaction.on_commit(partial(_notify_action, line.pk))
    return line


def _resolve_reports(keys: Iterable[str], *, actor: Member, state: str) -> int:
    """Close the open reports about these targets as upheld or dismissed."""
    return Report.objects.filter(target__in=list(keys), state=ReportState.OPEN).update(
        state=state, resolved_at=timezone.now(), resolved_by=actor
    )


# --- Reports --------------------------------------------------------------------------


def report_create(
    *,
    reporter: Member,
    target: str,
    reason: str,
    details: str = "",
    address: str | None = None,
) -> Report:
    """Flag a post, comment, revision or member for the moderators whose queue it is."""
    found = target_get(viewer=reporter, target=target)
    if not can_report(reporter, found):
        if found.kind == "member" and found.obj.pk == reporter.pk:
            raise _field_error("target", _("You cannot report yourself."), "cannot_report_self")
        raise Forbidden(_("Only admitted members can report."))
    if reason not in ReportReason.values:
        raise _field_error(
            "reason",
            _("Choose a reason: spam, misleading, abuse, vandalism or other."),
            "invalid_reason",
        )
    text = _clean_text(details, field="details", limit=MAX_DETAILS, required=False)
    if Report.objects.filter(reporter=reporter, target=found.key, state=ReportState.OPEN).exists():
        raise _already_reported()
    rate_limit("report", member=reporter, address=address)
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter,
                target=found.key,
                target_member=found.member,
                subwiki=found.subwiki,
                reason=reason,
                details=text,
            )
    except IntegrityError:  # the same report sent twice at once
        raise _already_reported() from None


def _already_reported() -> Conflict:
    return Conflict(
        _("You reported this already: moderators have your report and will look at it."),
        code="already_reported",
    )


# --- Actions --------------------------------------------------------------------------


def _prepare(actor: Member, action: str, target: str, reason: str) -> tuple[Target, str]:
    """The target of an action the actor may take, and the reason cleaned; or why not."""
    return _check(actor, action, target_get(viewer=actor, target=target), reason)


def _check(
    actor: Member, action: str, found: Target, reason: str, *, subwiki: Subwiki | None = None
) -> tuple[Target, str]:
    """The target again if the actor may take the action on it, with the reason cleaned."""
    if found.kind not in APPLIES_TO[action]:
        raise _field_error(
            "target",
            _("This action does not apply to a %(kind)s.") % {"kind": found.kind},
            "invalid_target",
        )
    if not can_act(actor, action, found, subwiki):
        raise _refusal(action)
    text = _clean_text(
        reason, field="reason", limit=MAX_REASON, required=action not in REASON_OPTIONAL
    )
    return found, text


def content_remove(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Remove a post (it answers 404 but to moderators), a comment (a tombstone stays) or a
    community note (off its post, the API and the scoring; its moderators still see it)."""
    found, reason = _prepare(actor, ActionKind.REMOVE, target, reason)
    with transaction.atomic():
        if found.kind == "post":
            post_set_removed(actor=actor, post_id=found.obj.pk, removed=True)
        elif found.kind == "note":
            note_set_removed(actor=actor, note_id=found.obj.pk, removed=True)
        else:
            comment_remove(actor=actor, comment_id=found.obj.pk)
        return _log_removal(actor, found, reason)


def _log_on(
    actor: Member,
    action: str,
    found: Target,
    reason: str,
    *,
    uphold: bool = False,
    concerns_author: bool = True,
    expires_at: dt.datetime | None = None,
    details: dict[str, Any] | None = None,
) -> ModerationAction:
    """The log line of an action on `found`, with what it is among the details; `uphold`:
    the open reports about it are upheld, and counted; `concerns_author`: its author is
    the member concerned (and hears of it)."""
    written = {**_details_of(found), **(details or {})}
    if uphold:
        written["reports"] = _resolve_reports([found.key], actor=actor, state=ReportState.UPHELD)
    return _log(
        actor=actor,
        action=action,
        key=found.key,
        affected=found.member if concerns_author else None,
        subwiki=found.subwiki,
        reason=reason,
        expires_at=expires_at,
        details=written,
    )


def _log_removal(actor: Member, found: Target, reason: str) -> ModerationAction:
    """The log line of a removal, which upholds the open reports about what was removed."""
    return _log_on(actor, ActionKind.REMOVE, found, reason, uphold=True)


def content_restore(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Put a removed post, comment or community note back where it was."""
    found, reason = _prepare(actor, ActionKind.RESTORE, target, reason)
    with transaction.atomic():
        _restore(actor, found)
        return _log_on(actor, ActionKind.RESTORE, found, reason)


def _restore(actor: Member, found: Target) -> None:
    if found.kind == "post":
        post_set_removed(actor=actor, post_id=found.obj.pk, removed=False)
    elif found.kind == "note":
        note_set_removed(actor=actor, note_id=found.obj.pk, removed=False)
    else:
        comment_restore(actor=actor, comment_id=found.obj.pk)


def post_lock(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Lock a post: nobody edits it or comments on it until it is unlocked."""
    found, reason = _prepare(actor, ActionKind.LOCK, target, reason)
    with transaction.atomic():
        post_set_locked(actor=actor, post_id=found.obj.pk, locked=True)
        return _log_on(actor, ActionKind.LOCK, found, reason, uphold=True)


def post_unlock(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Unlock a post: its edit policy and its talk apply again."""
    found, reason = _prepare(actor, ActionKind.UNLOCK, target, reason)
    with transaction.atomic():
        post_set_locked(actor=actor, post_id=found.obj.pk, locked=False)
        return _log_on(actor, ActionKind.UNLOCK, found, reason)


def post_protect_for(
    *, actor: Member, target: str, reason: str, duration_days: object = None
) -> ModerationAction:
    """Protect a post (only moderators edit it), for `duration_days` or until lifted."""
    found, reason = _prepare(actor, ActionKind.PROTECT, target, reason)
    until = _clean_duration(ActionKind.PROTECT, duration_days)
    with transaction.atomic():
        post = post_protect(actor=actor, post_id=found.obj.pk, until=until)
        return _log_on(
            actor,
            ActionKind.PROTECT,
            found,
            reason,
            uphold=True,
            expires_at=until,
            details={"previous_policy": post.policy_before_protection},
        )


def _ban_place(actor: Member, found: Target, subwiki: str | None) -> Subwiki:
    if subwiki:
        return subwiki_get(viewer=actor, slug=str(subwiki))
    if found.subwiki is None:
        raise _field_error("subwiki", _("Name the subwiki the ban is about."), "subwiki_required")
    return found.subwiki


def _concerned(found: Target) -> Member:
    if found.member is None:
        raise _field_error("target", _("This account no longer exists."), "invalid_target")
    return found.member


def _lift_ended_bans(place: Subwiki, member: Member) -> None:
    # A ban that ran out still holds its place in "one standing ban per member and
    # subwiki": it is marked lifted when it ended.
    Ban.objects.filter(
        subwiki=place, member=member, lifted_at__isnull=True, expires_at__lte=timezone.now()
    ).update(lifted_at=timezone.now())


def member_ban(
    *,
    actor: Member,
    target: str,
    reason: str,
    subwiki: str | None = None,
    duration_days: object = None,
) -> ModerationAction:
    """Ban a member (or the author of what is named) from a subwiki: no posts, edits or
    comments there, for `duration_days` or until lifted."""
    found = target_get(viewer=actor, target=target)
    member = _concerned(found)
    place = _ban_place(actor, found, subwiki)
    found, reason = _check(actor, ActionKind.BAN, found, reason, subwiki=place)
    until = _clean_duration(ActionKind.BAN, duration_days)
    key = f"member:{member.pk}"
    with transaction.atomic():
        _lift_ended_bans(place, member)
        if Ban.objects.filter(subwiki=place, member=member, lifted_at__isnull=True).exists():
            raise Conflict(_("This member is banned from this subwiki already."), code="no_change")
        upheld = _resolve_reports({found.key, key}, actor=actor, state=ReportState.UPHELD)
        line = _log(
            actor=actor,
            action=ActionKind.BAN,
            key=key,
            affected=member,
            subwiki=place,
            reason=reason,
            expires_at=until,
            details={"subwiki": place.slug, "reports": upheld},
        )
        Ban.objects.create(subwiki=place, member=member, action=line, expires_at=until)
        transaction.on_commit(bans_changed)
    bans_changed()
    return line


def member_unban(
    *, actor: Member, target: str, reason: str, subwiki: str | None = None
) -> ModerationAction:
    """Lift a member's ban from a subwiki."""
    found = target_get(viewer=actor, target=target)
    member = _concerned(found)
    place = _ban_place(actor, found, subwiki)
    found, reason = _check(actor, ActionKind.UNBAN, found, reason, subwiki=place)
    with transaction.atomic():
        line = _unban(actor, place, member, reason)
        if line is None:
            raise Conflict(_("This member is not banned from this subwiki."), code="no_change")
    bans_changed()
    return line


def _unban(
    actor: Member, place: Subwiki, member: Member, reason: str, *, notify: bool = True
) -> ModerationAction | None:
    """Lift the standing ban, if any, and log it (inside the caller's transaction)."""
    _lift_ended_bans(place, member)
    lifted = Ban.objects.filter(subwiki=place, member=member, lifted_at__isnull=True).update(
        lifted_at=timezone.now()
    )
    if not lifted:
        return None
    transaction.on_commit(bans_changed)
    return _log(
        actor=actor,
        action=ActionKind.UNBAN,
        key=f"member:{member.pk}",
        affected=member,
        subwiki=place,
        reason=reason,
        details={"subwiki": place.slug},
        notify=notify,
    )


def member_suspend(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Staff: suspend an account site-wide (it leaves the waitlist if it was in line)."""
    found, reason = _prepare(actor, ActionKind.SUSPEND, target, reason)
    member = _concerned(found)
    key = f"member:{member.pk}"
    with transaction.atomic():
        previous = member_access_suspend(member=member)
        if previous is None:
            raise Conflict(_("This account is suspended already."), code="no_change")
        upheld = _resolve_reports({found.key, key}, actor=actor, state=ReportState.UPHELD)
        return _log(
            actor=actor,
            action=ActionKind.SUSPEND,
            key=key,
            affected=member,
            subwiki=None,
            reason=reason,
            details={"previous_access": previous, "reports": upheld},
        )


def member_unsuspend(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Staff: lift a suspension; the account is admitted."""
    found, reason = _prepare(actor, ActionKind.UNSUSPEND, target, reason)
    member = _concerned(found)
    with transaction.atomic():
        line = _unsuspend(actor, member, reason)
        if line is None:
            raise Conflict(_("This account is not suspended."), code="no_change")
    return line


def _unsuspend(
    actor: Member, member: Member, reason: str, *, notify: bool = True
) -> ModerationAction | None:
    if not member_access_unsuspend(member=member):
        return None
    return _log(
        actor=actor,
        action=ActionKind.UNSUSPEND,
        key=f"member:{member.pk}",
        affected=member,
        subwiki=None,
        reason=reason,
        notify=notify,
    )


def report_dismiss(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Dismiss the open reports about a target: nothing to act on."""
    found, reason = _prepare(actor, ActionKind.DISMISS, target, reason)
    with transaction.atomic():
        dismissed = _resolve_reports([found.key], actor=actor, state=ReportState.DISMISSED)
        if not dismissed:
            raise Conflict(_("There is no open report about this."), code="no_open_reports")
        return _log_on(
            actor,
            ActionKind.DISMISS,
            found,
            reason,
            concerns_author=False,
            details={"reports": dismissed},
        )


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
    found, reason = _prepare(actor, ActionKind.APPROVE_REVISION, target, reason)
    with transaction.atomic():
        _review(actor, found, approve=True)
        return _log_review(actor, found, approve=True, reason=reason)


def revision_reject_logged(*, actor: Member, target: str, reason: str) -> ModerationAction:
    """Reject a pending revision; it stays in the history, marked rejected."""
    found, reason = _prepare(actor, ActionKind.REJECT_REVISION, target, reason)
    with transaction.atomic():
        _review(actor, found, approve=False)
        return _log_review(actor, found, approve=False, reason=reason)


def _log_review(actor: Member, found: Target, *, approve: bool, reason: str) -> ModerationAction:
    """The log line of a review; a rejection upholds the open reports about the revision."""
    if approve:
        return _log_on(actor, ActionKind.APPROVE_REVISION, found, reason)
    return _log_on(actor, ActionKind.REJECT_REVISION, found, reason, uphold=True)


def _consecutive_edits(post_page_id: int, head: Revision, author_id: int) -> list[int]:
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
    found, reason = _prepare(actor, ActionKind.ROLLBACK, target, reason)
    post = found.post
    assert post is not None  # noqa: S101  # can_rollback asks for a post
    head = post.page.current_revision
    if found.kind == "revision":
        vandal = found.revision.author
    else:
        vandal = head.author if head is not None else None
    if vandal is None or head is None:
        raise _field_error(
            "target", _("There is nobody's edit to roll back here."), "nothing_to_rollback"
        )
    if vandal.pk == actor.pk:
        raise _field_error(
            "target",
            _("The latest edit is yours: to undo it, restore an earlier revision."),
            "nothing_to_rollback",
        )
    undone = _consecutive_edits(post.page_id, head, vandal.pk)
    with transaction.atomic():
        post, result = post_rollback(
            actor=actor, post_id=post.pk, username=vandal.username, summary=reason[:300]
        )
        return _log_rollback(actor, found, post, result, vandal, undone, reason)


def _log_rollback(
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
    upheld = _resolve_reports(keys, actor=actor, state=ReportState.UPHELD)
    return _log(
        actor=actor,
        action=ActionKind.ROLLBACK,
        key=found.key,
        affected=vandal,
        subwiki=found.subwiki,
        reason=reason,
        details={
            **_details_of(found),
            "title": post.title,  # as restored, not as the vandal left it
            "revisions": undone,
            "restored": result.revision.reverted_to_id,
            "reports": upheld,
        },
    )


# --- The review, rollback and removal buttons of the posts', descriptions' and talk's
# own pages and API routes. Those keep their own rules, errors and answers (API.md);
# each of these calls the same service, then writes the log line the queue's action
# would write, in the same transaction.


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
        _log_review(actor, _revision_target(revision), approve=approve, reason="")

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
    undone = _consecutive_edits(post.page_id, head, vandal.pk)
    reason = summary or (result.revision.summary if result.changed else "")
    _log_rollback(actor, target_of(post), post, result, vandal, undone, reason)


def _log_comment_removal(actor: Member, comment: Comment, call: Mapping[str, object]) -> None:
    """The log line of a comment removed with the talk's own button."""
    _log_removal(actor, target_of(comment), reason="")


post_revision_approve_logged = _logged(revision_approve, _review_log(approve=True))
post_revision_reject_logged = _logged(revision_reject, _review_log(approve=False))
description_approve_logged = _logged(subwiki_description_approve, _review_log(approve=True))
description_reject_logged = _logged(subwiki_description_reject, _review_log(approve=False))
post_rollback_logged = _logged(post_rollback, _log_post_rollback)
comment_remove_logged = _logged(comment_remove, _log_comment_removal)


def revision_patrol(*, actor: Member, target: str, reason: str = "") -> ModerationAction:
    """Mark a live revision as checked: it leaves the recent unpatrolled changes."""
    found, reason = _prepare(actor, ActionKind.PATROL, target, reason)
    if found.revision.status != RevisionStatus.LIVE:
        raise _field_error(
            "target",
            _("A revision waiting for review is approved or rejected, not patrolled."),
            "not_live",
        )
    with transaction.atomic():
        if not revision_mark_patrolled(revision=found.revision):
            raise Conflict(_("This revision is patrolled already."), code="no_change")
        return _log_on(actor, ActionKind.PATROL, found, reason, concerns_author=False)


def moderation_act(
    *,
    actor: Member,
    action: str,
    target: str,
    reason: str = "",
    duration_days: object = None,
    subwiki: str | None = None,
) -> ModerationAction:
    """Take one moderation action by name (the API's and the queue's one door to them)."""
    if action not in ACTIONS:
        raise _field_error(
            "action",
            _("Unknown action. Choose one of: %(actions)s.") % {"actions": ", ".join(ACTIONS)},
            "invalid_action",
        )
    if duration_days not in (None, "") and action not in TIMED:
        _clean_duration(action, duration_days)  # refuses it with a reason
    if subwiki and action not in {ActionKind.BAN, ActionKind.UNBAN}:
        raise _field_error(
            "subwiki", _("Only a ban or an unban names a subwiki."), "invalid_subwiki"
        )
    simple: dict[str, Callable[..., ModerationAction]] = {
        ActionKind.REMOVE: content_remove,
        ActionKind.RESTORE: content_restore,
        ActionKind.LOCK: post_lock,
        ActionKind.UNLOCK: post_unlock,
        ActionKind.SUSPEND: member_suspend,
        ActionKind.UNSUSPEND: member_unsuspend,
        ActionKind.DISMISS: report_dismiss,
        ActionKind.APPROVE_REVISION: revision_approve_logged,
        ActionKind.REJECT_REVISION: revision_reject_logged,
        ActionKind.ROLLBACK: edits_rollback,
        ActionKind.PATROL: revision_patrol,
    }
    if action == ActionKind.PROTECT:
        return post_protect_for(
            actor=actor, target=target, reason=reason, duration_days=duration_days
        )
    if action == ActionKind.BAN:
        return member_ban(
            actor=actor,
            target=target,
            reason=reason,
            subwiki=subwiki,
            duration_days=duration_days,
        )
    if action == ActionKind.UNBAN:
        return member_unban(actor=actor, target=target, reason=reason, subwiki=subwiki)
    return simple[action](actor=actor, target=target, reason=reason)


# --- Appeals --------------------------------------------------------------------------


def appeal_create(*, member: Member, action_id: int | str, text: str) -> Appeal:
    """The member an action concerns asks staff to reconsider it, once."""
    action = log_entry_get(viewer=member, action_id=action_id)
    if not can_appeal(member, action):
        if action.affected_id != member.pk:
            raise Forbidden(_("Only the member concerned may appeal this action."))
        raise ServiceError(
            _("This action took nothing from you: there is nothing to appeal."),
            code="not_appealable",
        )
    cleaned = _clean_text(text, field="text", limit=MAX_APPEAL, required=True)
    if Appeal.objects.filter(action=action).exists():
        raise _already_appealed()
    try:
        with transaction.atomic():
            return Appeal.objects.create(action=action, appellant=member, text=cleaned)
    except IntegrityError:  # two appeals sent at once
        raise _already_appealed() from None


def _already_appealed() -> Conflict:
    return Conflict(
        _("You appealed this action already: each action may be appealed once."),
        code="already_appealed",
    )


def appeal_decide(*, actor: Member, appeal_id: int | str, grant: bool, decision: str) -> Appeal:
    """Staff: grant an appeal (the action is undone where it can be) or deny it; logged."""
    if not can_decide_appeal(actor):
        raise Forbidden(_("Only staff decide appeals."))
    text = _clean_text(decision, field="decision", limit=MAX_REASON, required=True)
    with transaction.atomic():
        try:
            appeal = (
                Appeal.objects.select_for_update(of=("self",))
                .select_related("action", "appellant")
                .get(pk=int(appeal_id))
            )
        except (TypeError, ValueError, OverflowError, Appeal.DoesNotExist):
            raise NotFound from None
        if appeal.state != AppealState.PENDING:
            raise Conflict(_("This appeal has been decided already."), code="already_decided")
        undone = _undo(actor, appeal.action, text) if grant else False
        appeal.state = AppealState.GRANTED if grant else AppealState.DENIED
        appeal.decided_by = actor
        appeal.decided_at = timezone.now()
        appeal.decision = text
        appeal.save(update_fields=["state", "decided_by", "decided_at", "decision"])
        _log(
            actor=actor,
            action=ActionKind.APPEAL_DECIDED,
            key=appeal.action.target,
            affected=appeal.appellant,
            subwiki=appeal.action.subwiki,
            reason=text,
            details={
                **{k: v for k, v in appeal.action.details.items() if k != "reports"},
                "appeal": appeal.pk,
                "action": appeal.action.pk,
                "appealed": appeal.action.action,
                "granted": grant,
                "undone": undone,
            },
        )
    return appeal


def _undo(actor: Member, action: ModerationAction, reason: str) -> bool:
    """Undo a granted appeal's action where that can be done; whether it was.

    A removal is restored, a lock lifted, a protection ended, a ban lifted and a
    suspension ended; a rejected revision or a rollback is left to the members, who
    can edit again (the appeal's decision says so in the log).
    """
    try:
        target = target_from_key(viewer=actor, key=action.target)
    except (NotFound, ServiceError):
        return False
    try:
        with transaction.atomic():
            if action.action == ActionKind.REMOVE:
                _restore(actor, target)
            elif action.action == ActionKind.LOCK:
                post_set_locked(actor=actor, post_id=target.obj.pk, locked=False)
            elif action.action == ActionKind.PROTECT:
                post_unprotect(actor=actor, post_id=target.obj.pk)
            elif action.action == ActionKind.BAN and action.subwiki is not None:
                if _unban(actor, action.subwiki, _concerned(target), reason, notify=False) is None:
                    return False
            elif action.action == ActionKind.SUSPEND:
                if _unsuspend(actor, _concerned(target), reason, notify=False) is None:
                    return False
            else:
                return False
    except Conflict:
        return False  # undone meanwhile by other hands
    return True


# --- Telling the member concerned ------------------------------------------------------------


def _notify_action(action_id: int) -> None:
    """E-mail the member an action concerns: what, why, and how to appeal."""
    line = (
        ModerationAction.objects.select_related("affected", "subwiki").filter(pk=action_id).first()
    )
    if line is None or line.affected is None or not line.affected.email:
        return
    member = line.affected
    appeal_url = None
    if line.action == ActionKind.SUSPEND:
        # A suspended member cannot log in: their link needs none.
        token = appeal_link_token(line)
        appeal_url = settings.SITE_URL + reverse("moderation:appeal_link", args=[token])
    elif line.action in APPEALABLE:
        appeal_url = settings.SITE_URL + reverse("moderation:appeal", args=[line.pk])
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "member": member,
            "line": line,
            "action_label": ActionKind(line.action).label,
            "subwiki": line.subwiki,
            "title": line.details.get("title", ""),
            "appeal_url": appeal_url,
            "appeal_by_link": line.action == ActionKind.SUSPEND,
            "granted": line.details.get("granted"),
            "log_url": settings.SITE_URL + reverse("moderation:log"),
            "site_name": settings.SITE_NAME,
        }
        template = "appeal" if line.action == ActionKind.APPEAL_DECIDED else "action"
        subject = render_to_string(f"moderation/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"moderation/email/{template}_message.txt", context)
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body,
        None,
        [member.email],
        fail_silently=True,  # the action stands even when the mail server is down
    )
