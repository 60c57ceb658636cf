"""Staff's view of members, the access mode, the waitlist and invitations.

Who gets in changes only through accounts.waitlist, which keeps the line's order
whole: admitting, the mode and moves out of line go through its services here too.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tribune.accounts.models import Access, AccessMode, AccessSettings, Invitation, Member
from tribune.accounts.waitlist import (
    access_mode,
    access_mode_set,
    member_admit,
    waitlist_admit_next,
    waitlist_in_order,
    waitlist_leave,
    waitlist_length,
)
from tribune.core.exceptions import ServiceError

# How many of the first members in line the "admit the next" page lists.
LINE_PREVIEW = 10
# The most members one "admit the next" may let in at once.
ADMIT_AT_MOST = 10_000


class LineFilter(admin.SimpleListFilter):
    """Waitlisted members: those in line (listed in the line's order) and the unconfirmed."""

    title = _("waitlist")
    parameter_name = "line"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("waiting", _("In line, in order")),
            ("unconfirmed", _("Waitlisted, e-mail not confirmed")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "waiting":
            return queryset.filter(waitlist_key__isnull=False)
        if self.value() == "unconfirmed":
            return queryset.filter(access=Access.WAITLISTED, waitlist_key__isnull=True)
        return queryset


class AdmitNextForm(forms.Form):
    count = forms.IntegerField(
        label=_("How many"),
        min_value=1,
        max_value=ADMIT_AT_MOST,
        initial=10,
        help_text=_("The members at the front of the line are admitted and sent an e-mail."),
    )


@admin.register(Member)
class MemberAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = (
        "username",
        "display_name",
        "email",
        "access",
        "place_in_line",
        "trust_level",
        "created_at",
    )
    list_filter = (LineFilter, "access", "is_staff", "is_moderator", "trust_level")
    search_fields = ("username", "display_name", "email")
    ordering = ("-created_at",)
    actions = ("admit_selected",)
    readonly_fields = ("place_in_line",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Profile"), {"fields": ("display_name", "email", "bio", "time_zone")}),
        (
            _("Access"),
            {
                "fields": (
                    "access",
                    "place_in_line",
                    "admitted_at",
                    "trust_level",
                    "is_moderator",
                    "supporter_until",
                    "show_supporter_badge",
                )
            },
        ),
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Member]:
        # A place is one plus the keys ahead: one index range per member in line.
        ahead = (
            Member.objects.filter(waitlist_key__lt=OuterRef("waitlist_key"))
            .order_by()
            .annotate(n=Func(F("pk"), function="COUNT"))
            .values("n")
        )
        queryset: QuerySet[Member] = super().get_queryset(request)
        return queryset.annotate(line_ahead=Subquery(ahead, output_field=IntegerField()))

    def get_ordering(self, request: HttpRequest) -> list[str] | tuple[Any, ...]:
        if request.GET.get(LineFilter.parameter_name) == "waiting":
            return ("waitlist_key",)
        return super().get_ordering(request)

    @admin.display(description=_("place in line"), ordering="waitlist_key")
    def place_in_line(self, member: Member) -> int | None:
        if member.waitlist_key is None:
            return None
        return int(getattr(member, "line_ahead", 0) or 0) + 1

    @admin.action(description=_("Admit selected waitlisted members"))
    def admit_selected(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        actor: Member = request.user  # type: ignore[assignment]  # admin pages are staff's
        admitted = sum(member_admit(actor=actor, member=member) for member in queryset)
        if admitted:
            self.message_user(
                request,
                ngettext("Admitted %(count)d member.", "Admitted %(count)d members.", admitted)
                % {"count": admitted},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, gettext("None of the selected members was waitlisted."), messages.WARNING
            )

    def save_model(self, request: HttpRequest, obj: Member, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        actor: Member = request.user  # type: ignore[assignment]  # admin pages are staff's
        wanted = obj.access
        leaving = form.initial.get("access") == Access.WAITLISTED and wanted != Access.WAITLISTED
        if leaving:
            obj.access = Access.WAITLISTED  # the services below take the member out of line
        # Every field but the place in line, which the waitlist may move meanwhile.
        fields = [
            f.name
            for f in obj._meta.concrete_fields
            if not f.primary_key and f.name != "waitlist_key"
        ]
        obj.save(update_fields=fields)
        if leaving and wanted == Access.ADMITTED:
            member_admit(actor=actor, member=obj)
        elif leaving:
            waitlist_leave(member=obj)
            Member.objects.filter(pk=obj.pk).update(access=wanted)
        obj.refresh_from_db()

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "admit-next/",
                self.admin_site.admin_view(self.admit_next_view),
                name="accounts_member_admit_next",
            )
        ]
        return extra + super().get_urls()

    def admit_next_view(self, request: HttpRequest) -> HttpResponse:
        """Admit the first N members in line (staff)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = AdmitNextForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            actor: Member = request.user  # type: ignore[assignment]  # admin pages are staff's
            try:
                admitted = waitlist_admit_next(actor=actor, count=form.cleaned_data["count"])
            except ServiceError as error:
                form.add_error("count", str(error.detail))
            else:
                if admitted:
                    names = ", ".join(member.username for member in admitted)
                    self.message_user(
                        request,
                        ngettext(
                            "Admitted %(count)d member: %(names)s.",
                            "Admitted %(count)d members: %(names)s.",
                            len(admitted),
                        )
                        % {"count": len(admitted), "names": names},
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(
                        request, gettext("Nobody is waiting in line."), messages.WARNING
                    )
                return HttpResponseRedirect(reverse("admin:accounts_member_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Admit the next members in line"),
            "opts": self.model._meta,
            "form": form,
            "line_length": waitlist_length(),
            "first_in_line": waitlist_in_order(limit=LINE_PREVIEW),
        }
        return TemplateResponse(request, "admin/accounts/member/admit_next.html", context)


@admin.register(AccessSettings)
class AccessSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The one row of access settings: its changelist opens it."""

    fields = ("mode", "mode_in_force", "updated_at")
    readonly_fields = ("mode_in_force", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        AccessSettings.objects.get_or_create(pk=1)
        return HttpResponseRedirect(reverse("admin:accounts_accesssettings_change", args=[1]))

    @admin.display(description=_("mode in force"))
    def mode_in_force(self, row: AccessSettings) -> str:
        return str(AccessMode(access_mode()).label)

    def save_model(
        self, request: HttpRequest, obj: AccessSettings, form: Any, change: bool
    ) -> None:
        # Through the service, which clears the cached mode; nobody in line moves.
        actor: Member = request.user  # type: ignore[assignment]  # admin pages are staff's
        access_mode_set(actor=actor, mode=obj.mode)
        obj.refresh_from_db()


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Invitations are made by members; staff read them and may shorten their expiry."""

    list_display = (
        "code",
        "inviter",
        "state",
        "created_at",
        "expires_at",
        "used_by",
        "accepted_at",
    )
    list_select_related = ("inviter", "used_by")
    search_fields = ("code", "inviter__username", "used_by__username")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    fields = (
        "code",
        "inviter",
        "state",
        "created_at",
        "expires_at",
        "used_by",
        "used_at",
        "accepted_at",
    )
    readonly_fields = (
        "code",
        "inviter",
        "state",
        "created_at",
        "used_by",
        "used_at",
        "accepted_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("state"))
    def state(self, invitation: Invitation) -> str:
        labels = {
            "open": _("Open"),
            "used": _("Used"),
            "accepted": _("Accepted"),
            "expired": _("Expired"),
        }
        return str(labels[invitation.state])
