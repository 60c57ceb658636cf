"""Post pages and their revision pages: thin views that parse, call a service or a
selector, and render. The pieces they share with subwiki descriptions (histories,
diffs, conflicts, recent changes) are in wiki/views.py."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tribune.accounts.selectors import member_get_profile
from tribune.communities.models import Subwiki
from tribune.communities.permissions import EditDecision
from tribune.communities.selectors import subwikis_for_posting
from tribune.core.exceptions import Forbidden, RateLimited, ServiceError
from tribune.core.ratelimit import client_address, refused
from tribune.core.web import Done, is_htmx, redirect_with_message, run_or_redirect
from tribune.moderation.services import (
    post_revision_approve_logged,
    post_revision_reject_logged,
    post_rollback_logged,
)
from tribune.posts.forms import PostCreateForm, PostEditForm, policy_choices
from tribune.posts.models import EDITABLE_FIELDS, MULTILINE_FIELDS, Post, PostKind
from tribune.posts.permissions import (
    can_change_edit_policy,
    can_create_post,
    can_revert,
    can_review_revisions,
    can_rollback,
    post_edit_decision,
)
from tribune.posts.reactions import post_viewer_state
from tribune.posts.selectors import (
    member_contributions,
    page_pending_revisions,
    post_get,
    post_get_for_edit,
    post_revision,
    post_revisions,
    recent_changes,
    revision_diff,
)
from tribune.posts.services import post_create, post_edit, post_revert
from tribune.talk.selectors import post_talk
from tribune.wiki.forms import RevertForm, RollbackForm
from tribune.wiki.models import Revision, RevisionStatus
from tribune.wiki.services import EditConflict
from tribune.wiki.views import (
    MAX_PREVIEW,
    approve_or_redirect,
    changes_context,
    conflict_fields,
    diff_pair,
    field_diffs,
    history_rows,
    markdown_html,
    member_of,
    render_page,
    restore_done,
    saved_message,
    shows_problems,
    viewer_of,
    with_query,
)

# --- Reading and writing posts ------------------------------------------------------------


def _post_context(request: HttpRequest, post: Post) -> dict[str, Any]:
    """What the post's page (and its htmx fragment) shows, and which buttons the viewer gets."""
    viewer = viewer_of(request)
    decision = post_edit_decision(viewer, post)
    can_review = can_review_revisions(viewer, post)
    viewer_state = post_viewer_state(viewer, post)
    return {
        "post": post,
        "upvoted": viewer_state.upvoted,
        "follows_author": viewer_state.follows_author,
        "body_html": markdown_html(viewer, post.body),
        "can_edit": decision is not EditDecision.DENIED,
        "edit_is_suggestion": decision is EditDecision.PENDING,
        "can_review": can_review,
        "pending_revisions": (
            page_pending_revisions(page_id=post.page_id)
            if can_review and post.page.pending_count
            else []
        ),
    }


@require_safe
@shows_problems
def detail(request: HttpRequest, post_id: int) -> HttpResponse:
    """A post: its content by kind, who wrote it, when it changed, what may be done, its talk."""
    viewer = viewer_of(request)
    post = post_get(viewer=viewer, post_id=post_id)
    context = _post_context(request, post)
    if not is_htmx(request):
        # The talk is on the page only, not in the fragment htmx swaps after an edit.
        context["talk"] = post_talk(
            viewer=viewer, post=post, cursor=request.GET.get("comments") or None
        )
    return render_page(request, "posts/detail.html", context, fragment="posts/_post.html")


def _chosen_kind(value: str | None) -> str:
    return value if value in PostKind.values else PostKind.ARTICLE


@login_required
@require_http_methods(["GET", "POST"])
@shows_problems
def create(request: HttpRequest) -> HttpResponse:
    """The form that publishes a post of one kind, in a subwiki or on one's profile."""
    member = member_of(request)
    if not can_create_post(member, None):
        raise Forbidden(_("Only admitted members can post."))
    source = request.POST if request.method == "POST" else request.GET
    kind = _chosen_kind(source.get("kind"))
    slug = source.get("subwiki", "")
    subwikis = subwikis_for_posting(viewer=member, include_slug=slug)
    chosen: Subwiki | None = next((s for s in subwikis if s.slug == slug), None)
    form = PostCreateForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        kind=kind,
        subwikis=subwikis,
        policies=policy_choices(chosen),
        initial={"kind": kind, "subwiki": chosen.slug if chosen else ""},
    )
    context: dict[str, Any] = {
        "form": form,
        "kind": kind,
        "kinds": [
            (value, label, with_query(reverse("posts:create"), kind=value, subwiki=slug or None))
            for value, label in PostKind.choices
        ],
        "subwiki": chosen,
    }
    refusal: ServiceError | None = None
    if request.method == "POST" and "preview" in request.POST:
        context["preview_html"] = markdown_html(member, request.POST.get("body", ""))
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            post = post_create(
                author=member,
                subwiki=chosen,
                kind=kind,
                title=data.get("title", ""),
                body=data.get("body", ""),
                url=data.get("url", ""),
                edit_policy=data["edit_policy"],
                image=data.get("image"),
                image_alt=data.get("image_alt", ""),
                address=client_address(request),
            )
        except Forbidden:
            raise
        except ServiceError as error:
            form.add_service_error(error)
            refusal = error
        else:
            messages.success(request, _("Your post is published."))
            return redirect(post)
    return refused(request, render(request, "posts/create.html", context), refusal)


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """Markdown rendered as it will be shown (a fragment for the edit forms' preview area)."""
    text = request.POST.get("body", request.POST.get("description", ""))
    context: dict[str, Any] = {"too_long": len(text) > MAX_PREVIEW}
    if not context["too_long"]:
        context["preview_html"] = markdown_html(member_of(request), text)
    return render(request, "posts/_preview.html", context)


def _edit_context(post: Post, form: PostEditForm, decision: EditDecision) -> dict[str, Any]:
    return {
        "post": post,
        "form": form,
        "pending_notice": decision is EditDecision.PENDING,
        "edit_url": reverse("posts:edit", args=[post.pk]),
        "diff_url": reverse("posts:diff", args=[post.pk]),
    }


@login_required
@require_http_methods(["GET", "POST"])
@shows_problems
def edit(request: HttpRequest, post_id: int) -> HttpResponse:
    """Edit a post, wiki-style; a conflict shows both versions and keeps the member's text.

    htmx swaps the form into the post's page and back; without JavaScript it is a page.
    """
    member = member_of(request)
    post, decision = post_get_for_edit(viewer=member, post_id=post_id)
    policies = policy_choices(post.subwiki) if can_change_edit_policy(member, post) else None
    status = 200
    extra: dict[str, Any] = {}
    refusal: ServiceError | None = None
    if request.method == "GET":
        form = PostEditForm(
            kind=post.kind,
            policies=policies,
            initial={
                **post.snapshot(),
                "base_revision": post.page.current_revision_id,
                "edit_policy": post.edit_policy,
            },
        )
    else:
        form = PostEditForm(request.POST, kind=post.kind, policies=policies)
        if "preview" in request.POST:
            extra["preview_html"] = markdown_html(member, request.POST.get("body", ""))
        elif form.is_valid():
            try:
                post, result = post_edit(
                    actor=member,
                    post_id=post.pk,
                    changes=form.changes(),
                    base_revision=form.cleaned_data["base_revision"] or None,
                    summary=form.cleaned_data["summary"],
                    edit_policy=form.cleaned_data.get("edit_policy") or None,
                    address=client_address(request),
                )
            except EditConflict as conflict:
                form = PostEditForm(
                    form.with_base(conflict.current.pk), kind=post.kind, policies=policies
                )
                extra["conflict"] = conflict_fields(conflict, multiline=MULTILINE_FIELDS)
                extra["conflict_diff_url"] = with_query(
                    reverse("posts:diff", args=[post.pk]),
                    **{
                        "from": request.POST.get("base_revision") or None,
                        "to": conflict.current.pk,
                    },
                )
                # htmx swaps only 2xx answers (its default): the fragment comes with 200,
                # the page with 409.
                status = 200 if is_htmx(request) else 409
            except Forbidden:
                raise
            except ServiceError as error:
                form.add_service_error(error)
                refusal = error
            else:
                message = saved_message(
                    changed=result.changed, pending=result.pending, merged=result.merged
                )
                if is_htmx(request):
                    context = {**_post_context(request, post), "status_message": message}
                    response = render_page(
                        request, "posts/detail.html", context, fragment="posts/_post.html"
                    )
                    # Saved from the edit page itself: the address becomes the post's.
                    response["HX-Push-Url"] = post.get_absolute_url()
                    return response
                messages.success(request, message)
                return redirect(post)
    context = {**_edit_context(post, form, decision), **extra}
    response = render_page(
        request, "posts/edit.html", context, fragment="posts/_edit_form.html", status=status
    )
    return refused(request, response, refusal)


# --- History, revisions, diffs ------------------------------------------------------------


@require_safe
@shows_problems
def history(request: HttpRequest, post_id: int) -> HttpResponse:
    """A post's revisions, newest first: compare any two, restore, review, roll back."""
    viewer = viewer_of(request)
    post = post_get(viewer=viewer, post_id=post_id)
    cursor = request.GET.get("cursor") or None
    page = post_revisions(viewer=viewer, post=post, cursor=cursor)
    can_review = can_review_revisions(viewer, post)

    def review_urls(revision: Revision) -> tuple[str, str]:
        return (
            reverse("posts:approve", args=[post.pk, revision.pk]),
            reverse("posts:reject", args=[post.pk, revision.pk]),
        )

    history_url = reverse("posts:history", args=[post.pk])
    rows = history_rows(
        page,
        current_id=post.page.current_revision_id,
        diff_url=reverse("posts:diff", args=[post.pk]),
        view_url=lambda revision: reverse("posts:revision", args=[post.pk, revision.pk]),
        first_page=cursor is None,
        can_restore=can_revert(viewer, post),
        review_urls=review_urls if can_review else None,
        can_rollback=can_rollback(viewer, post),
        viewer_id=viewer.pk,
    )
    context = {
        "post": post,
        "rows": rows,
        "compare_url": reverse("posts:diff", args=[post.pk]),
        "revert_url": reverse("posts:revert", args=[post.pk]),
        "rollback_url": reverse("posts:rollback", args=[post.pk]),
        "next_url": with_query(history_url, cursor=page.next_cursor) if page.next_cursor else None,
        "is_first_page": cursor is None,
        "history_url": history_url,
    }
    return render_page(request, "posts/history.html", context, fragment="wiki/_history_rows.html")


@require_safe
@shows_problems
def diff(request: HttpRequest, post_id: int) -> HttpResponse:
    """The change between two revisions of a post, word by word."""
    viewer = viewer_of(request)
    post = post_get(viewer=viewer, post_id=post_id)
    old, new = diff_pair(
        page_id=post.page_id,
        current_id=post.page.current_revision_id,
        from_id=request.GET.get("from"),
        to_id=request.GET.get("to"),
    )
    result = revision_diff(old=old, new=new, fields=EDITABLE_FIELDS)
    context = {
        "post": post,
        "old": old,
        "new": new,
        "fields": field_diffs(result.fields),
        "current_id": post.page.current_revision_id,
        "can_restore": can_revert(viewer, post),
        "revert_url": reverse("posts:revert", args=[post.pk]),
        "history_url": reverse("posts:history", args=[post.pk]),
    }
    return render(request, "posts/diff.html", context)


@require_safe
@shows_problems
def revision(request: HttpRequest, post_id: int, revision_id: int) -> HttpResponse:
    """One revision of a post as it read then, with restore and review buttons."""
    viewer = viewer_of(request)
    post = post_get(viewer=viewer, post_id=post_id)
    shown = post_revision(post=post, revision_id=revision_id)
    current_id = post.page.current_revision_id
    is_current = shown.pk == current_id
    context = {
        "post": post,
        "revision": shown,
        "content": shown.content,
        "body_html": markdown_html(viewer, str(shown.field("body"))),
        "is_current": is_current,
        "can_restore": (
            can_revert(viewer, post) and not is_current and shown.status == RevisionStatus.LIVE
        ),
        "can_review": (
            can_review_revisions(viewer, post) and shown.status == RevisionStatus.PENDING
        ),
        "previous_diff_url": (
            with_query(reverse("posts:diff", args=[post.pk]), to=shown.pk)
            if shown.parent_id is not None
            else None
        ),
        "current_diff_url": (
            None
            if is_current
            else with_query(
                reverse("posts:diff", args=[post.pk]), **{"from": shown.pk, "to": current_id}
            )
        ),
    }
    return render(request, "posts/revision.html", context)


# --- Restoring and reviewing --------------------------------------------------------------


@login_required
@require_POST
@shows_problems
def revert(request: HttpRequest, post_id: int) -> HttpResponse:
    """Restore a post to an earlier revision, as a new revision."""
    member = member_of(request)
    post = post_get(viewer=member, post_id=post_id)
    history_url = reverse("posts:history", args=[post.pk])
    form = RevertForm(request.POST)
    if not form.is_valid():
        return redirect_with_message(
            request, history_url, _("Choose a revision to restore."), level=messages.ERROR
        )
    revision_id = form.cleaned_data["revision"]
    revert = partial(
        post_revert,
        actor=member,
        post_id=post.pk,
        revision_id=revision_id,
        summary=form.cleaned_data["summary"],
        address=client_address(request),
    )
    restored = _("Revision %(id)s is restored, as a new revision.") % {"id": revision_id}
    # A rate limit, like a refusal, is a page that says why (shows_problems).
    return run_or_redirect(
        request,
        revert,
        to=history_url,
        done=lambda outcome: restore_done(outcome[1], restored, to=post),
        reraise=(Forbidden, RateLimited),
    )


@login_required
@require_POST
@shows_problems
def rollback(request: HttpRequest, post_id: int) -> HttpResponse:
    """Undo one member's consecutive latest edits (moderators)."""
    member = member_of(request)
    post = post_get(viewer=member, post_id=post_id)
    history_url = reverse("posts:history", args=[post.pk])
    form = RollbackForm(request.POST)
    if not form.is_valid():
        return redirect_with_message(
            request, history_url, _("Say whose edits to roll back."), level=messages.ERROR
        )
    username = form.cleaned_data["username"]
    rollback = partial(
        post_rollback_logged,
        actor=member,
        post_id=post.pk,
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
def approve(request: HttpRequest, post_id: int, revision_id: int) -> HttpResponse:
    """Approve a pending revision: it goes live, merged onto the edits made since."""
    member = member_of(request)
    post = post_get(viewer=member, post_id=post_id)
    return approve_or_redirect(
        request,
        partial(
            post_revision_approve_logged, actor=member, post_id=post.pk, revision_id=revision_id
        ),
        to=reverse("posts:revision", args=[post.pk, revision_id]),
        done=Done(_("The edit is approved: readers see it now."), to=post),
    )


@login_required
@require_POST
@shows_problems
def reject(request: HttpRequest, post_id: int, revision_id: int) -> HttpResponse:
    """Reject a pending revision; it stays in the history, marked rejected."""
    member = member_of(request)
    post = post_get(viewer=member, post_id=post_id)
    return run_or_redirect(
        request,
        partial(
            post_revision_reject_logged, actor=member, post_id=post.pk, revision_id=revision_id
        ),
        to=reverse("posts:revision", args=[post.pk, revision_id]),
        done=Done(
            _("The edit is rejected. It stays in the history."),
            to=reverse("posts:history", args=[post.pk]),
        ),
    )


# --- Recent changes and contributions -----------------------------------------------------


@require_safe
@shows_problems
def recent_changes_page(request: HttpRequest) -> HttpResponse:
    """Every change to posts and descriptions the viewer may read, newest first."""
    viewer = viewer_of(request)
    cursor = request.GET.get("cursor") or None
    page = recent_changes(viewer=viewer, cursor=cursor)
    context = changes_context(page, base_url=reverse("posts:recent_changes"), cursor=cursor)
    return render_page(
        request, "posts/recent_changes.html", context, fragment="wiki/_changes_rows.html"
    )


@require_safe
@shows_problems
def contributions(request: HttpRequest, username: str) -> HttpResponse:
    """A member's edits that the viewer may read, newest first."""
    viewer = viewer_of(request)
    author = member_get_profile(viewer=viewer, username=username)
    cursor = request.GET.get("cursor") or None
    page = member_contributions(viewer=viewer, author=author, cursor=cursor)
    base_url = reverse("posts:contributions", args=[author.username])
    context = {
        "author": author,
        "hide_author": True,
        **changes_context(page, base_url=base_url, cursor=cursor),
    }
    return render_page(
        request, "posts/contributions.html", context, fragment="wiki/_changes_rows.html"
    )
