"""Reads of one page's revisions: its history, one revision, what waits for review, diffs.

A page's revisions are as visible as the page's owner: callers fetch the owner first
(posts.selectors.post_get, communities.selectors.subwiki_get), which applies the
visibility rule, then read its page here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from tribune.core.exceptions import NotFound, ServiceError
from tribune.core.pagination import Page as ListPage
from tribune.core.pagination import paginate_keyset
from tribune.core.textmerge import DiffLine, diff_text
from tribune.wiki.models import Revision, RevisionStatus


def page_revisions(
    *, page_id: int, cursor: str | None = None, limit: int | str | None = None
) -> ListPage[Revision]:
    """A page's history, newest first (pending and rejected revisions included).

    The caller has fetched the page's owner through post_get or subwiki_get, which
    apply the visibility rule: a page's revisions are as visible as its owner.
    """
    queryset = Revision.objects.filter(page_id=page_id).select_related("author").defer("content")
    return paginate_keyset(queryset, cursor=cursor, limit=limit)


def page_revision(*, page_id: int, revision_id: int | str) -> Revision:
    """One revision of a page, with its content; NotFound if it is not one of the page's."""
    try:
        return Revision.objects.select_related("author").get(page_id=page_id, pk=int(revision_id))
    except (TypeError, ValueError, OverflowError, Revision.DoesNotExist):
        raise NotFound from None


def page_pending_revisions(*, page_id: int, limit: int = 50) -> list[Revision]:
    """The revisions of a page that wait for review, oldest first (the review order)."""
    return list(
        Revision.objects.filter(page_id=page_id, status=RevisionStatus.PENDING)
        .select_related("author")
        .defer("content")
        .order_by("created_at", "id")[:limit]
    )


@dataclass(frozen=True)
class RevisionDiff:
    old: Revision
    new: Revision
    fields: dict[str, list[DiffLine]]

    @property
    def changed_fields(self) -> dict[str, list[DiffLine]]:
        return {k: v for k, v in self.fields.items() if any(line.op != "equal" for line in v)}


def revision_diff(*, old: Revision, new: Revision, fields: tuple[str, ...]) -> RevisionDiff:
    """Line and word diff of each field between two revisions of the same page."""
    if old.page_id != new.page_id:
        raise ServiceError(_("The two revisions belong to different pages."), code="invalid_diff")
    return RevisionDiff(
        old=old,
        new=new,
        fields={name: diff_text(str(old.field(name)), str(new.field(name))) for name in fields},
    )
