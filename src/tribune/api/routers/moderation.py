"""Reports, the moderation queue, moderation actions, the public log and appeals.

The endpoints are thin: moderation's services and selectors hold every rule (who may
report what, who may act where, what the log shows to whom, who may appeal).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any, Literal, Protocol, TypeVar

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer
from tribune.api.auth import admitted_auth, optional_auth
from tribune.api.helpers import member_of, viewer_of
from tribune.api.routers.posts import diff_line_out
from tribune.api.schemas import (
    ERRORS,
    ERRORS_AND_CONFLICT,
    AuthorOut,
    DiffLineOut,
    InSchema,
    ListOut,
    ListParams,
    path_text,
)
from tribune.communities.models import Subwiki
from tribune.communities.selectors import subwiki_get
from tribune.core.ratelimit import client_address
from tribune.moderation.models import Appeal, ModerationAction, Report
from tribune.moderation.selectors.appeals import appeal_of
from tribune.moderation.selectors.log import log_entries
from tribune.moderation.selectors.queue import QueueItem, moderation_queue
from tribune.moderation.services.actions import moderation_act
from tribune.moderation.services.appeals import appeal_create
from tribune.moderation.services.log import (
    ACTIONS,
    MAX_APPEAL,
    MAX_DETAILS,
    MAX_DURATION_DAYS,
    MAX_REASON,
)
from tribune.moderation.services.reports import report_create
from tribune.moderation.targets import display_target

router = Router(tags=["moderation"])

PageT = TypeVar("PageT", covariant=True)

RETRY_AFTER: dict[str, Any] = {
    "responses": {
        429: {
            "headers": {
                "Retry-After": {
                    "description": "Seconds until another report may be sent.",
                    "schema": {"type": "integer"},
                }
            }
        }
    }
}

ReasonName = Literal["spam", "misleading", "abuse", "vandalism", "other"]
ActionName = Literal[
    "remove",
    "restore",
    "lock",
    "unlock",
    "protect",
    "ban",
    "unban",
    "suspend",
    "unsuspend",
    "dismiss",
    "approve_revision",
    "reject_revision",
    "rollback",
    "patrol",
]
# The log names the actions above, and the decision on an appeal.
LoggedActionName = Literal[ActionName, "appeal_decided"]
TARGET_HELP = (
    '"post:ID", "comment:ID", "revision:ID", "member:USERNAME", or (addition) "note:ID" '
    "for a community note."
)


class SubwikiSelector(Protocol[PageT]):
    """A selector of a list that `?subwiki=` narrows: the log's, the queue's."""

    def __call__(
        self,
        *,
        viewer: Viewer,
        subwiki: Subwiki | None,
        cursor: str | None,
        limit: str | None,
    ) -> PageT: ...


def subwiki_page(
    viewer: Viewer, params: LogParams | QueueParams, select: SubwikiSelector[PageT]
) -> PageT:
    """The page of a list that the viewer asks for, in the subwiki `?subwiki=` names if any
    (404 if they may not read it)."""
    slug = params.subwiki
    subwiki = subwiki_get(viewer=viewer, slug=path_text(slug)) if slug else None
    return select(viewer=viewer, subwiki=subwiki, cursor=params.cursor, limit=params.limit)


def author_out(member: Member | None) -> AuthorOut | None:
    if member is None:
        return None
    return AuthorOut(id=str(member.pk), username=member.username, name=member.name)


# --- Reports --------------------------------------------------------------------------


class ReportIn(InSchema):
    target: str = Field(description=f"What is reported: {TARGET_HELP}", max_length=64)
    reason: ReasonName
    details: str = Field(
        "", description="What moderators should know.", json_schema_extra={"maxLength": MAX_DETAILS}
    )


class ReportOut(Schema):
    id: str
    target: str
    reason: ReasonName
    details: str
    state: Literal["open", "upheld", "dismissed"] = Field(
        description="`upheld` once a moderator acted on it, `dismissed` if they did not."
    )
    created_at: dt.datetime


def report_out(report: Report, target: str) -> ReportOut:
    return ReportOut(
        id=str(report.pk),
        target=target,
        reason=report.reason,  # type: ignore[arg-type]  # ReportReason values
        details=report.details,
        state=report.state,  # type: ignore[arg-type]  # ReportState values
        created_at=report.created_at,
    )


@router.post(
    "/reports",
    response={201: ReportOut, **ERRORS_AND_CONFLICT},
    auth=admitted_auth,
    openapi_extra=RETRY_AFTER,
    description=(
        "Flag a post, comment, revision or member (addition: or a community note, "
        '`"note:ID"`) for the moderators of the subwiki it belongs to (a note: its '
        "post's; staff for members and for what lives outside subwikis). What you may "
        "not see is `404`. One open report per member and target: a second answers `409` "
        "with code `already_reported`. Reporting yourself answers `400` "
        "(`cannot_report_self`); too many reports, `429` with `Retry-After`."
    ),
)
def create_report(request: HttpRequest, payload: ReportIn) -> Status[ReportOut]:
    """Report something to moderators."""
    report = report_create(
        reporter=member_of(request),
        target=payload.target,
        reason=payload.reason,
        details=payload.details,
        address=client_address(request),
    )
    return Status(201, report_out(report, payload.target.strip()))


# --- The moderation log ---------------------------------------------------------------


class AppealStateOut(Schema):
    state: Literal["pending", "granted", "denied"]
    decided_at: dt.datetime | None


class ActionOut(Schema):
    id: str
    action: LoggedActionName
    target: str = Field(description=f"What it was taken on: {TARGET_HELP}")
    title: str | None = Field(description="The title of the post concerned, if any.")
    subwiki: str | None = Field(description="The subwiki's slug, or null.")
    actor: AuthorOut | None = Field(description="The moderator; null if their account is gone.")
    member: AuthorOut | None = Field(description="The member concerned, who may appeal.")
    reason: str
    expires_at: dt.datetime | None = Field(description="When a ban or a protection ends.")
    created_at: dt.datetime
    appeal: AppealStateOut | None = Field(description="The appeal against it, if any.")


def action_out(line: ModerationAction) -> ActionOut:
    appeal = appeal_of(line)
    return ActionOut(
        id=str(line.pk),
        action=line.action,  # type: ignore[arg-type]  # ActionKind values
        target=display_target(line.target, line.affected),
        title=line.details.get("title") or None,
        subwiki=line.subwiki.slug if line.subwiki is not None else None,
        actor=author_out(line.actor),
        member=author_out(line.affected),
        reason=line.reason,
        expires_at=line.expires_at,
        created_at=line.created_at,
        appeal=(
            AppealStateOut(state=appeal.state, decided_at=appeal.decided_at)  # type: ignore[arg-type]
            if appeal is not None
            else None
        ),
    )


class LogParams(ListParams):
    subwiki: str | None = Field(None, description="Only this subwiki's entries (its slug).")
    action: LoggedActionName | None = Field(None, description="Only this kind of action.")


@router.get(
    "/moderation/log",
    response={200: ListOut[ActionOut], **ERRORS},
    auth=optional_auth,
    description=(
        "Every moderation action, newest first, with who took it, on what, why and when: "
        "public like the site. Entries about a private subwiki are for its members and "
        "staff only; an unknown or private `subwiki` is `404`."
    ),
)
def moderation_log(request: HttpRequest, params: Query[LogParams]) -> ListOut[ActionOut]:
    """The public moderation log."""
    page = subwiki_page(viewer_of(request), params, partial(log_entries, action=params.action))
    return ListOut[ActionOut].from_page(page, action_out)


# --- Actions --------------------------------------------------------------------------


class ActionIn(InSchema):
    action: ActionName
    target: str = Field(description=f"What to act on: {TARGET_HELP}", max_length=64)
    reason: str = Field(
        "",
        description="Why: shown in the public log and to the member concerned. Required "
        "but for `approve_revision` and `patrol`.",
        json_schema_extra={"maxLength": MAX_REASON},
    )
    duration_days: int | None = Field(
        None,
        description="`ban` and `protect` only: how many days until it ends (else until lifted).",
        json_schema_extra={"minimum": 1, "maximum": MAX_DURATION_DAYS},
    )
    subwiki: str | None = Field(
        None,
        description=(
            "`ban` and `unban` only: the subwiki's slug (else the subwiki of the target)."
        ),
    )


ACTIONS_DESCRIPTION = f"""Take a moderation action; it is written to the public log
and the member concerned is told. Actions and what they apply to:

- `remove` / `restore` a post (it answers `404` to all but moderators), a comment (a
  tombstone stays in the talk) or, as an addition, a community note (`"note:ID"`: it
  leaves its post, the API and the scoring; its post's moderators still see its page);
- `lock` / `unlock` a post (nobody edits or comments), `protect` it (only moderators
  edit; `duration_days` to end it);
- `ban` / `unban` a member (or the author of what is named) from a subwiki, with
  `subwiki` and `duration_days`; `suspend` / `unsuspend` an account (staff);
- `dismiss` the open reports about a target;
- `approve_revision` / `reject_revision` a pending revision, `patrol` a live one
  (trusted members: level 2 and up, moderators, staff);
- `rollback` a member's consecutive latest edits of a post (a revision's author's, or
  the latest edit's author's when a post is named).

Who may: a subwiki's owners and moderators, site moderators (public subwikis, profile
posts), staff (everything). `403` otherwise; what you may not see is `404`; a state
that is already so (removing what is removed) `409` with code `no_change`; an approval
that overlaps later edits `409` with code `edit_conflict`. Actions: {", ".join(ACTIONS)}."""


@router.post(
    "/moderation/actions",
    response={201: ActionOut, **ERRORS_AND_CONFLICT},
    auth=admitted_auth,
    description=ACTIONS_DESCRIPTION,
)
def take_action(request: HttpRequest, payload: ActionIn) -> Status[ActionOut]:
    """Take a moderation action."""
    line = moderation_act(
        actor=member_of(request),
        action=payload.action,
        target=payload.target,
        reason=payload.reason,
        duration_days=payload.duration_days,
        subwiki=payload.subwiki,
    )
    return Status(201, action_out(line))


# --- Appeals --------------------------------------------------------------------------


class AppealIn(InSchema):
    text: str = Field(
        description="Why the action should be reconsidered.",
        json_schema_extra={"maxLength": MAX_APPEAL},
    )


class AppealOut(Schema):
    id: str
    action: str = Field(description="The id of the action appealed.")
    state: Literal["pending", "granted", "denied"]
    text: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decision: str = Field(description="Staff's answer, once decided.")


def appeal_out(appeal: Appeal) -> AppealOut:
    return AppealOut(
        id=str(appeal.pk),
        action=str(appeal.action_id),
        state=appeal.state,  # type: ignore[arg-type]  # AppealState values
        text=appeal.text,
        created_at=appeal.created_at,
        decided_at=appeal.decided_at,
        decision=appeal.decision,
    )


@router.post(
    "/moderation/actions/{action_id}/appeal",
    response={201: AppealOut, **ERRORS_AND_CONFLICT},
    auth=admitted_auth,
    description=(
        "The member an action took something from (a removal, lock, protection, ban, "
        "suspension, rejected revision or rollback) asks staff to reconsider it, once: a "
        "second appeal answers `409` with code `already_appealed`. Anyone else gets `403`; "
        "an action that took nothing away, `400` with code `not_appealable`."
    ),
)
def appeal(request: HttpRequest, action_id: str, payload: AppealIn) -> Status[AppealOut]:
    """Appeal a moderation action."""
    made = appeal_create(member=member_of(request), action_id=action_id, text=payload.text)
    return Status(201, appeal_out(made))


# --- The queue ------------------------------------------------------------------------


class QueueReportOut(Schema):
    reason: ReasonName
    details: str
    reporter: AuthorOut
    created_at: dt.datetime


class QueueReportsOut(Schema):
    count: int = Field(description="Open reports about the target.")
    reasons: dict[str, int] = Field(description="How many give each reason.")
    latest: list[QueueReportOut] = Field(description="The latest few, newest first.")


class QueueRevisionOut(Schema):
    id: str
    author: AuthorOut | None
    created_at: dt.datetime
    summary: str
    size_delta: int
    status: Literal["live", "pending", "rejected"]


class QueueItemOut(Schema):
    kind: Literal["report", "pending", "unpatrolled"] = Field(
        description=(
            "`report`: open reports about one target; `pending`: a revision waiting for "
            "review (`approve_revision` / `reject_revision`); `unpatrolled`: a recent live "
            "change nobody has checked (`patrol`, or `rollback`)."
        )
    )
    target: str = Field(description=f"What to act on: {TARGET_HELP}")
    title: str = Field(description="The post's title, the subwiki's or the member's name.")
    subwiki: str | None
    member: AuthorOut | None = Field(description="Whose content it is (or who).")
    created_at: dt.datetime = Field(description="The latest report, or the revision's time.")
    reports: QueueReportsOut | None = None
    revision: QueueRevisionOut | None = None
    diff: dict[str, list[DiffLineOut]] | None = Field(
        None, description="`pending`: what the revision changes, field by field."
    )
    actions: list[ActionName] = Field(
        description="Addition: the actions you may take on it, for `POST /moderation/actions`."
    )


def queue_item_out(item: QueueItem) -> QueueItemOut:
    reports = None
    member: Member | None = None
    revision = None
    title = item.title
    if item.report is not None:
        group = item.report
        member = group.member
        title = group.title
        reports = QueueReportsOut(
            count=group.count,
            reasons=dict(group.reasons),
            latest=[
                QueueReportOut(
                    reason=r.reason,  # type: ignore[arg-type]  # ReportReason values
                    details=r.details,
                    reporter=AuthorOut(
                        id=str(r.reporter.pk), username=r.reporter.username, name=r.reporter.name
                    ),
                    created_at=r.created_at,
                )
                for r in group.reports
            ],
        )
    if item.revision is not None:
        member = item.revision.author
        revision = QueueRevisionOut(
            id=str(item.revision.pk),
            author=author_out(item.revision.author),
            created_at=item.revision.created_at,
            summary=item.revision.summary,
            size_delta=item.revision.size_delta,
            status=item.revision.status,  # type: ignore[arg-type]  # RevisionStatus values
        )
    return QueueItemOut(
        kind=item.kind,
        target=item.target,
        title=title,
        subwiki=item.subwiki.slug if item.subwiki is not None else None,
        member=author_out(member),
        created_at=item.at,
        reports=reports,
        revision=revision,
        actions=item.actions,  # type: ignore[arg-type]  # ActionKind values
        diff=(
            {name: [diff_line_out(line) for line in lines] for name, lines in item.diff.items()}
            if item.diff is not None
            else None
        ),
    )


class QueueParams(ListParams):
    subwiki: str | None = Field(None, description="Only this subwiki's queue (its slug).")


@router.get(
    "/moderation/queue",
    response={200: ListOut[QueueItemOut], **ERRORS},
    auth=admitted_auth,
    description=(
        "What the caller may act on, newest first: open reports grouped by target (with "
        "their count and reasons), revisions waiting for review (with the diff) and recent "
        "changes nobody has patrolled. For a subwiki's owners and moderators, site "
        "moderators, staff, and trusted members (level 2 and up: pending and unpatrolled "
        "edits only); anyone else gets `403`."
    ),
)
def queue(request: HttpRequest, params: Query[QueueParams]) -> ListOut[QueueItemOut]:
    """The caller's moderation queue."""
    page = subwiki_page(member_of(request), params, moderation_queue)
    return ListOut[QueueItemOut](
        items=[queue_item_out(item) for item in page.items], next_cursor=page.next_cursor
    )
