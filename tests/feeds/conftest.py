"""Networks for the feed tests: members, subwikis and posts, some made in bulk.

The bulk helpers write rows directly (no revisions), for the tests that need hundreds of
sources or posts: what the feeds read of a post is its row, its author and its subwiki.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db.models import Q
from django.utils import timezone

from tests.factories import MemberFactory, make_subwiki
from tribune.accounts.models import Access, Member, MemberFollow
from tribune.communities.models import Role, Subwiki, SubwikiFollow
from tribune.communities.services import membership_approve, subwiki_follow, subwiki_join
from tribune.posts.models import Post
from tribune.posts.selectors import post_queryset
from tribune.wiki.models import Page, PageKind

_numbers = itertools.count(1)


def follow_member(follower: Member, followed: Member) -> None:
    MemberFollow.objects.get_or_create(follower=follower, followed=followed)


def follow_subwiki(member: Member, subwiki: Subwiki) -> None:
    subwiki_follow(actor=member, subwiki=subwiki)


def join_private(member: Member, subwiki: Subwiki) -> None:
    """`member` asks to join the private `subwiki` and one of its owners lets them in."""
    subwiki_join(actor=member, subwiki=subwiki)
    owner = subwiki.memberships.get(role=Role.OWNER).member
    membership_approve(actor=owner, subwiki=subwiki, username=member.username)
    subwiki.__dict__.pop("_membership_cache", None)  # what permissions remembered of before


def bulk_members(count: int) -> list[Member]:
    start = next(_numbers) * 100_000
    Member.objects.bulk_create(
        Member(
            username=f"bulk{start + i}",
            email=f"bulk{start + i}@example.org",
            access=Access.ADMITTED,
        )
        for i in range(count)
    )
    return list(Member.objects.filter(username__startswith="bulk").order_by("-id")[:count])


def bulk_subwikis(count: int, *, visibility: str = "public") -> list[Subwiki]:
    start = next(_numbers) * 100_000
    pages = Page.objects.bulk_create(Page(kind=PageKind.SUBWIKI) for _ in range(count))
    return Subwiki.objects.bulk_create(
        Subwiki(
            name=f"Bulk {start + i}", slug=f"bulk-{start + i}", page=page, visibility=visibility
        )
        for i, page in enumerate(pages)
    )


def bulk_posts(
    count: int,
    *,
    authors: list[Member],
    subwikis: list[Subwiki | None],
    newest: dt.datetime | None = None,
    step: dt.timedelta = dt.timedelta(minutes=1),
) -> list[Post]:
    """`count` posts, newest first, each by the next author in the next subwiki (round robin)."""
    newest = newest or timezone.now()
    pages = Page.objects.bulk_create(Page(kind=PageKind.POST) for _ in range(count))
    return Post.objects.bulk_create(
        Post(
            page=page,
            author=authors[i % len(authors)],
            subwiki=subwikis[i % len(subwikis)],
            kind="text",
            title=f"Bulk post {i}",
            body="Written in bulk.",
            created_at=newest - i * step,
        )
        for i, page in enumerate(pages)
    )


def expected_home_feed(viewer: Member) -> list[int]:
    """The home feed as the plain (slow) query says it: the oracle of the fast one."""
    subwikis = SubwikiFollow.objects.filter(member=viewer).values("subwiki_id")
    authors = MemberFollow.objects.filter(follower=viewer).values("followed_id")
    wanted = Q(subwiki_id__in=subwikis) | Q(author_id__in=authors) | Q(author=viewer)
    return list(
        post_queryset(viewer)
        .filter(wanted)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)
    )


@pytest.fixture
def reader(db) -> Member:
    """The member whose feeds the tests read."""
    return MemberFactory.create(username="reader", display_name="Rita Reader")


@pytest.fixture
def owner(db) -> Member:
    return MemberFactory.create(username="owner", display_name="Otto Owner")


@pytest.fixture
def square(owner) -> Subwiki:
    return make_subwiki(owner=owner, name="Town square", slug="town-square")


@pytest.fixture
def back_room(owner) -> Subwiki:
    return make_subwiki(owner=owner, name="Back room", slug="back-room", visibility="private")
