"""The talk's pages and buttons: thin views that parse, call a service, and answer.

Every form works without JavaScript (a redirect back to the comment on the post's
page, or a page that shows the problem with what was typed), and htmx gets the
fragment to put in place: a new comment under its parent, a comment as edited, a
tombstone. The threads themselves end the post's page ({% post_talk post %},
talk.templatetags.talk_tags).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tribune.accounts.models import Member
from tribune.accounts.web import member_of, viewer_of
from tribune.core.exceptions import Forbidden, NotFound, ServiceError
from tribune.core.ratelimit import client_address
from tribune.core.web import form_submit, is_htmx, refused, shows_problems
from tribune.posts.models import Post
from tribune.posts.selectors import post_get
from tribune.talk.forms import CommentEditForm, CommentForm
from tribune.talk.models import Comment
from tribune.talk.permissions import comment_edit_refusal, comment_refusal
from tribune.talk.selectors import (
    CommentNode,
    comment_get,
    comment_node,
    comment_revisions,
    comments_html,
    talk_count,
    texts_html,
)
from tribune.talk.services import comment_create, comment_delete, comment_edit
from tribune.talk.templatetags.talk_tags import talk_words


def comment_url(comment: Comment) -> str:
    """The comment in its thread, on its post's page."""
    return f"{reverse('posts:detail', args=[comment.post_id])}#comment-{comment.pk}"


def _node_context(viewer: Member, comment: Comment, post: Post) -> dict[str, Any]:
    """What _comment_main.html needs for one comment (one query for its @mentions)."""
    return {
        **_talk_context(viewer, post),
        "node": _node(viewer, comment, post),
        "comment": comment,
    }


def _talk_context(viewer: Member, post: Post) -> dict[str, Any]:
    """What every fragment of the talk needs besides the comment (as _thread.html sets it)."""
    return {
        "post": post,
        "post_url": post.get_absolute_url(),
        "create_url": reverse("talk:create", args=[post.pk]),
        "can_comment": comment_refusal(viewer, post) is None,
        "words": talk_words(),
    }


def _node(viewer: Member, comment: Comment, post: Post) -> CommentNode:
    comment.post = post
    html = comments_html(viewer=viewer, comments=[comment])
    return comment_node(
        viewer=viewer, comment=comment, body_html=html.get(comment.pk, SafeString(""))
    )


def _htmx(response: HttpResponse, *, target: str, swap: str) -> HttpResponse:
    """Send the fragment where the server decides (a reply may land under another parent)."""
    response["HX-Retarget"] = target
    response["HX-Reswap"] = swap
    return response


# --- Commenting and replying --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@shows_problems
def create(request: HttpRequest, post_id: int) -> HttpResponse:
    """Comment on a post or reply to a comment; GET goes back to the post's talk."""
    member = member_of(request)
    post = post_get(viewer=member, post_id=post_id)
    if request.method == "GET":
        return redirect(f"{post.get_absolute_url()}#talk")
    form = CommentForm(request.POST)
    parent_pk = request.POST.get("parent", "")
    submitted = form_submit(
        request,
        form,
        lambda data: comment_create(
            author=member,
            post_id=post.pk,
            body=data["body"],
            parent_id=data["parent"] or None,
            address=client_address(request),
        ),
    )
    comment = submitted.result
    if comment is not None:
        if is_htmx(request):
            return _posted_fragment(request, member, post, comment, asked_parent=parent_pk)
        messages.success(request, _("Your comment is posted."))
        return redirect(comment_url(comment))
    response = _comment_form_problem(
        request, member, post, form, parent_pk=parent_pk, status=submitted.status
    )
    return refused(request, response, submitted.error)


def _posted_fragment(
    request: HttpRequest, member: Member, post: Post, comment: Comment, *, asked_parent: str
) -> HttpResponse:
    """The new comment, to add under its parent, with the form it came from emptied."""
    context = _node_context(member, comment, post)
    count = talk_count(post=post)
    context.update(
        {
            "count": count,
            "asked_parent": _asked_parent_node(member, post, asked_parent),
            "talk_status": _("Your comment is posted."),
        }
    )
    response = render(request, "talk/_posted.html", context)
    target = f"#replies-{comment.parent_id}" if comment.parent_id else "#thread-root"
    return _htmx(response, target=target, swap="beforeend")


def _asked_parent(viewer: Member, post: Post, parent_pk: str) -> Comment | None:
    """The comment a reply form belonged to (a reply may have been placed higher up)."""
    if not parent_pk:
        return None
    try:
        return comment_get(viewer=viewer, comment_id=parent_pk, post_id=post.pk)
    except NotFound:
        return None


def _asked_parent_node(viewer: Member, post: Post, parent_pk: str) -> CommentNode | None:
    parent = _asked_parent(viewer, post, parent_pk)
    return _node(viewer, parent, post) if parent is not None else None


def _comment_form_problem(
    request: HttpRequest,
    member: Member,
    post: Post,
    form: CommentForm,
    *,
    parent_pk: str,
    status: int,
) -> HttpResponse:
    """The form again, with what was typed and what is wrong: in place, or as a page."""
    parent = _asked_parent_node(member, post, parent_pk)
    context: dict[str, Any] = {
        **_talk_context(member, post),
        "parent": parent,
        "form": form,
        "form_value": form.data.get("body", ""),
        "form_errors": form.errors.get("body", []),
        "form_problems": form.non_field_errors(),
        "form_open": True,
    }
    if is_htmx(request):
        # htmx swaps only 2xx answers (its default): the fragment comes with 200.
        if parent is not None:
            response = render(request, "talk/_reply_form.html", context)
            return _htmx(response, target=f"#reply-{parent.key}", swap="outerHTML")
        context["talk_refusal"] = comment_refusal(member, post)
        response = render(request, "talk/_comment_form.html", context)
        return _htmx(response, target="#comment-form", swap="outerHTML")
    return render(request, "talk/comment_form.html", context, status=status)


# --- Editing, deleting, removing ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@shows_problems
def edit(request: HttpRequest, post_id: int, comment_id: int) -> HttpResponse:
    """Edit one's comment; the text it replaces stays readable as an earlier version."""
    member = member_of(request)
    comment = comment_get(viewer=member, comment_id=comment_id, post_id=post_id)
    post = comment.post
    refusal = comment_edit_refusal(member, comment)
    if refusal is not None:
        if is_htmx(request):
            return _refused_in_place(request, member, comment, Forbidden(refusal))
        raise Forbidden(refusal)
    if request.method == "GET":
        context = {"post": post, "comment": comment, "form_value": comment.body, "editing": True}
        return render(request, "talk/comment_form.html", context)
    form = CommentEditForm(request.POST)
    submitted = form_submit(
        request,
        form,
        lambda data: comment_edit(
            actor=member, comment_id=comment.pk, body=data["body"], address=client_address(request)
        ),
    )
    if submitted.result is not None:
        comment = submitted.result
        if is_htmx(request):
            context = _node_context(member, comment, post)
            context["comment_status"] = _("Your comment is saved.")
            return render(request, "talk/_comment_changed.html", context)
        messages.success(request, _("Your comment is saved."))
        return redirect(comment_url(comment))
    problem: dict[str, Any] = {
        "form_value": form.data.get("body", ""),
        "form_errors": form.errors.get("body", []),
        "form_problems": form.non_field_errors(),
        "editing": True,
    }
    if is_htmx(request):
        context = {**_node_context(member, comment, post), **problem, "form_open": True}
        response = render(request, "talk/_comment_main.html", context)
        return refused(request, response, submitted.error)
    context = {"post": post, "comment": comment, "form": form, **problem}
    response = render(request, "talk/comment_form.html", context, status=submitted.status)
    return refused(request, response, submitted.error)


def _retired(
    request: HttpRequest, member: Member, comment: Comment, *, message: str
) -> HttpResponse:
    """After a delete or a removal: the tombstone in place, or back to the thread."""
    if is_htmx(request):
        context = _node_context(member, comment, comment.post)
        context.update({"comment_status": message, "count": talk_count(post=comment.post)})
        return render(request, "talk/_comment_changed.html", context)
    messages.success(request, message)
    return redirect(comment_url(comment))


def _refused_in_place(
    request: HttpRequest, member: Member, comment: Comment, error: ServiceError
) -> HttpResponse:
    """A refusal htmx can show: the comment as it is now, with the reason above it."""
    fresh = comment_get(viewer=member, comment_id=comment.pk)
    context = {**_node_context(member, fresh, fresh.post), "comment_error": str(error.detail)}
    return render(request, "talk/_comment_changed.html", context)


@login_required
@require_POST
@shows_problems
def delete(request: HttpRequest, post_id: int, comment_id: int) -> HttpResponse:
    """Delete one's comment: "[deleted]" stays in its place and its replies stay."""
    return retire_comment(
        request, post_id, comment_id, comment_delete, message=_("Your comment is deleted.")
    )


def retire_comment(
    request: HttpRequest,
    post_id: int,
    comment_id: int,
    service: Callable[..., Comment],
    *,
    message: str,
) -> HttpResponse:
    """Delete or remove a comment through `service`; a refusal shows in place under htmx.

    (Moderators' removal is moderation.review_views.comment_remove, which logs it.)"""
    member = member_of(request)
    comment = comment_get(viewer=member, comment_id=comment_id, post_id=post_id)
    try:
        comment = service(actor=member, comment_id=comment.pk)
    except NotFound:
        raise
    except ServiceError as error:
        if is_htmx(request):
            return _refused_in_place(request, member, comment, error)
        raise
    return _retired(request, member, comment, message=message)


# --- History --------------------------------------------------------------------------------


@require_safe
def history(request: HttpRequest, post_id: int, comment_id: int) -> HttpResponse:
    """A comment's current text and the earlier ones it replaced, newest first."""
    viewer = viewer_of(request)
    comment = comment_get(viewer=viewer, comment_id=comment_id, post_id=post_id)
    revisions = comment_revisions(comment=comment) if comment.is_visible else []
    texts = texts_html(
        viewer=viewer, texts=[comment.body, *(revision.body for revision in revisions)]
    )
    context = {
        "post": comment.post,
        "comment": comment,
        "body_html": texts[0],
        "revisions": list(zip(revisions, texts[1:], strict=True)),
    }
    return render(request, "talk/history.html", context)
