"""What the revision pages show, ready for their templates: history rows, folded diffs,
edit conflicts side by side, lists of changes, and what a member is told after a save.

Posts' and descriptions' pages (and the moderation queue's diffs) use the same pieces
and templates (wiki/_*.html), so they read alike and a fix lands in all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tribune.accounts.permissions import Viewer
from tribune.core.exceptions import Forbidden
from tribune.core.pagination import Page as ListPage
from tribune.core.textmerge import DiffLine, diff_text
from tribune.core.web import Done, RedirectTo, redirect_with_message, run_or_redirect, with_query
from tribune.wiki.models import PageKind, Revision
from tribune.wiki.owners import RevisionOwner, owner_of_page
from tribune.wiki.permissions import (
    can_restore_revision,
    can_review_revision,
    can_roll_back_to_before,
)
from tribune.wiki.selectors import page_revision
from tribune.wiki.services import EditConflict, SaveResult

FIELD_LABELS: dict[str, str | Promise] = {
    "title": gettext_lazy("Title"),
    "body": gettext_lazy("Text"),
    "url": gettext_lazy("Link"),
    "image_alt": gettext_lazy("Image description"),
    "description": gettext_lazy("Description"),
}
# Unchanged lines kept around each change in a diff; longer unchanged runs fold away.
DIFF_CONTEXT = 2


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
    page: ListPage[Revision], owner: RevisionOwner, *, first_page: bool
) -> list[HistoryRow]:
    """The rows of a history page; no queries beyond the page of revisions itself."""
    current_id = owner.current_revision_id
    diff_url = str(owner.url("diff"))
    rows = []
    for revision in page.items:
        is_current = revision.pk == current_id
        row = HistoryRow(
            revision=revision,
            is_current=is_current,
            view_url=str(owner.url("revision", revision.pk)),
            previous_diff_url=(
                with_query(diff_url, to=revision.pk) if revision.parent_id is not None else None
            ),
            current_diff_url=(
                None
                if is_current or current_id is None
                else with_query(diff_url, **{"from": revision.pk, "to": current_id})
            ),
            can_restore=can_restore_revision(owner, revision),
        )
        if can_review_revision(owner, revision):
            row.approve_url = owner.url("approve", revision.pk)
            row.reject_url = owner.url("reject", revision.pk)
        if can_roll_back_to_before(owner, revision) and revision.author is not None:
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


def change_rows(viewer: Viewer, revisions: Iterable[Revision]) -> list[ChangeRow]:
    """Rows for wiki/_changes_rows.html, from revisions read with their page's owner."""
    rows = []
    for revision in revisions:
        owner = owner_of_page(viewer, revision.page)
        rows.append(
            ChangeRow(
                revision=revision,
                title=owner.title,
                page_url=owner.obj.get_absolute_url(),
                diff_url=with_query(str(owner.url("diff")), to=revision.pk),
                history_url=str(owner.url("history")),
                is_description=owner.kind == PageKind.SUBWIKI,
            )
        )
    return rows
