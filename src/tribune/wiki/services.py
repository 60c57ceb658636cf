"""Saving, merging, reverting and reviewing revisions of a page.

These are the building blocks of posts' and subwikis' own services, which check
who may edit and keep their denormalised fields in step. Every function here
expects to run inside the transaction that locked the page (`page_lock`), so that
saves of one page are serialised: a row lock on PostgreSQL, and on SQLite the
IMMEDIATE transaction that holds the database's write lock from BEGIN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tribune.accounts.models import Member
from tribune.core.exceptions import Conflict, NotFound, ServiceError
from tribune.core.textmerge import ConflictRegion, FieldMerge, merge_fields
from tribune.wiki.models import Page, Revision, RevisionStatus, content_size


class EditConflict(Conflict):
    """Another edit landed since the base revision and the two overlap."""

    code = "edit_conflict"
    default_detail = gettext_lazy(
        "Someone else changed the same part while you were editing. Nothing was saved: "
        "compare the two versions, then save again."
    )

    def __init__(
        self,
        *,
        current: Revision,
        yours: dict[str, str],
        merges: dict[str, FieldMerge],
    ) -> None:
        super().__init__()
        self.current = current
        self.yours = yours
        self.merges = merges

    @property
    def conflicts(self) -> dict[str, list[ConflictRegion]]:
        return {name: m.conflicts for name, m in self.merges.items() if m.conflicts}


@dataclass(frozen=True)
class SaveResult:
    revision: Revision
    merged: bool
    changed: bool

    @property
    def pending(self) -> bool:
        return self.revision.status == RevisionStatus.PENDING


def page_lock(page_id: int) -> Page:
    """Lock a page for the rest of the transaction (call inside transaction.atomic)."""
    try:
        page = Page.objects.select_for_update().get(pk=page_id)
    except Page.DoesNotExist:
        raise NotFound from None
    # Read the head in a statement of its own, after the lock is held: on PostgreSQL a
    # join in the locking statement would see the row as of before the wait, and miss
    # a revision committed by the transaction we waited for.
    if page.current_revision_id is not None:
        page.current_revision = Revision.objects.filter(pk=page.current_revision_id).first()
    return page


def page_create(
    *,
    kind: str,
    subwiki_id: int | None,
    author: Member,
    content: Mapping[str, Any],
    summary: str,
) -> Page:
    """A new page with its first, live revision."""
    page = Page.objects.create(kind=kind, subwiki_id=subwiki_id)
    size = content_size(dict(content))
    revision = Revision.objects.create(
        page=page,
        subwiki_id=subwiki_id,
        author=author,
        summary=summary,
        content=dict(content),
        size=size,
        size_delta=size,
        status=RevisionStatus.LIVE,
    )
    page.current_revision = revision
    page.save(update_fields=["current_revision"])
    return page


def _new_revision(
    page: Page,
    *,
    parent: Revision,
    author: Member,
    content: dict[str, Any],
    summary: str,
    status: str,
    merged: bool = False,
    reverted_to: Revision | None = None,
) -> Revision:
    size = content_size(content)
    return Revision.objects.create(
        page=page,
        subwiki_id=page.subwiki_id,
        parent=parent,
        author=author,
        summary=summary,
        content=content,
        size=size,
        size_delta=size - parent.size,
        status=status,
        merged=merged,
        reverted_to=reverted_to,
    )


def _advance(page: Page, revision: Revision) -> None:
    page.current_revision = revision
    page.save(update_fields=["current_revision"])


def revision_for_page(
    page: Page, revision_id: int | str | None, *, field: str = "base_revision"
) -> Revision:
    """One of the page's revisions by id, or a ServiceError naming `field`."""
    try:
        return Revision.objects.get(page=page, pk=int(revision_id))  # type: ignore[arg-type]
    except (TypeError, ValueError, Revision.DoesNotExist):
        if field == "base_revision":
            detail = _("The revision you started from does not belong to this page.")
        else:
            detail = _("This revision does not belong to this page.")
        raise ServiceError(
            detail, code=f"invalid_{field}", errors={field: [_("Unknown revision.")]}
        ) from None


MAX_SUMMARY = 300  # Revision.summary's max_length: longer fails on PostgreSQL


def _check_summary(summary: str) -> None:
    if len(summary) > MAX_SUMMARY:
        raise ServiceError(
            _("The edit summary is too long."),
            errors={"summary": [_("Use at most %(n)d characters.") % {"n": MAX_SUMMARY}]},
        )


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def page_save(
    *,
    page: Page,
    author: Member,
    base_revision_id: int | str | None,
    changes: Mapping[str, str],
    summary: str,
    pending: bool,
    multiline: frozenset[str],
) -> SaveResult:
    """Save `changes` made from `base_revision_id` as a new revision.

    Call inside the transaction that locked `page`. If revisions landed since the
    base, the changes are merged into the current text (three-way); overlapping
    changes raise EditConflict and save nothing. A save that changes nothing makes
    no revision.
    """
    _check_summary(summary)
    head = page.current_revision
    assert head is not None, "a page always has a live revision"  # noqa: S101
    base = head if base_revision_id is None else revision_for_page(page, base_revision_id)
    if base.status != RevisionStatus.LIVE:
        base = base.parent or head
    # Browsers send CRLF in textareas, API clients whatever they like: store LF only,
    # so that line endings alone never make a revision or a conflict.
    yours = {
        name: normalise_newlines(value) if name in multiline else value
        for name, value in changes.items()
    }
    merged = base.pk != head.pk
    if merged:
        merges = merge_fields(base.content, head.content, yours, multiline=multiline)
        if any(not m.clean for m in merges.values()):
            raise EditConflict(current=head, yours=yours, merges=merges)
        content = {**head.content, **{name: m.text for name, m in merges.items()}}
    else:
        content = {**head.content, **yours}
    if content == head.content:
        return SaveResult(revision=head, merged=False, changed=False)
    status = RevisionStatus.PENDING if pending else RevisionStatus.LIVE
    revision = _new_revision(
        page,
        parent=head,
        author=author,
        content=content,
        summary=summary,
        status=status,
        merged=merged,
    )
    if pending:
        Page.objects.filter(pk=page.pk).update(pending_count=page.pending_count + 1)
        page.pending_count += 1
    else:
        _advance(page, revision)
    return SaveResult(revision=revision, merged=merged, changed=True)


def page_revert(*, page: Page, actor: Member, target: Revision, summary: str) -> SaveResult:
    """A new live revision with the content of `target` (call with the page locked)."""
    _check_summary(summary)
    head = page.current_revision
    assert head is not None  # noqa: S101
    if target.page_id != page.pk or target.status != RevisionStatus.LIVE:
        raise ServiceError(
            _("Only a live revision of this page can be restored."), code="invalid_revision"
        )
    if target.content == head.content:
        return SaveResult(revision=head, merged=False, changed=False)
    summary = summary or _("Reverted to revision %(id)s") % {"id": target.pk}
    revision = _new_revision(
        page,
        parent=head,
        author=actor,
        content=dict(target.content),
        summary=summary,
        status=RevisionStatus.LIVE,
        reverted_to=target,
    )
    _advance(page, revision)
    return SaveResult(revision=revision, merged=False, changed=True)


def page_rollback(*, page: Page, actor: Member, target_author: Member, summary: str) -> SaveResult:
    """Undo `target_author`'s consecutive latest live edits (call with the page locked)."""
    head = page.current_revision
    assert head is not None  # noqa: S101
    if head.author_id != target_author.pk:
        raise ServiceError(
            _("The latest edit is not by %(name)s: there is nothing to roll back.")
            % {"name": target_author.username},
            code="nothing_to_rollback",
        )
    restore: Revision | None = head
    count = 0
    while restore is not None and restore.author_id == target_author.pk:
        restore = restore.parent
        count += 1
    if restore is None:
        raise ServiceError(
            _("Every revision is by %(name)s: there is no earlier version to return to.")
            % {"name": target_author.username},
            code="nothing_to_rollback",
        )
    summary = summary or ngettext(
        "Rolled back %(count)d edit by %(name)s", "Rolled back %(count)d edits by %(name)s", count
    ) % {"count": count, "name": target_author.username}
    return page_revert(page=page, actor=actor, target=restore, summary=summary)


def pending_approve(
    *, page: Page, revision: Revision, actor: Member, multiline: frozenset[str]
) -> Revision:
    """Make a pending revision live, merged onto what landed since (page locked)."""
    if revision.page_id != page.pk or revision.status != RevisionStatus.PENDING:
        raise ServiceError(_("This revision is not waiting for review."), code="not_pending")
    head = page.current_revision
    assert head is not None  # noqa: S101
    base = revision.parent or head
    content = dict(revision.content)
    if base.pk != head.pk:
        merges = merge_fields(base.content, head.content, content, multiline=multiline)
        if any(not m.clean for m in merges.values()):
            raise EditConflict(current=head, yours=content, merges=merges)
        content = {**head.content, **{name: m.text for name, m in merges.items()}}
        revision.merged = True
    revision.content = content
    revision.parent = head
    revision.size = content_size(content)
    revision.size_delta = revision.size - head.size
    revision.status = RevisionStatus.LIVE
    revision.reviewed_by = actor
    revision.reviewed_at = timezone.now()
    revision.patrolled = True
    revision.save()
    _advance(page, revision)
    _pending_done(page)
    return revision


def pending_reject(*, page: Page, revision: Revision, actor: Member) -> Revision:
    """Refuse a pending revision; it stays in the history as rejected (page locked)."""
    if revision.page_id != page.pk or revision.status != RevisionStatus.PENDING:
        raise ServiceError(_("This revision is not waiting for review."), code="not_pending")
    revision.status = RevisionStatus.REJECTED
    revision.reviewed_by = actor
    revision.reviewed_at = timezone.now()
    revision.patrolled = True
    revision.save(update_fields=["status", "reviewed_by", "reviewed_at", "patrolled"])
    _pending_done(page)
    return revision


def revision_mark_patrolled(*, revision: Revision) -> bool:
    """Mark a live revision as checked by a patroller; False if it was already (or not live).

    The caller (moderation.services) checks who may patrol it.
    """
    return bool(
        Revision.objects.filter(pk=revision.pk, status=RevisionStatus.LIVE, patrolled=False).update(
            patrolled=True
        )
    )


def _pending_done(page: Page) -> None:
    count = Revision.objects.filter(page=page, status=RevisionStatus.PENDING).count()
    Page.objects.filter(pk=page.pk).update(pending_count=count)
    page.pending_count = count


def in_transaction() -> bool:
    return not transaction.get_autocommit()
