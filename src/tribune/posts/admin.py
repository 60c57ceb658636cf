"""Staff's view of posts: read only.

Posts change through their services (wiki-style edits with a revision each, and
moderation actions that are logged), so that every change has an author and a
history; here staff can find and read them, and follow the link to the site.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from tribune.posts.models import Post
from tribune.wiki.admin import ReadOnlyAdmin


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "kind",
        "subwiki",
        "author",
        "edit_policy",
        "created_at",
        "edited_at",
        "is_removed",
    )
    list_filter = ("kind", "edit_policy", "is_removed", "preview_status")
    list_select_related = ("subwiki", "author")
    search_fields = ("title", "author__username", "subwiki__slug")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    raw_id_fields = ("page", "subwiki", "author")
    readonly_fields = ("on_the_site",)

    @admin.display(description=_("on the site"))
    def on_the_site(self, post: Post) -> SafeString:
        return format_html('<a href="{}">{}</a>', post.get_absolute_url(), _("Open the post"))
