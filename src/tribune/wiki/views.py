"""The revision pages of every page owner: history, diff, one revision, and restoring one.

One set of views and templates serves posts and subwiki descriptions alike: each app
binds them to its owner (wiki.owners) with `revision_views`, and its urls.py gives
them their addresses. Approving, rejecting and rolling back are moderation's pages
(moderation.review_views): they write the moderation log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from tribune.accounts.permissions import Viewer
from tribune.accounts.web import markdown_html, member_of, viewer_of
from tribune.core.exceptions import Forbidden, RateLimited
from tribune.core.ratelimit import client_address
from tribune.core.web import (
    redirect_with_message,
    render_page,
    requested_page,
    run_or_redirect,
    shows_problems,
    with_query,
)
from tribune.wiki.forms import RevertForm
from tribune.wiki.owners import RevisionOwner
from tribune.wiki.permissions import can_restore_revision, can_review_revision
from tribune.wiki.presentation import diff_pair, field_diffs, history_rows, restore_done
from tribune.wiki.selectors import page_revision, page_revisions, revision_diff

View = Callable[..., HttpResponse]
# `find(viewer, **the address's arguments)`: the owner, or NotFound for what the viewer
# may not see.
OwnerFinder = Callable[..., RevisionOwner]


def history_page(request: HttpRequest, owner: RevisionOwner) -> HttpResponse:
    """Every revision, newest first: compare any two, restore, review, roll back."""
    requested = requested_page(request, partial(page_revisions, page_id=owner.page.pk))
    urls = owner.urls()
    context = {
        "owner": owner,
        "rows": history_rows(requested.page, owner, first_page=requested.is_first),
        "compare_url": urls["diff_url"],
        "next_url": requested.next_url(str(urls["history_url"])),
        "is_first_page": requested.is_first,
        **urls,
    }
    return render_page(
        request,
        "wiki/history.html",
        context,
        fragment="wiki/_history_rows.html",
        status=requested.status,
    )


def diff_page(request: HttpRequest, owner: RevisionOwner) -> HttpResponse:
    """The change between two revisions, word by word."""
    old, new = diff_pair(
        page_id=owner.page.pk,
        current_id=owner.current_revision_id,
        from_id=request.GET.get("from"),
        to_id=request.GET.get("to"),
    )
    diff = revision_diff(old=old, new=new, fields=owner.fields)
    context = {
        "owner": owner,
        "old": old,
        "old_url": owner.url("revision", old.pk) if old.pk else None,
        "new": new,
        "new_url": owner.url("revision", new.pk),
        "fields": field_diffs(diff.fields),
        "current_id": owner.current_revision_id,
        "can_restore": can_restore_revision(owner, old) if old.pk else False,
        **owner.urls(),
    }
    return render(request, "wiki/diff.html", context)


def revision_page(request: HttpRequest, owner: RevisionOwner, revision_id: int) -> HttpResponse:
    """One revision as it read then, with restore and review buttons."""
    shown = page_revision(page_id=owner.page.pk, revision_id=revision_id)
    current_id = owner.current_revision_id
    is_current = shown.pk == current_id
    diff_url = str(owner.url("diff"))
    context = {
        "owner": owner,
        "revision": shown,
        "revision_title": owner.revision_title(shown),
        "content": shown.content,
        "body_html": markdown_html(owner.viewer, str(shown.field(owner.markdown_field))),
        "is_current": is_current,
        "can_restore": can_restore_revision(owner, shown),
        "can_review": can_review_revision(owner, shown),
        "approve_url": owner.url("approve", shown.pk),
        "reject_url": owner.url("reject", shown.pk),
        "previous_diff_url": (
            with_query(diff_url, to=shown.pk) if shown.parent_id is not None else None
        ),
        "current_diff_url": (
            None if is_current else with_query(diff_url, **{"from": shown.pk, "to": current_id})
        ),
        **owner.urls(),
    }
    return render(request, "wiki/revision.html", context)


def revert_page(request: HttpRequest, owner: RevisionOwner) -> HttpResponse:
    """Restore an earlier revision, as a new revision."""
    history_url = str(owner.url("history"))
    form = RevertForm(request.POST)
    if not form.is_valid():
        return redirect_with_message(
            request, history_url, _("Choose a revision to restore."), level=messages.ERROR
        )
    revision_id = form.cleaned_data["revision"]

    def revert() -> Any:
        return owner.revert(
            revision_id=revision_id,
            summary=form.cleaned_data["summary"],
            address=client_address(request),
        )

    restored = owner.restored_message(revision_id)
    # A rate limit, like a refusal, is a page that says why (shows_problems).
    return run_or_redirect(
        request,
        revert,
        to=history_url,
        done=lambda result: restore_done(result, restored, to=owner.obj),
        reraise=(Forbidden, RateLimited),
    )


@dataclass(frozen=True)
class RevisionViews:
    """The revision pages of one kind of owner, ready for its urls.py."""

    history: View
    diff: View
    revision: View
    revert: View


def revision_views(find: OwnerFinder) -> RevisionViews:
    """The revision pages of the owners `find` fetches from an address's arguments."""

    def owner(request: HttpRequest, key: dict[str, Any]) -> RevisionOwner:
        viewer: Viewer = viewer_of(request)
        return find(viewer, **key)

    @require_safe
    @shows_problems
    def history(request: HttpRequest, **key: Any) -> HttpResponse:
        return history_page(request, owner(request, key))

    @require_safe
    @shows_problems
    def diff(request: HttpRequest, **key: Any) -> HttpResponse:
        return diff_page(request, owner(request, key))

    @require_safe
    @shows_problems
    def revision(request: HttpRequest, revision_id: int, **key: Any) -> HttpResponse:
        return revision_page(request, owner(request, key), revision_id)

    @login_required
    @require_POST
    @shows_problems
    def revert(request: HttpRequest, **key: Any) -> HttpResponse:
        return revert_page(request, find(member_of(request), **key))

    return RevisionViews(history=history, diff=diff, revision=revision, revert=revert)
