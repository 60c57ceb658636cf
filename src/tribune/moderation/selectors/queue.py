"""The queue a moderator or trusted member works through.

It merges three lists, newest first: open reports grouped by what they are about,
revisions waiting for review (with their diff), and recent changes nobody has
patrolled. Each is filtered by what the viewer may act on, with the same rules as
moderation.permissions, and the three are paged together with one keyset cursor:
(time, list, key), so a page costs a fixed number of queries however deep it is.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from tribune.accounts.models import Access, Member
from tribune.accounts.permissions import (
    TRUSTED_LEVEL,
    Viewer,
    has_trust_level,
    is_site_moderator,
    is_staff,
)
from tribune.communities.models import Membership, MembershipState, Role, Subwiki
from tribune.communities.permissions import remember_membership
from tribune.core.exceptions import Forbidden
from tribune.core.pagination import (
    InvalidCursor,
    clean_limit,
    decode_cursor,
    encode_cursor,
)
from tribune.core.textmerge import DiffLine
from tribune.moderation.models import (
    ActionKind,
    Ban,
    Report,
    ReportState,
)
from tribune.moderation.permissions import (
    can_act,
    can_view_queue,
)
from tribune.moderation.targets import Target, target_of
from tribune.notes.models import CommunityNote
from tribune.posts.models import EDITABLE_FIELDS, Post
from tribune.posts.selectors import revision_visibility_q
from tribune.talk.models import Comment, CommentState
from tribune.wiki.models import PageKind, Revision, RevisionStatus
from tribune.wiki.selectors import revision_diff

# Recent changes stay in the patrol list this long (MediaWiki keeps 30 days too).
PATROL_DAYS = 30


# The latest reports shown under a target in the queue (all are counted).
REPORTS_SHOWN = 5


QueueKind = Literal["report", "pending", "unpatrolled"]


# The order of the three lists among items of the same time (the cursor's second key).
_RANKS: dict[QueueKind, int] = {"report": 2, "pending": 1, "unpatrolled": 0}


def _moderated_ids(viewer: Member) -> QuerySet[Membership, int]:
    """Ids of the subwikis the viewer owns or moderates (a subquery)."""
    return Membership.objects.filter(
        member_id=viewer.pk,
        state=MembershipState.ACTIVE,
        role__in=[Role.OWNER, Role.MODERATOR],
    ).values_list("subwiki_id", flat=True)


def report_scope_q(viewer: Member) -> Q:
    """Reports the viewer may act on (moderation.permissions.can_moderate, as a filter)."""
    if is_staff(viewer):
        return Q()
    scope = Q(subwiki_id__in=_moderated_ids(viewer))
    if is_site_moderator(viewer):
        # Site moderators: public subwikis, and profile posts (members are staff's).
        scope |= Q(subwiki__visibility="public") | (
            Q(subwiki__isnull=True) & ~Q(target__startswith="member:")
        )
    return scope


def review_scope_q(viewer: Member) -> Q:
    """Revisions the viewer may review or patrol (trusted editors, as a filter): not theirs."""
    visible = revision_visibility_q(viewer) & ~Q(author_id=viewer.pk)
    if is_staff(viewer) or has_trust_level(viewer, TRUSTED_LEVEL):
        return visible
    scope = Q(subwiki_id__in=_moderated_ids(viewer))
    if is_site_moderator(viewer):
        scope |= Q(subwiki__isnull=True) | Q(subwiki__visibility="public")
    return visible & scope


@dataclass
class ReportGroup:
    """The open reports about one target, as the queue shows them."""

    target: str  # the stored key
    subwiki: Subwiki | None
    member: Member | None  # whose content (or who) it is
    count: int
    latest_at: dt.datetime
    reasons: list[tuple[str, int]] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)  # the latest REPORTS_SHOWN
    obj: Post | Comment | Revision | CommunityNote | Member | None = None
    title: str = ""
    url: str | None = None

    @property
    def target_name(self) -> str:
        """The target as the API spells it."""
        if isinstance(self.obj, Member):
            return f"member:{self.obj.username}"
        return self.target

    @property
    def kind(self) -> str:
        return self.target.partition(":")[0]


@dataclass
class QueueItem:
    """One entry of the queue: a group of reports, a pending revision or an unpatrolled one."""

    kind: QueueKind
    at: dt.datetime
    key: str | int  # the group's target, or the revision's id
    subwiki: Subwiki | None
    report: ReportGroup | None = None
    revision: Revision | None = None
    diff: dict[str, list[DiffLine]] | None = None  # changed fields only
    title: str = ""
    url: str | None = None
    # The actions the viewer may take on it, in the order the queue offers them.
    actions: list[str] = field(default_factory=list)

    @property
    def target(self) -> str:
        if self.report is not None:
            return self.report.target_name
        return f"revision:{self.key}"

    @property
    def member(self) -> Member | None:
        """Whose content it is (or who)."""
        if self.report is not None:
            return self.report.member
        return self.revision.author if self.revision is not None else None


@dataclass(frozen=True)
class Queue:
    items: list[QueueItem]
    next_cursor: str | None


def _after(kind: QueueKind, at_field: str, key_field: str, cursor: tuple[Any, ...] | None) -> Q:
    """Rows of one list that come after the cursor in the merged order (newest first)."""
    if cursor is None:
        return Q()
    at, rank, key = cursor
    mine = _RANKS[kind]
    if mine < rank:
        return Q(**{f"{at_field}__lte": at})
    if mine > rank:
        return Q(**{f"{at_field}__lt": at})
    if isinstance(key, str) != (kind == "report"):
        raise InvalidCursor
    return Q(**{f"{at_field}__lt": at}) | Q(**{at_field: at, f"{key_field}__lt": key})


def _decode_queue_cursor(cursor: str | None) -> tuple[Any, ...] | None:
    if not cursor:
        return None
    at, rank, key = decode_cursor(cursor, size=3)
    if (
        not isinstance(at, dt.datetime)
        or timezone.is_naive(at)
        or rank not in _RANKS.values()
        or not isinstance(key, int | str)
        or isinstance(key, bool)
    ):
        raise InvalidCursor
    return at, rank, key


def moderation_queue(
    *,
    viewer: Viewer,
    subwiki: Subwiki | None = None,
    cursor: str | None = None,
    limit: int | str | None = None,
    kinds: frozenset[QueueKind] = frozenset(_RANKS),
) -> Queue:
    """What the viewer may act on, newest first: report groups, pending revisions (with
    their diffs) and recent unpatrolled changes; one subwiki's if asked.

    The caller has fetched `subwiki` with subwiki_get. Forbidden for who has no queue.
    """
    if not isinstance(viewer, Member) or not can_view_queue(viewer, subwiki):
        raise Forbidden
    size = clean_limit(limit)
    after = _decode_queue_cursor(cursor)
    items: list[QueueItem] = []
    if "report" in kinds:
        items += _report_items(viewer, subwiki, after, size)
    if "pending" in kinds:
        items += _revision_items(viewer, subwiki, after, size, pending=True)
    if "unpatrolled" in kinds:
        items += _revision_items(viewer, subwiki, after, size, pending=False)
    items.sort(key=lambda item: (item.at, _RANKS[item.kind], _sortable(item.key)), reverse=True)
    page = items[:size]
    next_cursor = None
    if len(items) > size:
        last = page[-1]
        next_cursor = encode_cursor([last.at, _RANKS[last.kind], last.key])
    _fill_reports([item.report for item in page if item.report is not None])
    _fill_diffs([item for item in page if item.kind == "pending"])
    _fill_actions(viewer, page)
    return Queue(items=page, next_cursor=next_cursor)


def _sortable(key: str | int) -> tuple[int, str]:
    # Keys compare within one list only (strings for reports, ids for revisions).
    return (key, "") if isinstance(key, int) else (0, key)


def _report_items(
    viewer: Member, subwiki: Subwiki | None, after: tuple[Any, ...] | None, size: int
) -> list[QueueItem]:
    reports = Report.objects.filter(state=ReportState.OPEN).filter(report_scope_q(viewer))
    if subwiki is not None:
        reports = reports.filter(subwiki=subwiki)
    groups = (
        reports.values("target", "subwiki_id", "target_member_id")
        .annotate(latest_at=Max("created_at"), count=Count("id"))
        .filter(_after("report", "latest_at", "target", after))
        .order_by("-latest_at", "-target")[: size + 1]
    )
    rows = list(groups)
    subwikis = Subwiki.objects.in_bulk({row["subwiki_id"] for row in rows if row["subwiki_id"]})
    members = Member.objects.in_bulk(
        {row["target_member_id"] for row in rows if row["target_member_id"]}
    )
    items = []
    for row in rows:
        group = ReportGroup(
            target=row["target"],
            subwiki=subwikis.get(row["subwiki_id"]),
            member=members.get(row["target_member_id"]),
            count=row["count"],
            latest_at=row["latest_at"],
        )
        items.append(
            QueueItem(
                kind="report",
                at=group.latest_at,
                key=group.target,
                subwiki=group.subwiki,
                report=group,
            )
        )
    return items


def _fill_reports(groups: list[ReportGroup]) -> None:
    """The reasons, latest reports and target of each group of a page, in a few queries."""
    if not groups:
        return
    keys = [group.target for group in groups]
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for row in (
        Report.objects.filter(target__in=keys, state=ReportState.OPEN)
        .values("target", "reason")
        .annotate(n=Count("id"))
    ):
        reasons[row["target"]][row["reason"]] = row["n"]
    latest: dict[str, list[Report]] = defaultdict(list)
    # The newest reports of the page's targets: enough for REPORTS_SHOWN each, bounded.
    for report in (
        Report.objects.filter(target__in=keys, state=ReportState.OPEN)
        .select_related("reporter")
        .order_by("-created_at", "-id")[: REPORTS_SHOWN * len(keys) * 4]
    ):
        if len(latest[report.target]) < REPORTS_SHOWN:
            latest[report.target].append(report)
    objects = _target_objects(keys)
    for group in groups:
        group.reasons = reasons[group.target].most_common()
        group.reports = latest[group.target]
        group.obj = objects.get(group.target)
        group.title, group.url = _describe(group.target, group.obj)


def _ids(keys: list[str], kind: str) -> list[int]:
    found = []
    for key in keys:
        prefix, _sep, ident = key.partition(":")
        if prefix == kind and ident.isdigit():
            found.append(int(ident))
    return found


def _target_objects(
    keys: list[str],
) -> dict[str, Post | Comment | Revision | CommunityNote | Member]:
    """The things reports are about, by key: one query per kind present."""
    found: dict[str, Post | Comment | Revision | CommunityNote | Member] = {}
    if ids := _ids(keys, "post"):
        for post in Post.objects.filter(pk__in=ids).select_related("author", "subwiki", "page"):
            found[f"post:{post.pk}"] = post
    if ids := _ids(keys, "comment"):
        for comment in Comment.objects.filter(pk__in=ids).select_related(
            "author", "post__author", "post__subwiki"
        ):
            found[f"comment:{comment.pk}"] = comment
    if ids := _ids(keys, "revision"):
        for revision in (
            Revision.objects.filter(pk__in=ids)
            .select_related(
                "author", "page__post__author", "page__post__subwiki", "page__subwiki_owner"
            )
            .defer("content")
        ):
            found[f"revision:{revision.pk}"] = revision
    if ids := _ids(keys, "note"):
        for note in CommunityNote.objects.filter(pk__in=ids).select_related(
            "author", "post__author", "post__subwiki"
        ):
            found[f"note:{note.pk}"] = note
    if ids := _ids(keys, "member"):
        for member in Member.objects.filter(pk__in=ids):
            found[f"member:{member.pk}"] = member
    return found


def _describe(key: str, obj: object) -> tuple[str, str | None]:
    """A title and an address for a target, from the object (already loaded)."""
    if isinstance(obj, Post):
        return obj.title, obj.get_absolute_url()
    if isinstance(obj, Comment):
        return obj.post.title, obj.post.get_absolute_url() + f"#comment-{obj.pk}"
    if isinstance(obj, Revision):
        return _revision_place(obj)
    if isinstance(obj, CommunityNote):
        return obj.post.title, reverse("notes:note", args=[obj.pk])
    if isinstance(obj, Member):
        return obj.name, obj.get_absolute_url()
    return key, None


def _revision_place(revision: Revision) -> tuple[str, str]:
    page = revision.page
    if page.kind == PageKind.POST:
        post: Post = page.post
        return post.title, reverse("posts:revision", args=[post.pk, revision.pk])
    subwiki: Subwiki = page.subwiki_owner
    url = reverse("communities:description_diff", args=[subwiki.slug]) + f"?to={revision.pk}"
    return subwiki.name, url


def _revision_items(
    viewer: Member,
    subwiki: Subwiki | None,
    after: tuple[Any, ...] | None,
    size: int,
    *,
    pending: bool,
) -> list[QueueItem]:
    kind: QueueKind = "pending" if pending else "unpatrolled"
    revisions = Revision.objects.filter(review_scope_q(viewer)).select_related(
        "author", "subwiki", "page__post__author", "page__post__subwiki", "page__subwiki_owner"
    )
    if pending:
        revisions = revisions.filter(status=RevisionStatus.PENDING)
    else:
        since = timezone.now() - dt.timedelta(days=PATROL_DAYS)
        # Edits by trusted members and moderators need no patrol, nor does the empty
        # description a new subwiki starts with.
        revisions = revisions.filter(
            status=RevisionStatus.LIVE, patrolled=False, created_at__gte=since
        ).exclude(
            Q(author__trust_level__gte=TRUSTED_LEVEL)
            | Q(author__is_staff=True)
            | Q(author__is_moderator=True)
            | Q(page__kind=PageKind.SUBWIKI, parent__isnull=True)
        )
        revisions = revisions.defer("content")
    if subwiki is not None:
        revisions = revisions.filter(subwiki=subwiki)
    rows = revisions.filter(_after(kind, "created_at", "id", after)).order_by("-created_at", "-id")[
        : size + 1
    ]
    items = []
    for revision in rows:
        title, url = _revision_place(revision)
        items.append(
            QueueItem(
                kind=kind,
                at=revision.created_at,
                key=revision.pk,
                subwiki=revision.subwiki,
                revision=revision,
                title=title,
                url=url,
            )
        )
    return items


def _fill_diffs(items: list[QueueItem]) -> None:
    """Each pending revision's change from the revision it was written on (one query)."""
    parent_ids = {item.revision.parent_id for item in items if item.revision is not None}
    parents = Revision.objects.in_bulk({pk for pk in parent_ids if pk is not None})
    for item in items:
        revision = item.revision
        if revision is None:
            continue
        base = parents.get(revision.parent_id or 0) or Revision(
            page_id=revision.page_id, content={}
        )
        fields = EDITABLE_FIELDS if revision.page.kind == PageKind.POST else ("description",)
        diff = revision_diff(old=base, new=revision, fields=fields)
        item.diff = diff.changed_fields


def _candidates(item: QueueItem, target: Target, banned: set[tuple[int, int]]) -> list[str]:
    """The actions the queue offers on an item, before asking who may take them: each one
    that would change something (`banned`: the standing bans, as (subwiki, member) ids)."""
    obj = target.obj
    offered: list[str] = []
    if isinstance(obj, Revision):
        if obj.status == RevisionStatus.PENDING:
            offered += [ActionKind.APPROVE_REVISION, ActionKind.REJECT_REVISION]
        elif obj.status == RevisionStatus.LIVE:
            offered += [] if obj.patrolled else [ActionKind.PATROL]
            offered += [ActionKind.ROLLBACK] if target.post is not None else []
    elif isinstance(obj, Post):
        offered += [ActionKind.RESTORE if obj.is_removed else ActionKind.REMOVE]
        offered += [ActionKind.UNLOCK if obj.locked_at else ActionKind.LOCK, ActionKind.PROTECT]
    elif isinstance(obj, Comment):
        if obj.state == CommentState.REMOVED:
            offered.append(ActionKind.RESTORE)
        elif obj.state == CommentState.VISIBLE:
            offered.append(ActionKind.REMOVE)
    elif isinstance(obj, CommunityNote):
        offered.append(ActionKind.RESTORE if obj.is_removed else ActionKind.REMOVE)
    member = target.member
    if target.subwiki is not None and member is not None:
        standing = (target.subwiki.pk, member.pk) in banned
        offered.append(ActionKind.UNBAN if standing else ActionKind.BAN)
    if member is not None:
        suspended = member.access == Access.SUSPENDED
        offered.append(ActionKind.UNSUSPEND if suspended else ActionKind.SUSPEND)
    if item.kind == "report":
        offered.append(ActionKind.DISMISS)
    return offered


def _fill_actions(viewer: Member, items: list[QueueItem]) -> None:
    """The actions the viewer may take on each item of a page, in a fixed number of queries.

    The rules read memberships (the viewer's, and the member's for a ban): they are read
    for every subwiki of the page in one query, on one object per subwiki. Whether a ban
    stands (the queue offers to lift it then) is read in one query more.
    """
    found: list[tuple[QueueItem, Target]] = []
    for item in items:
        obj = item.report.obj if item.report is not None else item.revision
        if obj is not None:
            found.append((item, target_of(obj)))
    places: dict[int, Subwiki] = {}
    for _item, target in found:
        if target.subwiki is not None:
            places.setdefault(target.subwiki.pk, target.subwiki)
    people = {viewer.pk: viewer}
    people.update({t.member.pk: t.member for _i, t in found if t.member is not None})
    memberships = {
        (m.subwiki_id, m.member_id): m
        for m in Membership.objects.filter(subwiki_id__in=places, member_id__in=people)
    }
    for subwiki in places.values():
        for person in people.values():
            remember_membership(subwiki, person, memberships.get((subwiki.pk, person.pk)))
    banned = _standing_bans(places, people)
    for item, target in found:
        if target.subwiki is not None:
            shared = places[target.subwiki.pk]
            if target.post is not None:
                target.post.subwiki = shared
            target = replace(target, subwiki=shared)
        item.actions = [
            action
            for action in _candidates(item, target, banned)
            if can_act(viewer, action, target, target.subwiki)
        ]


def _standing_bans(
    subwiki_ids: Collection[int], member_ids: Collection[int]
) -> set[tuple[int, int]]:
    """Which of these members a standing ban keeps out of which of these subwikis (one
    query): a ban that ran out stands no more, as communities.permissions.is_banned says."""
    if not subwiki_ids or not member_ids:
        return set()
    return set(
        Ban.objects.filter(
            subwiki_id__in=list(subwiki_ids), member_id__in=list(member_ids), lifted_at__isnull=True
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .values_list("subwiki_id", "member_id")
    )


def queue_counts(*, viewer: Viewer) -> dict[str, int]:
    """How many open report groups, pending and unpatrolled revisions wait (for a badge)."""
    if not isinstance(viewer, Member) or not can_view_queue(viewer):
        return {}
    reports = (
        Report.objects.filter(state=ReportState.OPEN)
        .filter(report_scope_q(viewer))
        .values("target")
        .distinct()
        .count()
    )
    pending = (
        Revision.objects.filter(review_scope_q(viewer))
        .filter(status=RevisionStatus.PENDING)
        .count()
    )
    return {"reports": reports, "pending": pending}
