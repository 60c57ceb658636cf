from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from tribune.accounts.models import Member


@admin.register(Member)
class MemberAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "display_name", "email", "access", "trust_level", "created_at")
    list_filter = ("access", "is_staff", "is_moderator", "is_supporter", "trust_level")
    search_fields = ("username", "display_name", "email")
    ordering = ("-created_at",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Profile"), {"fields": ("display_name", "email", "bio", "time_zone")}),
        (_("Access"), {"fields": ("access", "trust_level", "is_supporter", "is_moderator")}),
        (_("Private"), {"fields": ("date_of_birth",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined", "created_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),
    )
