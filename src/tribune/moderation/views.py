"""Moderation pages: report something, the queue and its buttons, the public log, appeals.

Thin views: they parse a form, call one of moderation's services or selectors, and
render. Every page works without JavaScript; htmx only continues lists in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tribune.accounts.models import Member
from tribune.accounts.web import member_of, viewer_of
from tribune.communities.models import Subwiki
from tribune.communities.selectors import subwiki_get
from tribune.core.exceptions import Forbidden, NotFound, ServiceError
from tribune.core.ratelimit import client_address
from tribune.core.web import (
    Submitted,
    form_submit,
    refused,
    render_page,
    safe_next,
    shows_problems,
    with_query,
)
from tribune.moderation.forms import ActionForm, AppealForm, DecisionForm, ReportForm
from tribune.moderation.models import ActionKind, Appeal, ModerationAction, ReportReason
from tribune.moderation.permissions import (
    APPEALABLE,
    can_appeal,
    can_decide_appeal,
    can_read_log,
    can_report,
    can_view_queue,
)
from tribune.moderation.selectors.appeals import appeal_link_get, appeal_of, appeals_pending
from tribune.moderation.selectors.log import log_entries, log_entry_get, target_url
from tribune.moderation.selectors.queue import QueueItem, moderation_queue
from tribune.moderation.services.actions import moderation_act
from tribune.moderation.services.appeals import appeal_create, appeal_decide
from tribune.moderation.services.log import REASON_OPTIONAL, TIMED
from tribune.moderation.services.reports import report_create
from tribune.moderation.targets import Target, display_target, target_get
from tribune.notes.models import CommunityNote
from tribune.posts.models import Post
from tribune.talk.models import Comment
from tribune.wiki.models import PageKind, Revision
from tribune.wiki.presentation import FieldDiff, field_diffs

# What each button of the queue says.
BUTTONS: dict[str, str | Promise] = {
    ActionKind.REMOVE: gettext_lazy("Remove"),
    ActionKind.RESTORE: gettext_lazy("Restore"),
    ActionKind.LOCK: gettext_lazy("Lock"),
    ActionKind.UNLOCK: gettext_lazy("Unlock"),
    ActionKind.PROTECT: gettext_lazy("Protect"),
    ActionKind.BAN: gettext_lazy("Ban the member from this subwiki"),
    ActionKind.UNBAN: gettext_lazy("Lift the ban"),
    ActionKind.SUSPEND: gettext_lazy("Suspend the account"),
    ActionKind.UNSUSPEND: gettext_lazy("Lift the suspension"),
    ActionKind.DISMISS: gettext_lazy("Dismiss the reports"),
    ActionKind.APPROVE_REVISION: gettext_lazy("Approve"),
    ActionKind.REJECT_REVISION: gettext_lazy("Reject"),
    ActionKind.ROLLBACK: gettext_lazy("Roll back their edits"),
    ActionKind.PATROL: gettext_lazy("Mark patrolled"),
}
# Buttons that take something away are drawn as dangerous: the actions one may appeal.
DANGEROUS = APPEALABLE
QUEUE_PAGE = 20
LOG_PAGE = 50


def _subwiki_asked(request: HttpRequest) -> Subwiki | None:
    """The subwiki `?subwiki=` names, if the viewer may read it (404 otherwise)."""
    slug = request.GET.get("subwiki") or None
    if slug is None:
        return None
    if "\x00" in slug:  # no slug holds one, and PostgreSQL refuses it in a query
        raise NotFound
    return subwiki_get(viewer=viewer_of(request), slug=slug)


# --- Reporting ----------------------------------------------------------------------------


def _describe_target(target: Target) -> tuple[str, str | None]:
    """What a report page says it is about, and where that is."""
    obj = target.obj
    if isinstance(obj, Post):
        return _("the post “%(title)s”") % {"title": obj.title}, obj.get_absolute_url()
    if isinstance(obj, Comment):
        return (
            _("a comment by %(name)s on “%(title)s”")
            % {"name": obj.author.name, "title": obj.post.title},
            obj.post.get_absolute_url() + f"#comment-{obj.pk}",
        )
    if isinstance(obj, CommunityNote):
        return (
            _("a community note by %(name)s on “%(title)s”")
            % {"name": obj.author.name, "title": obj.post.title},
            reverse("notes:note", args=[obj.pk]),
        )
    if isinstance(obj, Revision):
        name = obj.author.name if obj.author else _("a former member")
        if obj.page.kind == PageKind.POST:
            post: Post = obj.page.post
            return (
                _("an edit by %(name)s of “%(title)s”") % {"name": name, "title": post.title},
                reverse("posts:revision", args=[post.pk, obj.pk]),
            )
        subwiki: Subwiki = obj.page.subwiki_owner
        return (
            _("an edit by %(name)s of the description of %(subwiki)s")
            % {"name": name, "subwiki": subwiki.name},
            with_query(reverse("communities:description_diff", args=[subwiki.slug]), to=obj.pk),
        )
    return _("the member %(name)s (@%(username)s)") % {
        "name": obj.name,
        "username": obj.username,
    }, obj.get_absolute_url()


@login_required
@require_http_methods(["GET", "POST"])
@shows_problems
def report(request: HttpRequest) -> HttpResponse:
    """Report a post, comment, revision or member to the moderators."""
    member = member_of(request)
    source = request.POST if request.method == "POST" else request.GET
    target = target_get(viewer=member, target=source.get("target", ""))
    if not can_report(member, target):
        if target.kind == "member" and target.obj.pk == member.pk:
            raise Forbidden(_("You cannot report yourself."))
        raise Forbidden(_("Only admitted members can report."))
    about, back_url = _describe_target(target)
    form = ReportForm(
        request.POST if request.method == "POST" else None, initial={"target": target.name}
    )
    # Refusals (a rate limit, a report sent already) come back in the form.
    submitted = form_submit(
        request,
        form,
        lambda data: report_create(
            reporter=member,
            target=target.name,
            reason=data["reason"],
            details=data["details"],
            address=client_address(request),
        ),
    )
    if submitted.result is not None:
        messages.success(
            request, _("Thank you: your report is with the moderators, who will look at it.")
        )
        return redirect(back_url or "home")
    context = {"form": form, "about": about, "back_url": back_url}
    response = render(request, "moderation/report.html", context, status=submitted.status)
    return refused(request, response, submitted.error)


# --- The queue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    action: str
    label: str | Promise
    dangerous: bool
    reason_optional: bool


KIND_LABELS: dict[str, str | Promise] = {
    "report": gettext_lazy("Reported"),
    "pending": gettext_lazy("Waits for review"),
    "unpatrolled": gettext_lazy("Not patrolled"),
}
TARGET_LABELS: dict[str, str | Promise] = {
    "post": gettext_lazy("A post"),
    "comment": gettext_lazy("A comment"),
    "revision": gettext_lazy("An edit"),
    "note": gettext_lazy("A community note"),
    "member": gettext_lazy("A member"),
}


@dataclass
class QueueRow:
    """One item of the queue page, with its diff ready and its buttons."""

    item: QueueItem
    number: int
    diff: list[FieldDiff]
    buttons: list[Button]
    timed: bool
    kind_label: str | Promise
    target_label: str | Promise
    title: str
    url: str | None
    reasons: list[tuple[str | Promise, int]]


def _queue_row(item: QueueItem, number: int) -> QueueRow:
    group = item.report
    return QueueRow(
        item=item,
        number=number,
        diff=field_diffs(item.diff) if item.diff else [],
        buttons=[
            Button(action, BUTTONS[action], action in DANGEROUS, action in REASON_OPTIONAL)
            for action in item.actions
        ],
        timed=any(action in TIMED for action in item.actions),
        kind_label=KIND_LABELS[item.kind],
        target_label=TARGET_LABELS[group.kind if group is not None else "revision"],
        title=group.title if group is not None else item.title,
        url=group.url if group is not None else item.url,
        reasons=(
            [(ReportReason(reason).label, count) for reason, count in group.reasons]
            if group is not None
            else []
        ),
    )


def _queue_rows(items: list[QueueItem], start: int) -> list[QueueRow]:
    return [_queue_row(item, start + i) for i, item in enumerate(items)]


@login_required
@require_safe
@shows_problems
def queue(request: HttpRequest) -> HttpResponse:
    """What the viewer may act on: reports, edits waiting for review, unpatrolled changes."""
    member = member_of(request)
    subwiki = _subwiki_asked(request)
    slug = subwiki.slug if subwiki is not None else None
    cursor = request.GET.get("cursor") or None
    page = moderation_queue(viewer=member, subwiki=subwiki, cursor=cursor, limit=QUEUE_PAGE)
    here = with_query(reverse("moderation:queue"), subwiki=slug)
    context: dict[str, Any] = {
        "subwiki": subwiki,
        "rows": _queue_rows(page.items, start=1),
        "next_url": with_query(here, cursor=page.next_cursor) if page.next_cursor else None,
        "is_first_page": cursor is None,
        "base_url": here,
        "here": request.get_full_path(),
    }
    return render(request, "moderation/queue.html", context)


@login_required
@require_POST
@shows_problems
def act(request: HttpRequest) -> HttpResponse:
    """Take one moderation action from the queue's buttons; back to where it was taken."""
    member = member_of(request)
    form = ActionForm(request.POST)
    submitted = form_submit(
        request,
        form,
        lambda data: moderation_act(
            actor=member,
            action=data["action"],
            target=data["target"],
            reason=data["reason"],
            duration_days=data["duration_days"],
            subwiki=data["subwiki"] or None,
        ),
    )
    line = submitted.result
    if line is not None:
        messages.success(
            request,
            _("Done: “%(action)s” is in the moderation log.")
            % {"action": ActionKind(line.action).label},
        )
        next_url = form.cleaned_data["next"]
        return redirect(safe_next(request, next_url, reverse("moderation:queue")))
    action = request.POST.get("action", "")
    context = {
        "form": form,
        "action_label": BUTTONS.get(action, action),
        "target": request.POST.get("target", ""),
        "timed": action in TIMED,
        "back_url": safe_next(request, request.POST.get("next", ""), reverse("moderation:queue")),
    }
    return render(request, "moderation/act.html", context, status=submitted.status)


# --- The log ------------------------------------------------------------------------------


@dataclass
class LogRow:
    """A line of the log as its page shows it."""

    line: ModerationAction
    target: str
    url: str | None
    appeal: Appeal | None
    can_appeal: bool


def _log_rows(viewer: Any, lines: list[ModerationAction]) -> list[LogRow]:
    rows = []
    for line in lines:
        appeal = appeal_of(line)
        rows.append(
            LogRow(
                line=line,
                target=display_target(line.target, line.affected),
                url=target_url(line.target, line.details, line.affected),
                appeal=appeal,
                can_appeal=appeal is None and can_appeal(viewer, line),
            )
        )
    return rows


@require_safe
@shows_problems
def log(request: HttpRequest) -> HttpResponse:
    """The public moderation log, newest first; one subwiki's or one action's if asked."""
    viewer = viewer_of(request)
    if not can_read_log(viewer):
        return redirect_to_login(request.get_full_path())
    subwiki = _subwiki_asked(request)
    slug = subwiki.slug if subwiki is not None else None
    action = request.GET.get("action") or None
    if action not in ActionKind.values:
        action = None
    cursor = request.GET.get("cursor") or None
    page = log_entries(viewer=viewer, subwiki=subwiki, action=action, cursor=cursor, limit=LOG_PAGE)
    here = with_query(reverse("moderation:log"), subwiki=slug, action=action)
    queue_url = None
    if can_view_queue(viewer, subwiki):
        queue_url = with_query(reverse("moderation:queue"), subwiki=slug)
    context: dict[str, Any] = {
        "subwiki": subwiki,
        "queue_url": queue_url,
        "action": action,
        "actions": ActionKind.choices,
        "rows": _log_rows(viewer, page.items),
        "next_url": with_query(here, cursor=page.next_cursor) if page.next_cursor else None,
        "is_first_page": cursor is None,
        "base_url": here,
    }
    return render_page(
        request, "moderation/log.html", context, fragment="moderation/_log_rows.html"
    )


# --- Appeals ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@shows_problems
def appeal(request: HttpRequest, action_id: int) -> HttpResponse:
    """The member an action concerns asks staff to reconsider it (once); its state after."""
    member = member_of(request)
    line = log_entry_get(viewer=member, action_id=action_id)
    return _appeal_page(request, line, member, here=reverse("moderation:appeal", args=[line.pk]))


@require_http_methods(["GET", "POST"])
@shows_problems
def appeal_link(request: HttpRequest, token: str) -> HttpResponse:
    """Appeal an action from the link in its e-mail, without logging in (a suspended
    member cannot log in); the appeal's state after."""
    line, member = appeal_link_get(token=token)
    here = reverse("moderation:appeal_link", args=[token])
    return _appeal_page(request, line, member, here=here, by_link=True)


def _appeal_page(
    request: HttpRequest,
    line: ModerationAction,
    member: Member,
    *,
    here: str,
    by_link: bool = False,
) -> HttpResponse:
    """The appeal form of an action for the member it concerns, or the appeal's state."""
    made = appeal_of(line)
    if made is None and not can_appeal(member, line):
        raise Forbidden(_("Only the member an action took something from may appeal it."))
    posted = request.method == "POST"
    form = AppealForm(request.POST if posted and made is None else None)
    if posted and made is not None:
        again = _("You appealed this action already: each action may be appealed once.")
        if not by_link:
            raise ServiceError(again, code="already_appealed")
        # Reached without logging in: the appeal's own page answers, and says so.
        messages.error(request, again)
        submitted: Submitted[Appeal] = Submitted(None, 409)
    else:
        submitted = form_submit(
            request,
            form,
            lambda data: appeal_create(member=member, action_id=line.pk, text=data["text"]),
        )
    if submitted.result is not None:
        messages.success(request, _("Your appeal is with staff. You will hear from them."))
        return redirect(here)
    row = _log_rows(member, [line])[0]
    if by_link:
        row.can_appeal = False  # its link asks to log in: this page is the way to appeal
    context = {"row": row, "appeal": made, "form": form, "form_url": here, "by_link": by_link}
    return render(request, "moderation/appeal.html", context, status=submitted.status)


@dataclass
class AppealRow:
    appeal: Appeal
    row: LogRow
    form: DecisionForm


def _appeals_page(
    request: HttpRequest, *, bound: DecisionForm | None = None, status: int = 200
) -> HttpResponse:
    member = member_of(request)
    cursor = request.GET.get("cursor") or None
    page = appeals_pending(viewer=member, cursor=cursor, limit=LOG_PAGE)
    base = reverse("moderation:appeals")
    rows = []
    for item in page.items:
        prefix = f"appeal-{item.pk}"
        form = (
            bound if bound is not None and bound.prefix == prefix else DecisionForm(prefix=prefix)
        )
        rows.append(AppealRow(appeal=item, row=_log_rows(member, [item.action])[0], form=form))
    context = {
        "rows": rows,
        "next_url": with_query(base, cursor=page.next_cursor) if page.next_cursor else None,
        "is_first_page": cursor is None,
        "base_url": base,
    }
    return render(request, "moderation/appeals.html", context, status=status)


@login_required
@require_safe
@shows_problems
def appeals(request: HttpRequest) -> HttpResponse:
    """Staff: the appeals waiting for a decision, newest first, each with its form."""
    if not can_decide_appeal(member_of(request)):
        raise Forbidden(_("Only staff decide appeals."))
    return _appeals_page(request)


@login_required
@require_POST
@shows_problems
def decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    """Staff: grant or deny one appeal; back to the list."""
    member = member_of(request)
    if not can_decide_appeal(member):
        raise Forbidden(_("Only staff decide appeals."))
    form = DecisionForm(request.POST, prefix=f"appeal-{appeal_id}")
    if not form.is_valid():
        return _appeals_page(request, bound=form, status=400)
    decided = appeal_decide(
        actor=member,
        appeal_id=appeal_id,
        grant=form.cleaned_data["grant"] == "yes",
        decision=form.cleaned_data["decision"],
    )
    messages.success(
        request,
        _("The appeal is granted.") if decided.state == "granted" else _("The appeal is denied."),
    )
    return redirect("moderation:appeals")
