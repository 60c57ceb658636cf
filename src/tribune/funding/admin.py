"""Staff's view of donations, payments and provider events: read only, plus confirming.

Money changes only through funding.services, which records each payment once and
keeps supporter periods right: staff confirm offline donations with the action here
(or `tribune donations confirm ID`), and everything else comes from the provider.
"""

from __future__ import annotations

import re

from django.contrib import admin, messages
from django.db.models import Model, Q, QuerySet, URLField
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tribune.accounts.models import Member
from tribune.core.exceptions import ServiceError
from tribune.funding.models import Donation, Payment, ProviderEvent
from tribune.funding.services import donation_confirm
from tribune.wiki.admin import ReadOnlyAdmin

# "TRIBUNE-12", "tribune-12" or "12": a donation's reference, as a member quotes it.
REFERENCE = re.compile(r"^\s*(?:tribune-)?(\d{1,18})\s*$", re.IGNORECASE)


class PaymentInline(admin.TabularInline):  # type: ignore[type-arg]  # not subscriptable at runtime
    model = Payment
    fields = ("paid_at", "amount", "currency", "period_end", "reference")
    readonly_fields = fields
    extra = 0
    ordering = ("-paid_at",)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = (
        "reference_code",
        "member",
        "amount",
        "currency",
        "interval",
        "provider",
        "status",
        "created_at",
        "confirmed_at",
    )
    list_filter = ("status", "provider", "interval", "currency")
    list_select_related = ("member",)
    search_fields = ("member__username", "member__display_name", "member__email")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    raw_id_fields = ("member",)
    readonly_fields = ("reference_code", "on_the_site")
    inlines = (PaymentInline,)
    actions = ("confirm_selected",)
    # Read only, but Django still builds the form: say which scheme a bare address takes.
    formfield_overrides = {URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("reference"), ordering="pk")
    def reference_code(self, donation: Donation) -> str:
        return donation.reference

    @admin.display(description=_("on the site"))
    def on_the_site(self, donation: Donation) -> SafeString:
        url = reverse("funding:donation", kwargs={"donation_id": donation.pk})
        return format_html('<a href="{}">{}</a>', url, _("Open the donation's page"))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Donation], search_term: str
    ) -> tuple[QuerySet[Donation], bool]:
        """By member, and by reference: the donation's (TRIBUNE-12) or a payment's."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return found, may_have_duplicates
        by_reference = Q(payments__reference=term)
        match = REFERENCE.match(term)
        if match:
            by_reference |= Q(pk=int(match.group(1)))
        return found | queryset.filter(by_reference), True

    @admin.action(description=_("Confirm selected offline donations"))
    def confirm_selected(self, request: HttpRequest, queryset: QuerySet[Donation]) -> None:
        actor: Member = request.user  # type: ignore[assignment]  # admin pages are staff's
        confirmed = already = 0
        refused: list[str] = []
        for donation in queryset.order_by("pk"):
            try:
                _donation, newly = donation_confirm(actor=actor, donation_id=donation.pk)
            except ServiceError as error:
                refused.append(f"{donation.reference}: {error.detail}")
                continue
            if newly:
                confirmed += 1
            else:
                already += 1
        if confirmed:
            self.message_user(
                request,
                ngettext(
                    "Confirmed %(count)d donation: its member is a supporter now.",
                    "Confirmed %(count)d donations: their members are supporters now.",
                    confirmed,
                )
                % {"count": confirmed},
                messages.SUCCESS,
            )
        if already:
            self.message_user(
                request,
                ngettext(
                    "%(count)d donation was already confirmed; nothing changed for it.",
                    "%(count)d donations were already confirmed; nothing changed for them.",
                    already,
                )
                % {"count": already},
                messages.INFO,
            )
        if refused:
            self.message_user(
                request,
                gettext("Not confirmed: %(reasons)s") % {"reasons": " ".join(refused)},
                messages.WARNING,
            )


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "donation",
        "member",
        "amount",
        "currency",
        "paid_at",
        "period_end",
    )
    list_filter = ("currency",)
    list_select_related = ("donation", "member")
    search_fields = ("reference", "member__username", "member__email")
    ordering = ("-paid_at", "-id")
    date_hierarchy = "paid_at"
    raw_id_fields = ("donation", "member")


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "provider", "kind", "received_at")
    list_filter = ("provider", "kind")
    search_fields = ("event_id",)
    ordering = ("-received_at", "-id")
    date_hierarchy = "received_at"
