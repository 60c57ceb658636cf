"""Trust: members vouch for members, and trust levels 0 to 3 are earned with hysteresis.

A level is computed from tenure, accepted edits, comments, vouches from trusted
members and upheld reports (REQUIREMENTS below; docs/trust.md explains it to
people). As Discourse does, a member is promoted only when they meet every
requirement of the next level, and demoted only when a requirement of their
level falls below 90% of it, so that a level does not flip back and forth
around a threshold. Upheld reports are a penalty, not noise: past a level's
allowance they demote at once.

The level is stored on the member (Member.trust_level, read by everyone else);
the TrustRecord keeps the numbers behind it for the profile. The periodic task
(moderation.tasks) and `tribune trust recompute` call trust_recompute_all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from tribune.accounts.models import Access, Member
from tribune.accounts.permissions import Viewer
from tribune.communities.permissions import TRUSTED_LEVEL
from tribune.core.exceptions import Forbidden, NotFound, ServiceError
from tribune.core.ratelimit import rate_limit
from tribune.moderation.models import Report, ReportState, TrustRecord, Vouch
from tribune.talk.models import Comment, CommentState
from tribune.wiki.models import Revision, RevisionStatus

MAX_LEVEL = 3
# Level 1 and up may vouch (and write community notes).
VOUCH_LEVEL = 1
# A level is kept while each requirement holds at 90% of it or more (Discourse's rule).
HOLD_PERCENT = 90
# Upheld reports count for this long; older ones no longer weigh on a member.
REPORT_WINDOW_DAYS = 180


@dataclass(frozen=True)
class Requirements:
    """What a level takes: at least `days`, `edits`, `comments`, `vouches`; at most `reports`."""

    days: int  # days since admission (or sign-up)
    edits: int  # live revisions they wrote (posts, their edits, descriptions)
    comments: int  # visible comments
    vouches: int  # vouches from members at level 2+ (or staff and site moderators)
    reports: int  # upheld reports against them, by distinct target, in REPORT_WINDOW_DAYS


# What each level takes, lowest first; each level asks at least as much as the one below
# (docs/trust.md shows this table to members: change both together).
#   1 basic:     a few days and a first contribution; may vouch and write notes.
#   2 trusted:   a month of steady contributions and a trusted member's word; edits to
#                reviewed posts go live, may approve pending edits and patrol.
#   3 veteran:   half a year, many contributions, several trusted members' word, and no
#                upheld report; may also roll back a member's consecutive edits.
REQUIREMENTS: dict[int, Requirements] = {
    1: Requirements(days=2, edits=1, comments=3, vouches=0, reports=1),
    2: Requirements(days=30, edits=20, comments=20, vouches=1, reports=1),
    3: Requirements(days=180, edits=100, comments=50, vouches=3, reports=0),
}
# The "at least" requirements, in the order the profile lists them; `reports` is "at most".
MINIMUMS = ("days", "edits", "comments", "vouches")
NAMES = (*MINIMUMS, "reports")


@dataclass(frozen=True)
class Counts:
    """The numbers a member's level is computed from."""

    days: int = 0
    edits: int = 0
    comments: int = 0
    vouches: int = 0
    reports: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in NAMES}


def _holds_at(value: int, needed: int, percent: int) -> bool:
    # Integer arithmetic: 18 of 20 holds at 90%, 17 does not.
    return value * 100 >= needed * percent


def _check(level: int, counts: Counts, *, percent: int) -> bool:
    rules = REQUIREMENTS[level]
    if counts.reports > rules.reports:
        return False
    return all(_holds_at(getattr(counts, n), getattr(rules, n), percent) for n in MINIMUMS)


def level_for(counts: Counts, current: int) -> tuple[int, str]:
    """The level a member at `current` has with these counts, and how it changed.

    Promotion needs every requirement of the next level; demotion happens only when a
    requirement of the current level falls below HOLD_PERCENT of it, or at once when
    upheld reports pass the level's allowance ("penalty").
    """
    level = min(max(current, 0), MAX_LEVEL)
    change = "kept"
    while level > 0 and not _check(level, counts, percent=HOLD_PERCENT):
        if counts.reports > REQUIREMENTS[level].reports:
            change = "penalty"
        elif change != "penalty":
            change = "demoted"
        level -= 1
    while level < MAX_LEVEL and _check(level + 1, counts, percent=100):
        level += 1
        change = "promoted"
    return level, change


def _checks(level: int, counts: Counts) -> list[dict[str, Any]]:
    """Each requirement of `level` against the counts, as the profile lists them."""
    rules = REQUIREMENTS[level]
    rows = []
    for name in NAMES:
        value, needed = getattr(counts, name), getattr(rules, name)
        if name == "reports":
            met = held = value <= needed
        else:
            met = value >= needed
            held = _holds_at(value, needed, HOLD_PERCENT)
        rows.append({"name": name, "value": value, "needed": needed, "met": met, "held": held})
    return rows


def reasons_for(counts: Counts, previous: int, level: int, change: str) -> dict[str, Any]:
    """What the TrustRecord keeps: the numbers, and which requirement was met or missed."""
    return {
        "counts": counts.as_dict(),
        "previous": previous,
        "change": change,
        # Why the level is what it is, and what the next one takes.
        "current": _checks(level, counts) if level > 0 else [],
        "next": _checks(level + 1, counts) if level < MAX_LEVEL else [],
    }


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


def vouch_counts_q() -> Q:
    """Vouches that count towards levels: from admitted members at level 2+, staff, moderators."""
    trusted = (
        Q(voucher__trust_level__gte=TRUSTED_LEVEL)
        | Q(voucher__is_staff=True)
        | Q(voucher__is_moderator=True)
    )
    return trusted & Q(voucher__access=Access.ADMITTED)


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
        # Only the level column, one UPDATE per level reached: a profile edit made
        # meanwhile is not overwritten.
        for level, ids in moves.items():
            Member.objects.filter(pk__in=ids).update(trust_level=level)
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
# Who may: vouch — admitted members at level 1+, staff and site moderators, for another
# admitted member; withdraw — anyone signed in, their own vouch, whatever their access.


def can_vouch(viewer: Viewer) -> bool:
    # Admitted members at level 1 and up; staff and site moderators whatever their level,
    # so that a new instance has someone whose word counts.
    if not (viewer.is_authenticated and viewer.is_admitted):
        return False
    return viewer.trust_level >= VOUCH_LEVEL or viewer.is_staff or bool(viewer.is_moderator)


def vouch_limit() -> int:
    """How many members one may vouch for at once (TRIBUNE_VOUCH_LIMIT)."""
    return int(settings.TRIBUNE_VOUCH_LIMIT)


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
    if not actor.is_authenticated:
        raise Forbidden
    deleted, _rows = Vouch.objects.filter(voucher_id=actor.pk, member=member).delete()
    return bool(deleted)


# --- Reading -------------------------------------------------------------------------


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
        viewer_may_vouch=asks and can_vouch(viewer) and member.is_admitted,
        viewer_vouches_left=(
            max(0, vouch_limit() - (found.viewer_given or 0))  # type: ignore[attr-defined]
            if asks
            else None
        ),
    )
