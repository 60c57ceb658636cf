"""Trust: members vouch for members, and trust levels 0 to 3 are earned with hysteresis.

A level is computed from tenure, accepted edits, comments, vouches from trusted
members and upheld reports (trust.levels; docs/trust.md explains it to
people). As Discourse does, a member is promoted only when they meet every
requirement of the next level, and demoted only when a requirement of their
level falls below 90% of it, so that a level does not flip back and forth
around a threshold. Upheld reports are a penalty, not noise: past a level's
allowance they demote at once.

The level is stored on the member (Member.trust_level, read by everyone else);
the TrustRecord keeps the numbers behind it for the profile. The periodic task
(trust.tasks) and `tribune trust recompute` call trust_recompute_all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.accounts.permissions import VOUCH_LEVEL, Viewer
from tribune.accounts.services import members_set_trust_level
from tribune.core.exceptions import Forbidden, NotFound, ServiceError
from tribune.core.ratelimit import rate_limit
from tribune.moderation.models import Report, ReportState
from tribune.talk.models import Comment, CommentState
from tribune.trust.levels import REPORT_WINDOW_DAYS, Counts, level_for, reasons_for
from tribune.trust.models import TrustRecord, Vouch
from tribune.trust.permissions import can_vouch, can_withdraw_vouch, vouch_limit
from tribune.trust.selectors import vouch_counts_q
from tribune.wiki.models import Revision, RevisionStatus

# --- Counting, in bulk -------------------------------------------------------------


def _grouped(rows: Any, key: str) -> dict[int, int]:
    return dict(rows.order_by().values(key).annotate(n=Count("pk")).values_list(key, "n"))


def _within(field: str, span: tuple[int, int]) -> dict[str, int]:
    # Related fields have no __range lookup; gte and lte make the same index range.
    return {f"{field}__gte": span[0], f"{field}__lte": span[1]}


def _counts_for(members: Sequence[Member], now: dt.datetime) -> dict[int, Counts]:
    """The counts of a batch of members, in four grouped queries whatever its size.

    The members are a range of ids, so each query reads one index range (the rows of
    members outside the batch in that range are counted and ignored).
    """
    if not members:
        return {}
    span = (min(m.pk for m in members), max(m.pk for m in members))
    edits = _grouped(
        Revision.objects.filter(**_within("author", span), status=RevisionStatus.LIVE), "author_id"
    )
    comments = _grouped(
        Comment.objects.filter(**_within("author", span), state=CommentState.VISIBLE), "author_id"
    )
    vouches = _grouped(
        Vouch.objects.filter(vouch_counts_q(), **_within("member", span), voucher__is_active=True),
        "member_id",
    )
    since = now - dt.timedelta(days=REPORT_WINDOW_DAYS)
    reports = dict(
        Report.objects.filter(**_within("target_member", span), state=ReportState.UPHELD)
        .filter(Q(resolved_at__gte=since) | Q(resolved_at__isnull=True, created_at__gte=since))
        .order_by()
        .values("target_member_id")
        # Several reports of one post are one offence.
        .annotate(n=Count("target", distinct=True))
        .values_list("target_member_id", "n")
    )
    return {
        m.pk: Counts(
            days=max(0, (now - (m.admitted_at or m.created_at)).days),
            edits=edits.get(m.pk, 0),
            comments=comments.get(m.pk, 0),
            vouches=vouches.get(m.pk, 0),
            reports=reports.get(m.pk, 0),
        )
        for m in members
    }


# --- Computing and storing levels ---------------------------------------------------


def trust_compute(member: Member) -> tuple[int, dict[str, Any]]:
    """The level `member` should have now, and the reasons; nothing is saved."""
    now = timezone.now()
    counts = _counts_for([member], now)[member.pk]
    level, change = level_for(counts, member.trust_level)
    return level, reasons_for(counts, member.trust_level, level, change)


@dataclass
class RecomputeSummary:
    """How many members were recomputed, and who moved: (username, old level, new level)."""

    members: int = 0
    promoted: list[tuple[str, int, int]] = field(default_factory=list)
    demoted: list[tuple[str, int, int]] = field(default_factory=list)


def _store(members: Sequence[Member], now: dt.datetime, summary: RecomputeSummary) -> None:
    """Compute and store the levels of a batch of members (a fixed number of queries)."""
    counts = _counts_for(members, now)
    records = []
    moves: dict[int, list[int]] = {}
    for member in members:
        level, change = level_for(counts[member.pk], member.trust_level)
        reasons = reasons_for(counts[member.pk], member.trust_level, level, change)
        records.append(TrustRecord(member=member, level=level, reasons=reasons, computed_at=now))
        if level != member.trust_level:
            moves.setdefault(level, []).append(member.pk)
            (summary.promoted if level > member.trust_level else summary.demoted).append(
                (member.username, member.trust_level, level)
            )
            member.trust_level = level
    with transaction.atomic():
        TrustRecord.objects.bulk_create(
            records,
            update_conflicts=True,
            unique_fields=["member"],
            update_fields=["level", "reasons", "computed_at"],
        )
        for level, ids in moves.items():
            members_set_trust_level(member_ids=ids, level=level)
    summary.members += len(members)


def trust_recompute_all(*, batch_size: int = 500) -> RecomputeSummary:
    """Recompute every active member's level (the periodic task); batches of ids."""
    summary = RecomputeSummary()
    now = timezone.now()
    last = 0
    fields = ("username", "trust_level", "admitted_at", "created_at")
    while True:
        batch = list(
            Member.objects.filter(is_active=True, pk__gt=last)
            .order_by("pk")
            .only(*fields)[:batch_size]
        )
        if not batch:
            return summary
        _store(batch, now, summary)
        last = batch[-1].pk


def trust_recompute(*, member: Member) -> int:
    """Recompute and store one member's level now; the new level."""
    _store([member], timezone.now(), RecomputeSummary())
    return member.trust_level


# --- Vouches -------------------------------------------------------------------------


def vouch_create(*, actor: Member, member: Member, address: str | None = None) -> bool:
    """Vouch for a member (idempotent); True if the vouch is new."""
    if not member.is_active:
        raise NotFound
    if not actor.is_admitted:
        if actor.is_suspended:
            raise Forbidden(_("Your account is suspended: you cannot vouch for members."))
        raise Forbidden(
            _("Your account is on the waitlist: you can vouch for members once it is admitted."),
            code="waitlisted",
        )
    if actor.pk == member.pk:
        raise ServiceError(_("You cannot vouch for yourself."), code="cannot_vouch_self")
    if not can_vouch(actor):
        raise Forbidden(
            _("Members can vouch for others from trust level %(level)d on.")
            % {"level": VOUCH_LEVEL},
            code="trust_level_too_low",
        )
    if not member.is_admitted:
        raise ServiceError(
            _("You can vouch only for admitted members."), code="member_not_admitted"
        )
    rate_limit("vouch", member=actor, address=address)
    limit = vouch_limit()
    try:
        with transaction.atomic():
            # The actor's row is the lock: two vouches at once cannot both pass the limit.
            Member.objects.select_for_update().filter(pk=actor.pk).first()
            if Vouch.objects.filter(voucher=actor, member=member).exists():
                return False
            if Vouch.objects.filter(voucher=actor).count() >= limit:
                raise ServiceError(
                    _(
                        "You vouch for %(limit)d members already, the most one can. "
                        "Withdraw one of your vouches first."
                    )
                    % {"limit": limit},
                    code="vouch_limit_reached",
                )
            Vouch.objects.create(voucher=actor, member=member)
    except IntegrityError:
        # Where rows are not locked (SQLite serialises writers anyway), the unique
        # constraint settles a double click.
        return False
    return True


def vouch_withdraw(*, actor: Viewer, member: Member) -> bool:
    """Withdraw one's vouch for a member (idempotent); True if one was withdrawn."""
    if not can_withdraw_vouch(actor):
        raise Forbidden
    deleted, _rows = Vouch.objects.filter(voucher_id=actor.pk, member=member).delete()
    return bool(deleted)
