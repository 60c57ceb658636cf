"""Revision pages of subwiki descriptions, and the pieces every revision page shares.

Posts' pages (posts/views.py) and descriptions' pages show histories, diffs, edit
conflicts and recent changes with the same helpers and templates (wiki/_*.html),
so the two read alike and a fix lands in both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial, wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer
from tribune.communities.models import Subwiki
from tribune.communities.permissions import EditDecision, can_review_description
from tribune.communities.selectors import (
    description_edit_decision,
    subwiki_get,
    subwiki_get_for_description_edit,
)
from tribune.communities.services import subwiki_description_edit, subwiki_description_revert
from tribune.core.exceptions import Forbidden, NotFound, RateLimited, ServiceError
from tribune.core.markdown import render_markdown
from tribune.core.pagination import Page as ListPage
from tribune.core.ratelimit import client_address, refused
from tribune.core.textmerge import DiffLine, diff_text
from tribune.core.web import Done, RedirectTo, is_htmx, redirect_with_message, run_or_redirect
from tribune.moderation.services import description_approve_logged, description_reject_logged
from tribune.posts.selectors import (
    mentioned_members,
    page_revision,
    page_revisions,
    recent_changes,
    revision_diff,
)
from tribune.wiki.forms import DescriptionEditForm, RevertForm
from tribune.wiki.models import PageKind, Revision, RevisionStatus
from tribune.wiki.services import EditConflict, SaveResult

V = TypeVar("V", bound=Callable[..., HttpResponse])

FIELD_LABELS: dict[str, str | Promise] = {
    "title": gettext_lazy("Title"),
    "body": gettext_lazy("Text"),
    "url": gettext_lazy("Link"),
    "image_alt": gettext_lazy("Image description"),
    "description": gettext_lazy("Description"),
}
DESCRIPTION_FIELDS = ("description",)
# Unchanged lines kept around each change in a diff; longer unchanged runs fold away.
DIFF_CONTEXT = 2
# The longest text the preview renders: the longest a post's body may be.
MAX_PREVIEW = 100_000

# --- Requests, answers and refusals ---------------------------------------------------


def viewer_of(request: HttpRequest) -> Viewer:
    return request.user


def member_of(request: HttpRequest) -> Member:
    return request.user  # type: ignore[return-value]  # behind login_required


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    fragment: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page, or its fragment for htmx; caches must keep the two apart."""
    use_fragment = fragment is not None and is_htmx(request)
    response = render(request, fragment if use_fragment else template, context, status=status)  # type: ignore[arg-type]
    if fragment is not None:
        patch_vary_headers(response, ["HX-Request"])
    return response


def problem(request: HttpRequest, error: ServiceError) -> HttpResponse:
    """A page that says why a request was refused (403) or could not be carried out (4xx)."""
    titles = {
        403: _("You may not do this"),
        409: _("This conflicts with another change"),
        429: _("Please slow down"),
    }
    context = {
        "title": titles.get(error.status, _("This cannot be done")),
        "message": str(error.detail),
    }
    response = render(request, "wiki/problem.html", context, status=error.status)
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


def shows_problems(view: V) -> V:
    """Answer a refused request with a page that says why; NotFound stays a plain 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            # Private things are not confirmed: the same 404 as for what does not exist.
            raise
        except ServiceError as error:
            return problem(request, error)

    return cast(V, wrapped)


def markdown_html(viewer: Viewer, text: str) -> SafeString:
    """Member-written Markdown with @mentions linked to the members who exist (one query)."""
    if "@" not in text:
        return render_markdown(text)
    # A first pass collects the names the renderer would link (outside code and links).
    names: list[str] = []

    def collect(name: str) -> None:
        names.append(name)

    render_markdown(text, mention_url=collect)
    known = mentioned_members(viewer=viewer, usernames=names)

    def profile_url(name: str) -> str | None:
        username = known.get(name)
        return reverse("accounts:profile", args=[username]) if username else None

    return render_markdown(text, mention_url=profile_url)


def with_query(url: str, **params: Any) -> str:
    """`url` with the given query parameters (those that are None left out)."""
    kept = {key: value for key, value in params.items() if value is not None}
    return f"{url}?{urlencode(kept)}" if kept else url


# --- Histories ----------------------------------------------------------------------------


@dataclass
class HistoryRow:
    """One line of a history, with the links and buttons the viewer gets on it."""

    revision: Revision
    is_current: bool
    view_url: str
    previous_diff_url: str | None
    current_diff_url: str | None
    check_from: bool = False
    check_to: bool = False
    can_restore: bool = False
    approve_url: str | None = None
    reject_url: str | None = None
    rollback_username: str | None = None


def history_rows(
    page: ListPage[Revision],
    *,
    current_id: int | None,
    diff_url: str,
    view_url: Callable[[Revision], str],
    first_page: bool,
    can_restore: bool,
    review_urls: Callable[[Revision], tuple[str, str]] | None = None,
    can_rollback: bool = False,
    viewer_id: int | None = None,
) -> list[HistoryRow]:
    """The rows of a history page; no queries beyond the page of revisions itself."""
    rows = []
    for revision in page.items:
        is_current = revision.pk == current_id
        row = HistoryRow(
            revision=revision,
            is_current=is_current,
            view_url=view_url(revision),
            previous_diff_url=(
                with_query(diff_url, to=revision.pk) if revision.parent_id is not None else None
            ),
            current_diff_url=(
                None
                if is_current or current_id is None
                else with_query(diff_url, **{"from": revision.pk, "to": current_id})
            ),
            can_restore=(can_restore and not is_current and revision.status == RevisionStatus.LIVE),
        )
        if review_urls is not None and revision.status == RevisionStatus.PENDING:
            row.approve_url, row.reject_url = review_urls(revision)
        if (
            can_rollback
            and is_current
            and revision.parent_id is not None
            and revision.author is not None
            # Rolling back one's own edit is a revert: the history offers that already.
            and revision.author_id != viewer_id
        ):
            row.rollback_username = revision.author.username
        rows.append(row)
    if first_page and rows:
        # Ready to compare the latest change: the two newest revisions are picked.
        rows[0].check_to = True
        if len(rows) > 1:
            rows[1].check_from = True
    return rows


# --- Diffs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffBlock:
    """Consecutive diff lines, either shown or folded away as unchanged."""

    lines: list[DiffLine]
    folded: bool


@dataclass(frozen=True)
class FieldDiff:
    name: str
    label: str | Promise
    blocks: list[DiffBlock]


def fold_unchanged(lines: list[DiffLine], *, context: int = DIFF_CONTEXT) -> list[DiffBlock]:
    """Show changed lines with a little context; fold long unchanged runs."""
    changed = [i for i, line in enumerate(lines) if line.op != "equal"]
    shown: set[int] = set()
    for i in changed:
        shown.update(range(i - context, i + context + 1))
    blocks: list[DiffBlock] = []
    run: list[DiffLine] = []
    run_shown = True
    for i, line in enumerate(lines):
        is_shown = i in shown
        if run and is_shown != run_shown:
            blocks.append(DiffBlock(run, folded=not run_shown and len(run) > context))
            run = []
        run_shown = is_shown
        run.append(line)
    if run:
        blocks.append(DiffBlock(run, folded=not run_shown and len(run) > context))
    return blocks


def field_diffs(fields: dict[str, list[DiffLine]]) -> list[FieldDiff]:
    """The changed fields of a diff, in the order given, ready for wiki/_diff.html."""
    return [
        FieldDiff(name=name, label=FIELD_LABELS.get(name, name), blocks=fold_unchanged(lines))
        for name, lines in fields.items()
        if any(line.op != "equal" for line in lines)
    ]


def diff_pair(
    *, page_id: int, current_id: int | None, from_id: str | None, to_id: str | None
) -> tuple[Revision, Revision]:
    """The two revisions a diff page compares, older first.

    Without `to`, the current revision; without `from`, the revision `to` was made
    from, or an empty one when `to` is the first (the diff then shows it all added).
    """
    new = page_revision(page_id=page_id, revision_id=to_id or current_id or "")
    if from_id:
        old = page_revision(page_id=page_id, revision_id=from_id)
    elif new.parent_id is not None:
        old = page_revision(page_id=page_id, revision_id=new.parent_id)
    else:
        old = Revision(page_id=page_id, content={})
    if old.pk is not None and old.pk > new.pk:
        old, new = new, old
    return old, new


# --- Edit conflicts -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictRegionView:
    base: str
    current: str
    yours: str
    blocks: list[DiffBlock]


@dataclass(frozen=True)
class ConflictField:
    name: str
    label: str | Promise
    current_text: str
    multiline: bool
    regions: list[ConflictRegionView] = field(default_factory=list)


def conflict_fields(conflict: EditConflict, *, multiline: Iterable[str]) -> list[ConflictField]:
    """What the conflict page shows per field: the text saved meanwhile and the clashes."""
    multiline = set(multiline)
    return [
        ConflictField(
            name=name,
            label=FIELD_LABELS.get(name, name),
            current_text=str(conflict.current.field(name)),
            multiline=name in multiline,
            regions=[
                ConflictRegionView(
                    base=region.base,
                    current=region.current,
                    yours=region.yours,
                    # Struck through: only in the text saved meanwhile; underlined: only in yours.
                    blocks=[
                        DiffBlock(
                            # The regions' final line end would show as one more empty line.
                            diff_text(region.current.rstrip("\n"), region.yours.rstrip("\n")),
                            folded=False,
                        )
                    ],
                )
                for region in regions
            ],
        )
        for name, regions in conflict.conflicts.items()
    ]


def saved_message(*, changed: bool, pending: bool, merged: bool) -> str:
    """What a member is told after saving an edit."""
    if not changed:
        return _("Nothing changed, so nothing was saved.")
    if pending:
        return _(
            "Your edit waits for review: readers will see it once a trusted member approves it."
        )
    if merged:
        return _("Your edit is saved, merged with the edits made while you were writing.")
    return _("Your edit is saved.")


def restore_done(
    result: SaveResult, message: str, *, unchanged: str | None = None, to: RedirectTo | None = None
) -> Done:
    """What a member is told after a revert or a rollback: `message`, or that nothing changed."""
    if result.changed:
        return Done(message, to=to)
    if unchanged is None:
        unchanged = _("That version is the same as the current one: nothing changed.")
    return Done(unchanged, to=to, level=messages.INFO)


def approve_or_redirect(
    request: HttpRequest, approve: Callable[[], object], *, to: RedirectTo, done: Done
) -> HttpResponse:
    """Approve a pending revision through `approve`; one that overlaps later edits is refused."""
    try:
        return run_or_redirect(
            request, approve, to=to, done=done, reraise=(Forbidden, EditConflict)
        )
    except EditConflict:
        message = _(
            "This edit overlaps changes made since it was written, so it cannot be approved "
            "as it is. Reject it, or make the change yourself."
        )
        return redirect_with_message(request, to, message, level=messages.ERROR)


# --- Recent changes -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    """One line of recent changes or contributions: a revision and where it belongs."""

    revision: Revision
    title: str
    page_url: str
    diff_url: str
    history_url: str
    is_description: bool


def change_rows(revisions: Iterable[Revision]) -> list[ChangeRow]:
    """Rows for wiki/_changes_rows.html, from revisions with their page's owner selected."""
    rows = []
    for revision in revisions:
        page = revision.page
        if page.kind == PageKind.SUBWIKI:
            subwiki: Subwiki = page.subwiki_owner
            rows.append(
                ChangeRow(
                    revision=revision,
                    title=_("Description of %(name)s") % {"name": subwiki.name},
                    page_url=subwiki.get_absolute_url(),
                    diff_url=with_query(
                        reverse("wiki:description_diff", args=[subwiki.slug]), to=revision.pk
                    ),
                    history_url=reverse("wiki:description_history", args=[subwiki.slug]),
                    is_description=True,
                )
            )
        else:
            post = page.post
            rows.append(
                ChangeRow(
                    revision=revision,
                    title=post.title,
                    page_url=post.get_absolute_url(),
                    diff_url=with_query(reverse("posts:diff", args=[post.pk]), to=revision.pk),
                    history_url=reverse("posts:history", args=[post.pk]),
                    is_description=False,
                )
            )
    return rows


def changes_context(
    page: ListPage[Revision], *, base_url: str, cursor: str | None
) -> dict[str, Any]:
    """Context of a list of changes with its "load more" link."""
    return {
        "rows": change_rows(page.items),
        "next_url": with_query(base_url, cursor=page.next_cursor) if page.next_cursor else None,
        "is_first_page": cursor is None,
        "base_url": base_url,
    }


# --- Subwiki descriptions -----------------------------------------------------------------


def _description_urls(subwiki: Subwiki) -> dict[str, str]:
    return {
        "edit_url": reverse("wiki:description_edit", args=[subwiki.slug]),
        "history_url": reverse("wiki:description_history", args=[subwiki.slug]),
        "diff_url": reverse("wiki:description_diff", args=[subwiki.slug]),
        "revert_url": reverse("wiki:description_revert", args=[subwiki.slug]),
        "changes_url": reverse("wiki:subwiki_changes", args=[subwiki.slug]),
    }


@login_required
@require_http_methods(["GET", "POST"])
@shows_problems
def description_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit a subwiki's description; a conflict shows both versions and keeps the text."""
    member = member_of(request)
    subwiki, decision = subwiki_get_for_description_edit(viewer=member, slug=slug)
    context: dict[str, Any] = {
        "subwiki": subwiki,
        "pending_notice": decision is EditDecision.PENDING,
        **_description_urls(subwiki),
    }
    status = 200
    refusal: ServiceError | None = None
    if request.method == "GET":
        form = DescriptionEditForm(
            initial={
                "description": subwiki.description,
                "base_revision": subwiki.page.current_revision_id,
            }
        )
    else:
        form = DescriptionEditForm(request.POST)
        if "preview" in request.POST:
            context["preview_html"] = markdown_html(member, request.POST.get("description", ""))
        elif form.is_valid():
            try:
                result = subwiki_description_edit(
                    actor=member,
                    subwiki=subwiki,
                    description=form.cleaned_data["description"],
                    base_revision=form.cleaned_data["base_revision"],
                    summary=form.cleaned_data["summary"],
                    address=client_address(request),
                )
            except EditConflict as conflict:
                form = DescriptionEditForm(form.with_base(conflict.current.pk))
                context["conflict"] = conflict_fields(conflict, multiline=DESCRIPTION_FIELDS)
                context["conflict_diff_url"] = with_query(
                    context["diff_url"],
                    **{"from": request.POST.get("base_revision"), "to": conflict.current.pk},
                )
                status = 409
            except Forbidden:
                raise
            except ServiceError as error:
                form.add_service_error(error)
                refusal = error
            else:
                messages.success(
                    request,
                    saved_message(
                        changed=result.changed, pending=result.pending, merged=result.merged
                    ),
                )
                return redirect(subwiki)
    context["form"] = form
    response = render(request, "wiki/description_edit.html", context, status=status)
    return refused(request, response, refusal)


@require_safe
@shows_problems
def description_history(request: HttpRequest, slug: str) -> HttpResponse:
    """Every revision of a subwiki's description, newest first, to compare and restore."""
    viewer = viewer_of(request)
    subwiki = subwiki_get(viewer=viewer, slug=slug)
    cursor = request.GET.get("cursor") or None
    page = page_revisions(page_id=subwiki.page_id, cursor=cursor)
    urls = _description_urls(subwiki)

    def review_urls(revision: Revision) -> tuple[str, str]:
        return (
            reverse("wiki:description_approve", args=[subwiki.slug, revision.pk]),
            reverse("wiki:description_reject", args=[subwiki.slug, revision.pk]),
        )

    rows = history_rows(
        page,
        current_id=subwiki.page.current_revision_id,
        diff_url=urls["diff_url"],
        view_url=lambda revision: with_query(urls["diff_url"], to=revision.pk),
        first_page=cursor is None,
        can_restore=description_edit_decision(viewer, subwiki) is EditDecision.LIVE,
        review_urls=review_urls if can_review_description(viewer, subwiki) else None,
    )
    context = {
        "subwiki": subwiki,
        "rows": rows,
        "compare_url": urls["diff_url"],
        "next_url": (
            with_query(urls["history_url"], cursor=page.next_cursor) if page.next_cursor else None
        ),
        "is_first_page": cursor is None,
        **urls,
    }
    return render_page(
        request,
        "wiki/description_history.html",
        context,
        fragment="wiki/_history_rows.html",
    )


@require_safe
@shows_problems
def description_diff(request: HttpRequest, slug: str) -> HttpResponse:
    """The change between two revisions of a subwiki's description."""
    viewer = viewer_of(request)
    subwiki = subwiki_get(viewer=viewer, slug=slug)
    old, new = diff_pair(
        page_id=subwiki.page_id,
        current_id=subwiki.page.current_revision_id,
        from_id=request.GET.get("from"),
        to_id=request.GET.get("to"),
    )
    diff = revision_diff(old=old, new=new, fields=DESCRIPTION_FIELDS)
    urls = _description_urls(subwiki)
    can_restore = description_edit_decision(viewer, subwiki) is EditDecision.LIVE
    context = {
        "subwiki": subwiki,
        "old": old,
        "new": new,
        "fields": field_diffs(diff.fields),
        "current_id": subwiki.page.current_revision_id,
        "can_restore": can_restore,
        **urls,
    }
    return render(request, "wiki/description_diff.html", context)


@login_required
@require_POST
@shows_problems
def description_revert(request: HttpRequest, slug: str) -> HttpResponse:
    """Restore an earlier description, as a new revision."""
    member = member_of(request)
    subwiki = subwiki_get(viewer=member, slug=slug)
    history_url = reverse("wiki:description_history", args=[subwiki.slug])
    form = RevertForm(request.POST)
    if not form.is_valid():
        return redirect_with_message(
            request, history_url, _("Choose a revision to restore."), level=messages.ERROR
        )
    revert = partial(
        subwiki_description_revert,
        actor=member,
        subwiki=subwiki,
        revision_id=form.cleaned_data["revision"],
        summary=form.cleaned_data["summary"],
        address=client_address(request),
    )
    restored = _("The earlier description is restored.")
    # A rate limit, like a refusal, is a page that says why (shows_problems).
    return run_or_redirect(
        request,
        revert,
        to=history_url,
        done=lambda result: restore_done(result, restored, to=subwiki),
        reraise=(Forbidden, RateLimited),
    )


@login_required
@require_POST
@shows_problems
def description_approve(request: HttpRequest, slug: str, revision_id: int) -> HttpResponse:
    """Approve a pending description edit: it goes live, merged onto the edits made since."""
    member = member_of(request)
    subwiki = subwiki_get(viewer=member, slug=slug)
    return approve_or_redirect(
        request,
        partial(description_approve_logged, actor=member, subwiki=subwiki, revision_id=revision_id),
        to=reverse("wiki:description_history", args=[subwiki.slug]),
        done=Done(_("The edit is approved and now live.")),
    )


@login_required
@require_POST
@shows_problems
def description_reject(request: HttpRequest, slug: str, revision_id: int) -> HttpResponse:
    """Reject a pending description edit; it stays in the history, marked rejected."""
    member = member_of(request)
    subwiki = subwiki_get(viewer=member, slug=slug)
    return run_or_redirect(
        request,
        partial(description_reject_logged, actor=member, subwiki=subwiki, revision_id=revision_id),
        to=reverse("wiki:description_history", args=[subwiki.slug]),
        done=Done(_("The edit is rejected. It stays in the history.")),
    )


@require_safe
@shows_problems
def subwiki_changes(request: HttpRequest, slug: str) -> HttpResponse:
    """Recent changes to the posts and description of one subwiki, newest first."""
    viewer = viewer_of(request)
    subwiki = subwiki_get(viewer=viewer, slug=slug)
    cursor = request.GET.get("cursor") or None
    page = recent_changes(viewer=viewer, subwiki=subwiki, cursor=cursor)
    base_url = reverse("wiki:subwiki_changes", args=[subwiki.slug])
    context = {
        "subwiki": subwiki,
        "hide_subwiki": True,
        **changes_context(page, base_url=base_url, cursor=cursor),
    }
    return render_page(
        request, "wiki/subwiki_changes.html", context, fragment="wiki/_changes_rows.html"
    )
