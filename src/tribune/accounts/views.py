from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tribune.accounts.follow_views import profile_follow_context
from tribune.accounts.forms import ProfileForm
from tribune.accounts.models import Member
from tribune.accounts.selectors import member_get_profile
from tribune.accounts.services import member_update_profile
from tribune.core.exceptions import NotFound
from tribune.feeds.views import profile_posts
from tribune.funding.forms import SupporterBadgeForm
from tribune.funding.services import supporter_badge_set


def profile(request: HttpRequest, username: str) -> HttpResponse:
    try:
        member = member_get_profile(viewer=request.user, username=username)
    except NotFound:
        raise Http404 from None
    posts = profile_posts(request, member)
    if posts.fragment is not None:
        return posts.fragment  # htmx's "load more": the next cards only
    context = {"member": member, **profile_follow_context(request, member), **posts.context}
    return render(request, "accounts/profile.html", context, status=posts.status)


@login_required
@require_http_methods(["GET", "POST"])
def settings_profile(request: HttpRequest) -> HttpResponse:
    member: Member = request.user  # type: ignore[assignment]  # login_required
    if request.method == "POST" and request.POST.get("form") == SupporterBadgeForm.name:
        badge = SupporterBadgeForm(request.POST)
        badge.is_valid()  # a checkbox: always valid, and unticked is False
        show = badge.cleaned_data["show_supporter_badge"]
        supporter_badge_set(member=member, show=show)
        shown = _("Your supporter badge shows while you support the site.")
        messages.success(request, shown if show else _("Your supporter badge is hidden."))
        return redirect("accounts:settings")
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            member_update_profile(actor=member, member=member, **form.cleaned_data)
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:settings")
    else:
        form = ProfileForm(
            initial={
                "display_name": member.display_name,
                "bio": member.bio,
                "time_zone": member.time_zone,
            }
        )
    badge_form = SupporterBadgeForm(initial={"show_supporter_badge": member.show_supporter_badge})
    return render(request, "accounts/settings.html", {"form": form, "badge_form": badge_form})
