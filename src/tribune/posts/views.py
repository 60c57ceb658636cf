"""Post pages: reading, writing and editing a post, and the lists of changes (site-wide,
a subwiki's, a member's). Thin views that parse, call a service or a selector, and
render. A post's history, diffs and old revisions are the revision pages every page has
(posts.revisions); reviewing and rolling back are moderation's (moderation.review_views).
"""

from __future__ import annotations

from collections.abc import Callable
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
from tribune.accounts.web import markdown_html, member_of, viewer_of
from tribune.communities.models import Subwiki
from tribune.communities.permissions import EditDecision
from tribune.communities.selectors import subwiki_get, subwikis_for_posting
from tribune.core.exceptions import Forbidden, ServiceError
from tribune.core.pagination import Page as ListPage
from tribune.core.ratelimit import client_address
from tribune.core.web import (
    form_submit,
    is_htmx,
    refused,
    render_page,
    requested_page,
    shows_problems,
    with_query,
)
from tribune.posts.forms import PostCreateForm, PostEditForm, policy_choices
from tribune.posts.models import MULTILINE_FIELDS, Post, PostKind
from tribune.posts.permissions import (
    can_change_edit_policy,
    can_create_post,
    can_review_revisions,
    post_edit_decision,
)
from tribune.posts.reactions import post_viewer_state
from tribune.posts.selectors import (
    member_contributions,
    post_get,
    post_get_for_edit,
    recent_changes,
)
from tribune.posts.services import post_create, post_edit
from tribune.wiki.models import Revision
from tribune.wiki.presentation import (
    change_rows,
    conflict_fields,
    saved_message,
)
from tribune.wiki.selectors import page_pending_revisions
from tribune.wiki.services import EditConflict, SaveResult

# The longest text the preview renders: the longest a post's body may be.
MAX_PREVIEW = 100_000

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
    # The page ends with its notes and talk (note_tags, talk_tags); the fragment htmx
    # swaps after an edit is the post alone.
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
    if request.method == "POST" and "preview" in request.POST:
        context["preview_html"] = markdown_html(member, request.POST.get("body", ""))
        return render(request, "posts/create.html", context)
    submitted = form_submit(
        request,
        form,
        lambda data: post_create(
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
        ),
        reraise=(Forbidden,),
    )
    if submitted.result is not None:
        messages.success(request, _("Your post is published."))
        return redirect(submitted.result)
    # The form again, with what is wrong beside each field.
    return refused(request, render(request, "posts/create.html", context), submitted.error)


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


def _saved(request: HttpRequest, post: Post, result: SaveResult) -> HttpResponse:
    """After an edit: the post with what became of the edit (in place for htmx)."""
    message = saved_message(changed=result.changed, pending=result.pending, merged=result.merged)
    if is_htmx(request):
        context = {**_post_context(request, post), "status_message": message}
        response = render_page(request, "posts/detail.html", context, fragment="posts/_post.html")
        # Saved from the edit page itself: the address becomes the post's.
        response["HX-Push-Url"] = post.get_absolute_url()
        return response
    messages.success(request, message)
    return redirect(post)


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
        else:
            try:
                submitted = form_submit(
                    request,
                    form,
                    lambda data: post_edit(
                        actor=member,
                        post_id=post.pk,
                        changes=form.changes(),
                        base_revision=data["base_revision"] or None,
                        summary=data["summary"],
                        edit_policy=data.get("edit_policy") or None,
                        address=client_address(request),
                    ),
                    reraise=(Forbidden, EditConflict),
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
            else:
                refusal = submitted.error
                if submitted.result is not None:
                    return _saved(request, *submitted.result)
    context = {**_edit_context(post, form, decision), **extra}
    response = render_page(
        request, "posts/edit.html", context, fragment="posts/_edit_form.html", status=status
    )
    return refused(request, response, refusal)


# --- Recent changes and contributions -----------------------------------------------------


def _changes_page(
    request: HttpRequest,
    fetch: Callable[..., ListPage[Revision]],
    *,
    base_url: str,
    template: str,
    **context: Any,
) -> HttpResponse:
    """A list of changes, newest first, with its "load more" link (wiki/_changes_rows.html)."""
    requested = requested_page(request, fetch)
    context.update(
        rows=change_rows(viewer_of(request), requested.page.items),
        next_url=requested.next_url(base_url),
        is_first_page=requested.is_first,
        base_url=base_url,
    )
    return render_page(
        request, template, context, fragment="wiki/_changes_rows.html", status=requested.status
    )


@require_safe
def recent_changes_page(request: HttpRequest) -> HttpResponse:
    """Every change to posts and descriptions the viewer may read, newest first."""
    return _changes_page(
        request,
        partial(recent_changes, viewer=viewer_of(request)),
        base_url=reverse("posts:recent_changes"),
        template="posts/recent_changes.html",
    )


@require_safe
def contributions(request: HttpRequest, username: str) -> HttpResponse:
    """A member's edits that the viewer may read, newest first."""
    viewer = viewer_of(request)
    author = member_get_profile(viewer=viewer, username=username)
    return _changes_page(
        request,
        partial(member_contributions, viewer=viewer, author=author),
        base_url=reverse("posts:contributions", args=[author.username]),
        template="posts/contributions.html",
        author=author,
        hide_author=True,
    )


@require_safe
def subwiki_changes(request: HttpRequest, slug: str) -> HttpResponse:
    """Recent changes to the posts and description of one subwiki, newest first."""
    viewer = viewer_of(request)
    subwiki = subwiki_get(viewer=viewer, slug=slug)
    return _changes_page(
        request,
        partial(recent_changes, viewer=viewer, subwiki=subwiki),
        base_url=reverse("posts:subwiki_changes", args=[subwiki.slug]),
        template="posts/subwiki_changes.html",
        subwiki=subwiki,
        hide_subwiki=True,
    )
