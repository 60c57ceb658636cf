"""Staff's view of subwikis: choose the default ones; everything else goes through the site.

Subwikis are created on the site (their description is a revisioned page that only the
service sets up), and memberships and follows are changed on the members page, whose
services keep the counts and the one-owner rule: here they can be read, not edited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from tribune.communities.models import Membership, Subwiki, SubwikiFollow


@admin.register(Subwiki)
class SubwikiAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = (
        "name",
        "slug",
        "visibility",
        "is_default",
        "member_count",
        "follower_count",
        "post_count",
        "created_at",
    )
    list_editable = ("is_default",)
    list_filter = ("is_default", "visibility")
    search_fields = ("name", "slug")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    fields = (
        "name",
        "slug",
        "visibility",
        "is_default",
        "description_edit_policy",
        "min_post_edit_policy",
        "description",
        "created_by",
        "created_at",
        "member_count",
        "follower_count",
        "post_count",
    )
    readonly_fields = (
        "slug",
        "description",
        "created_by",
        "created_at",
        "member_count",
        "follower_count",
        "post_count",
    )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # A subwiki needs its description page and its first owner: the site's form does both.
        return redirect("communities:create")


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("subwiki", "member", "role", "state", "invited_by", "created_at")
    list_filter = ("state", "role")
    search_fields = ("subwiki__slug", "subwiki__name", "member__username")
    list_select_related = ("subwiki", "member", "invited_by")
    ordering = ("-created_at",)


@admin.register(SubwikiFollow)
class SubwikiFollowAdmin(ReadOnlyAdmin):
    list_display = ("subwiki", "member", "created_at")
    search_fields = ("subwiki__slug", "subwiki__name", "member__username")
    list_select_related = ("subwiki", "member")
    ordering = ("-created_at",)
