"""Staff's view of comments: read only.

Comments change through the talk's services (an edit keeps the earlier text, a
delete or a removal leaves a tombstone and keeps the post's count right); here staff
can find and read them, with their earlier texts, and follow the link to the site.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from tribune.talk.models import Comment, CommentRevision
from tribune.wiki.admin import ReadOnlyAdmin


class CommentRevisionInline(admin.TabularInline):  # type: ignore[type-arg]  # not subscriptable at runtime
    model = CommentRevision
    fields = ("created_at", "body")
    readonly_fields = ("created_at", "body")
    extra = 0
    ordering = ("-created_at",)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("id", "post", "author", "state", "depth", "created_at", "edited_at")
    list_filter = ("state",)
    list_select_related = ("post", "author")
    search_fields = ("body", "author__username")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    raw_id_fields = ("post", "subwiki", "parent", "author")
    readonly_fields = ("on_the_site",)
    inlines = (CommentRevisionInline,)

    @admin.display(description=_("on the site"))
    def on_the_site(self, comment: Comment) -> SafeString:
        url = f"{comment.post.get_absolute_url()}#comment-{comment.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Open the comment"))
