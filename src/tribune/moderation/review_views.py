"""The review, rollback and removal buttons of the posts', descriptions' and talk's own
pages. Each calls the same service as the page's app would, written to the moderation
log (moderation.services.reviews), so that these live here, above the apps whose pages
show them; their addresses sit beside those pages' own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
View = Callable[..., HttpResponse]


@dataclass(frozen=True)
class ReviewViews:
    """The approve and reject buttons of one kind of page's pending revisions."""

    approve: View
    reject: View


def review_views(
    find: Callable[..., RevisionOwner],
    *,
    approve: Review,
    reject: Review,
    keys: Callable[[RevisionOwner], dict[str, Any]],
) -> ReviewViews:
    """The review buttons of the owners `find` fetches from an address's arguments:
    `approve` and `reject` (logged services) are called with `keys(owner)`."""

    @login_required
    @require_POST
    @shows_problems
    def approve_view(request: HttpRequest, revision_id: int, **key: Any) -> HttpResponse:
        """Approve a pending revision: it goes live, merged onto the edits made since."""
        member = member_of(request)
        owner = find(member, **key)
        return approve_or_redirect(
            request,
            partial(approve, actor=member, revision_id=revision_id, **keys(owner)),
            to=str(owner.url("revision", revision_id)),
            done=Done(_("The edit is approved: readers see it now."), to=owner.obj),
        )

    @login_required
    @require_POST
    @shows_problems
    def reject_view(request: HttpRequest, revision_id: int, **key: Any) -> HttpResponse:
        """Reject a pending revision; it stays in the history, marked rejected."""
        member = member_of(request)
        owner = find(member, **key)
        return run_or_redirect(
            request,
            partial(reject, actor=member, revision_id=revision_id, **keys(owner)),
            to=str(owner.url("revision", revision_id)),
            done=Done(
                _("The edit is rejected. It stays in the history."),
                to=str(owner.url("history")),
            ),
        )

    return ReviewViews(approve=approve_view, reject=reject_view)


post_reviews = review_views(
    PostRevisions.find,
    approve=post_revision_approve_logged,
    reject=post_revision_reject_logged,
    keys=lambda owner: {"post_id": owner.obj.pk},
)
description_reviews = review_views(
    DescriptionRevisions.find,
    approve=description_approve_logged,
    reject=description_reject_logged,
    keys=lambda owner: {"subwiki": owner.obj},
)


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
