"""Staff's view of pages and revisions: read only.

Every revision is made by a service that merges, checks the edit policy and keeps
the live chain whole; an edit here would bypass all three. Staff revert, roll back
and review on the site, where those rules apply and the history records who did it.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from tribune.wiki.models import Page, Revision


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Page)
class PageAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "subwiki", "current_revision", "pending_count", "created_at")
    list_filter = ("kind",)
    list_select_related = ("subwiki", "current_revision")
    search_fields = ("subwiki__slug", "post__title")
    ordering = ("-created_at",)
    raw_id_fields = ("subwiki", "current_revision")


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "page",
        "author",
        "created_at",
        "status",
        "size_delta",
        "merged",
        "summary",
    )
    list_filter = ("status", "merged", "patrolled")
    list_select_related = ("page", "author")
    search_fields = ("author__username", "summary")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    raw_id_fields = ("page", "subwiki", "parent", "author", "reverted_to", "reviewed_by")
