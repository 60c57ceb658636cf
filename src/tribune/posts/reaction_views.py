"""The upvote button's endpoints: POST forms that htmx swaps in place, or that come back
to the page they were on without JavaScript."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tribune.accounts.models import Member
from tribune.core.web import button_answer
from tribune.posts.reactions import reaction_add, reaction_remove, upvoted_post_ids
from tribune.posts.selectors import post_get


def _fragment(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    context["back_url"] = request.POST.get("next", "")
    return render(request, "posts/_upvote.html", context)


def _vote(request: HttpRequest, post_id: int, *, up: bool) -> HttpResponse:
    if not request.user.is_authenticated:
        # Whether the post exists is not told before logging in; the log-in comes back to it.
        return redirect_to_login(reverse("posts:detail", args=[post_id]))
    actor: Member = request.user
    change = reaction_add if up else reaction_remove

    def button(error: str | None) -> HttpResponse:
        # Read again, as the other buttons do: after a vote, its count includes it.
        post = post_get(viewer=actor, post_id=post_id)
        upvoted = post.pk in upvoted_post_ids(actor, [post.pk])
        return _fragment(request, {"post": post, "upvoted": upvoted, "upvote_error": error})

    return button_answer(
        request,
        partial(change, actor=actor, post_id=post_id),
        fragment=button,
        done=None,
        back=reverse("posts:detail", args=[post_id]),
        anchor=f"upvote-{post_id}",
    )


@require_POST
def upvote(request: HttpRequest, post_id: int) -> HttpResponse:
    """Upvote a post (once per member, whatever the number of clicks)."""
    return _vote(request, post_id, up=True)


@require_POST
def unvote(request: HttpRequest, post_id: int) -> HttpResponse:
    """Take one's upvote back."""
    return _vote(request, post_id, up=False)
