from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tribune.accounts.forms import ProfileForm, SupporterBadgeForm
from tribune.accounts.models import Member
from tribune.accounts.services import member_set_supporter_badge, member_update_profile


@login_required
@require_http_methods(["GET", "POST"])
def settings_profile(request: HttpRequest) -> HttpResponse:
    member: Member = request.user  # type: ignore[assignment]  # login_required
    if request.method == "POST" and request.POST.get("form") == SupporterBadgeForm.name:
        badge = SupporterBadgeForm(request.POST)
        badge.is_valid()  # a checkbox: always valid, and unticked is False
        show = badge.cleaned_data["show_supporter_badge"]
        member_set_supporter_badge(member=member, show=show)
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
