"""Following members: the buttons (POST, htmx or not) and the followers / following lists."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from tribune.accounts.models import Member
from tribune.accounts.selectors import (
    member_follow_summary,
    member_followers,
    member_following,
    member_get_profile,
    member_is_followed,
    members_followed,
)
from tribune.accounts.services import member_follow, member_unfollow
from tribune.core.web import button_answer, render_page, requested_page


def _button(request: HttpRequest, member: Member, *, error: str | None = None) -> HttpResponse:
    """The follow button again, for htmx; with the counts if the page shows them."""
    show = request.POST.get("show")
    context: dict[str, Any] = {
        "followed": member,
        "follow_error": error,
        "follow_named": show == "name",
        "back_url": request.POST.get("next", ""),
    }
    if show == "counts":
        summary = member_follow_summary(viewer=request.user, member=member)
        context.update(follow_summary=summary, following=summary.following)
    else:
        context["following"] = member_is_followed(viewer=request.user, member=member)
    return render(request, "accounts/_follow_button.html", context)


def _follow_action(request: HttpRequest, username: str, *, follow: bool) -> HttpResponse:
    member = member_get_profile(viewer=request.user, username=username)
    if not request.user.is_authenticated:
        return redirect_to_login(member.get_absolute_url())
    actor: Member = request.user
    change = member_follow if follow else member_unfollow
    if follow:
        done = _("You follow %(name)s: their posts will be in your home feed.")
    else:
        done = _("You no longer follow %(name)s.")
    return button_answer(
        request,
        partial(change, actor=actor, member=member),
        fragment=lambda error: _button(request, member, error=error),
        done=done % {"name": member.name},
        back=member.get_absolute_url(),
        anchor=f"follow-{member.pk}",
    )


@require_POST
def follow(request: HttpRequest, username: str) -> HttpResponse:
    """Follow a member: their posts come to the home feed."""
    return _follow_action(request, username, follow=True)


@require_POST
def unfollow(request: HttpRequest, username: str) -> HttpResponse:
    """Stop following a member."""
    return _follow_action(request, username, follow=False)


def _follow_list_page(request: HttpRequest, username: str, *, which: str) -> HttpResponse:
    viewer = request.user
    member = member_get_profile(viewer=viewer, username=username)
    select = member_followers if which == "followers" else member_following
    requested = requested_page(request, partial(select, viewer=viewer, member=member))
    page = requested.page
    list_url = reverse(f"accounts:{which}", args=[member.username])
    context = {
        "member": member,
        "which": which,
        "page": page,
        "followed_ids": members_followed(
            viewer=viewer, member_ids=[entry.member.pk for entry in page.items]
        ),
        "is_first_page": requested.is_first,
        "list_url": list_url,
        "next_url": requested.next_url(list_url),
    }
    return render_page(
        request,
        "accounts/follows.html",
        context,
        fragment="accounts/_follow_rows.html",
        status=requested.status,
    )


@require_safe
def followers(request: HttpRequest, username: str) -> HttpResponse:
    """Who follows a member, latest first; mutual follows are marked as friends."""
    return _follow_list_page(request, username, which="followers")


@require_safe
def following(request: HttpRequest, username: str) -> HttpResponse:
    """Whom a member follows, latest first; mutual follows are marked as friends."""
    return _follow_list_page(request, username, which="following")


def profile_follow_context(request: HttpRequest, member: Member) -> dict[str, Any]:
    """What a profile's follow button and counts need (one query)."""
    summary = member_follow_summary(viewer=request.user, member=member)
    return {"followed": member, "following": summary.following, "follow_summary": summary}
