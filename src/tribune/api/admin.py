from django.contrib import admin

from tribune.api.models import PersonalAccessToken


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("prefix", "member", "name", "created_at", "last_used_at", "revoked_at")
    search_fields = ("member__username", "prefix")
    readonly_fields = ("token_hash", "prefix", "created_at", "last_used_at")
    raw_id_fields = ("member",)
