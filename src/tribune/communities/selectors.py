"""Reads of subwikis, with one visibility rule for every page, feed and API list."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer, is_staff
from tribune.communities.models import Membership, MembershipState, Subwiki, SubwikiFollow
from tribune.communities.permissions import (
    EditDecision,
    can_manage_members,
    can_post_in,
    can_view_subwiki,
    edit_decision,
    membership_of,
    remember_membership,
)
from tribune.core.exceptions import Forbidden, NotFound
from tribune.core.pagination import Page as ListPage
from tribune.core.pagination import paginate_keyset


def member_subwiki_ids(viewer: Viewer) -> QuerySet[Membership, int]:
    """Ids of the subwikis the viewer is an active member of (a subquery, not a list)."""
    members = Membership.objects.filter(state=MembershipState.ACTIVE)
    members = members.filter(member=viewer) if isinstance(viewer, Member) else members.none()
    return members.values_list("subwiki_id", flat=True)


def subwiki_visibility_q(viewer: Viewer, *, prefix: str = "") -> Q:
    """The rule "which subwikis may the viewer read", as a filter on `prefix`+visibility.

    Every selector that lists subwikis, or things in them, applies this one filter.
    """
    public = Q(**{f"{prefix}visibility": "public"})
    if not viewer.is_authenticated:
        return public if settings.TRIBUNE_PUBLIC_READ else Q(pk__in=[])
    if is_staff(viewer):
        return Q()
    return public | Q(**{f"{prefix}id__in": member_subwiki_ids(viewer)})


def subwiki_queryset(viewer: Viewer) -> QuerySet[Subwiki]:
    return Subwiki.objects.filter(subwiki_visibility_q(viewer)).select_related(
        "page__current_revision"
    )


def _prime_memberships(viewer: Viewer, subwikis: list[Subwiki]) -> None:
    if not viewer.is_authenticated or not subwikis:
        return
    found = {
        m.subwiki_id: m
        for m in Membership.objects.filter(member_id=viewer.pk, subwiki__in=subwikis)
    }
    for subwiki in subwikis:
        remember_membership(subwiki, viewer, found.get(subwiki.pk))


def subwiki_get(*, viewer: Viewer, slug: str) -> Subwiki:
    """A subwiki the viewer may read; NotFound otherwise (private ones are not confirmed)."""
    subwiki = Subwiki.objects.select_related("page__current_revision").filter(slug=slug).first()
    if subwiki is None:
        raise NotFound
    _prime_memberships(viewer, [subwiki])
    if not can_view_subwiki(viewer, subwiki):
        raise NotFound
    return subwiki


def subwiki_get_any(*, viewer: Viewer, slug: str) -> Subwiki:
    """A subwiki by slug even if private: for joining by request, which needs no read access."""
    subwiki = Subwiki.objects.filter(slug=slug).first()
    if subwiki is None or not viewer.is_authenticated:
        raise NotFound
    _prime_memberships(viewer, [subwiki])
    # Only an admitted member may ask to join; to anyone else who may not read it, a
    # private subwiki stays unconfirmed (unless they still hold a request or invitation).
    if not (
        viewer.is_admitted
        or can_view_subwiki(viewer, subwiki)
        or membership_of(viewer, subwiki) is not None
    ):
        raise NotFound
    return subwiki


def subwiki_list(
    *, viewer: Viewer, query: str = "", cursor: str | None = None, limit: int | str | None = None
) -> ListPage[Subwiki]:
    """Subwikis the viewer may read, newest first, optionally filtered by name."""
    queryset = subwiki_queryset(viewer)
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(slug__icontains=query.lower()))
    page = paginate_keyset(queryset, cursor=cursor, limit=limit)
    _prime_memberships(viewer, page.items)
    return page


def subwiki_is_followed(*, viewer: Viewer, subwiki: Subwiki) -> bool:
    if not viewer.is_authenticated:
        return False
    return SubwikiFollow.objects.filter(member_id=viewer.pk, subwiki=subwiki).exists()


def subwikis_followed(*, viewer: Viewer, subwikis: list[Subwiki]) -> set[int]:
    """Which of these subwikis the viewer follows, in one query for a whole list."""
    if not viewer.is_authenticated or not subwikis:
        return set()
    return set(
        SubwikiFollow.objects.filter(member_id=viewer.pk, subwiki__in=subwikis).values_list(
            "subwiki_id", flat=True
        )
    )


def subwiki_memberships(*, viewer: Viewer, subwiki: Subwiki) -> list[Membership]:
    """The members page: active members for readers; requests and invitations too for moderators."""
    if not can_view_subwiki(viewer, subwiki):
        raise NotFound
    states = [MembershipState.ACTIVE]
    if can_manage_members(viewer, subwiki):
        states += [MembershipState.REQUESTED, MembershipState.INVITED]
    return list(
        Membership.objects.filter(subwiki=subwiki, state__in=states)
        .select_related("member")
        .order_by("state", "role", "member__username")[:500]
    )


def subwiki_pending_requests(*, viewer: Viewer, subwiki: Subwiki) -> list[Membership]:
    if not can_manage_members(viewer, subwiki):
        raise Forbidden
    return list(
        Membership.objects.filter(subwiki=subwiki, state=MembershipState.REQUESTED)
        .select_related("member")
        .order_by("created_at")
    )


MAX_POSTING_CHOICES = 200


def subwikis_for_posting(*, viewer: Viewer, include_slug: str = "") -> list[Subwiki]:
    """Where the viewer may post, by name: subwikis they belong to or follow, and one more.

    `include_slug` adds the subwiki a "new post" link came from, if the viewer may post
    there. Not every public subwiki: a list of all of them would grow without bound.
    """
    if not viewer.is_authenticated:
        return []
    mine = Q(id__in=member_subwiki_ids(viewer)) | Q(
        id__in=SubwikiFollow.objects.filter(member_id=viewer.pk).values("subwiki_id")
    )
    if include_slug:
        mine |= Q(slug=include_slug)
    subwikis = list(
        Subwiki.objects.filter(subwiki_visibility_q(viewer))
        .filter(mine)
        .order_by("name", "id")[:MAX_POSTING_CHOICES]
    )
    _prime_memberships(viewer, subwikis)
    return [subwiki for subwiki in subwikis if can_post_in(viewer, subwiki)]


def description_edit_decision(viewer: Viewer, subwiki: Subwiki) -> EditDecision:
    """What an edit of the subwiki's description by the viewer would do (its edit policy)."""
    return edit_decision(
        viewer, policy=subwiki.description_edit_policy, subwiki=subwiki, author=None
    )


def subwiki_get_for_description_edit(*, viewer: Viewer, slug: str) -> tuple[Subwiki, EditDecision]:
    """A subwiki and what an edit of its description would do; NotFound / Forbidden."""
    subwiki = subwiki_get(viewer=viewer, slug=slug)
    decision = description_edit_decision(viewer, subwiki)
    if decision is EditDecision.DENIED:
        raise Forbidden(_("You may not edit this subwiki's description."))
    return subwiki, decision
