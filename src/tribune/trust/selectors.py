"""Reads of trust: a member's level with its reasons and vouches, as a profile shows them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery

from tribune.accounts.models import Access, Member
from tribune.accounts.permissions import TRUSTED_LEVEL, Viewer
from tribune.core.exceptions import NotFound
from tribune.trust.models import TrustRecord, Vouch
from tribune.trust.permissions import can_vouch_for, vouch_limit


def vouch_counts_q() -> Q:
    """Vouches that count towards levels: from admitted members at level 2+, staff, moderators."""
    trusted = (
        Q(voucher__trust_level__gte=TRUSTED_LEVEL)
        | Q(voucher__is_staff=True)
        | Q(voucher__is_moderator=True)
    )
    return trusted & Q(voucher__access=Access.ADMITTED)


@dataclass(frozen=True)
class TrustSummary:
    """What a profile shows of a member's trust, and what the viewer may do about it."""

    level: int
    record: TrustRecord | None
    vouch_count: int
    vouchers: list[Member]
    vouched_by_viewer: bool
    viewer_may_vouch: bool
    viewer_vouches_left: int | None


def _count(rows: QuerySet[Vouch]) -> Subquery:
    # COUNT without GROUP BY: one row, 0 when nothing matches.
    return Subquery(
        rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"),
        output_field=IntegerField(),
    )


def trust_summary(*, viewer: Viewer, member: Member, vouchers: int = 20) -> TrustSummary:
    """A member's level, its reasons, who vouches for them, and the viewer's vouch.

    One query, and one more for the names of those who vouch when there are some.
    """
    row = (
        Member.objects.filter(pk=member.pk)
        .select_related("trust_record")
        .annotate(
            vouch_total=_count(
                Vouch.objects.filter(member_id=OuterRef("pk"), voucher__is_active=True)
            )
        )
    )
    asks = viewer.is_authenticated and viewer.pk != member.pk
    if asks:
        row = row.annotate(
            viewer_vouched=Exists(
                Vouch.objects.filter(voucher_id=viewer.pk, member_id=OuterRef("pk"))
            ),
            viewer_given=_count(Vouch.objects.filter(voucher_id=viewer.pk)),
        )
    found = row.first()
    if found is None:
        raise NotFound
    try:
        record: TrustRecord | None = found.trust_record
    except TrustRecord.DoesNotExist:
        record = None
    count: int = found.vouch_total or 0
    shown: list[Member] = []
    if count:
        shown = list(
            Member.objects.filter(vouches_given__member=member, is_active=True).order_by(
                "username"
            )[:vouchers]
        )
    return TrustSummary(
        level=member.trust_level,
        record=record,
        vouch_count=count,
        vouchers=shown,
        vouched_by_viewer=bool(asks and found.viewer_vouched),  # type: ignore[attr-defined]
        viewer_may_vouch=asks and can_vouch_for(viewer, member),
        viewer_vouches_left=(
            max(0, vouch_limit() - (found.viewer_given or 0))  # type: ignore[attr-defined]
            if asks
            else None
        ),
    )
