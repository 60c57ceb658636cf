"""The review, rollback and removal buttons of the posts', descriptions' and talk's own
pages. Each calls the same service as the page's app would, written to the moderation
log (moderation.services.reviews), so that these live here, above the apps whose pages
show them; their addresses sit beside those pages' own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tribune.accounts.web import member_of
from tribune.communities.descriptions import DescriptionRevisions
from tribune.core.web import Done, redirect_with_message, run_or_redirect, shows_problems
from tribune.moderation.services.reviews import (
    comment_remove_logged,
    description_approve_logged,
    description_reject_logged,
    post_revision_approve_logged,
    post_revision_reject_logged,
    post_rollback_logged,
)
from tribune.posts.revisions import PostRevisions
from tribune.talk.views import retire_comment
from tribune.wiki.forms import RollbackForm
from tribune.wiki.owners import RevisionOwner
from tribune.wiki.presentation import approve_or_redirect, restore_done

Review = Callable[..., Any]


def _approve(
    request: HttpRequest, owner: RevisionOwner, approve: Review, revision_id: int
) -> HttpResponse:
    return approve_or_redirect(
        request,
        partial(approve, revision_id=revision_id),
        to=str(owner.url("revision", revision_id)),
        done=Done(_("The edit is approved: readers see it now."), to=owner.obj),
    )


def _reject(
    request: HttpRequest, owner: RevisionOwner, reject: Review, revision_id: int
) -> HttpResponse:
    return run_or_redirect(
        request,
        partial(reject, revision_id=revision_id),
        to=str(owner.url("revision", revision_id)),
        done=Done(
            _("The edit is rejected. It stays in the history."), to=str(owner.url("history"))
        ),
    )


@login_required
@require_POST
@shows_problems
def post_approve(request: HttpRequest, post_id: int, revision_id: int) -> HttpResponse:
    """Approve a pending revision of a post: it goes live, merged onto the edits made since."""
    member = member_of(request)
    owner = PostRevisions.find(member, post_id=post_id)
    approve = partial(post_revision_approve_logged, actor=member, post_id=owner.obj.pk)
    return _approve(request, owner, approve, revision_id)


@login_required
@require_POST
@shows_problems
def post_reject(request: HttpRequest, post_id: int, revision_id: int) -> HttpResponse:
    """Reject a pending revision of a post; it stays in the history, marked rejected."""
    member = member_of(request)
    owner = PostRevisions.find(member, post_id=post_id)
    reject = partial(post_revision_reject_logged, actor=member, post_id=owner.obj.pk)
    return _reject(request, owner, reject, revision_id)


@login_required
@require_POST
@shows_problems
def description_approve(request: HttpRequest, slug: str, revision_id: int) -> HttpResponse:
    """Approve a pending description edit: it goes live, merged onto the edits made since."""
    member = member_of(request)
    owner = DescriptionRevisions.find(member, slug=slug)
    approve = partial(description_approve_logged, actor=member, subwiki=owner.obj)
    return _approve(request, owner, approve, revision_id)


@login_required
@require_POST
@shows_problems
def description_reject(request: HttpRequest, slug: str, revision_id: int) -> HttpResponse:
    """Reject a pending description edit; it stays in the history, marked rejected."""
    member = member_of(request)
    owner = DescriptionRevisions.find(member, slug=slug)
    reject = partial(description_reject_logged, actor=member, subwiki=owner.obj)
    return _reject(request, owner, reject, revision_id)


@login_required
@require_POST
@shows_problems
def post_rollback(request: HttpRequest, post_id: int) -> HttpResponse:
    """Undo one member's consecutive latest edits of a post (its moderators)."""
    member = member_of(request)
    owner = PostRevisions.find(member, post_id=post_id)
    history_url = str(owner.url("history"))
    form = RollbackForm(request.POST)
    if not form.is_valid():
        return redirect_with_message(
            request, history_url, _("Say whose edits to roll back."), level=messages.ERROR
        )
    username = form.cleaned_data["username"]
    rollback = partial(
        post_rollback_logged,
        actor=member,
        post_id=owner.obj.pk,
        username=username,
        summary=form.cleaned_data["summary"],
    )
    rolled_back = _("The edits by %(name)s are rolled back.") % {"name": username}
    unchanged = _("The post already reads as it did before those edits.")
    return run_or_redirect(
        request,
        rollback,
        to=history_url,
        done=lambda outcome: restore_done(outcome[1], rolled_back, unchanged=unchanged),
    )


@login_required
@require_POST
@shows_problems
def comment_remove(request: HttpRequest, post_id: int, comment_id: int) -> HttpResponse:
    """Moderators: remove a comment; "[removed by a moderator]" stays in its place."""
    return retire_comment(
        request, post_id, comment_id, comment_remove_logged, message=_("The comment is removed.")
    )
