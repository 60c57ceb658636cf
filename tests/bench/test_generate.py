"""The benchmark's synthetic network is data the app itself could have written."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Count, Q

from bench import (
    BIG_THREAD_COMMENTS,
    BIG_THREAD_TITLE,
    EDIT_POST_TITLE,
    EDIT_POSTS,
    HEAVY_FOLLOWS,
    HEAVY_PASSWORD,
    HEAVY_USERNAME,
)
from bench.generate import Sizes, generate
from tribune.accounts.models import Member, MemberFollow
from tribune.communities.models import Membership, MembershipState, Subwiki, SubwikiFollow
from tribune.posts.models import Post, Reaction
from tribune.talk.models import Comment
from tribune.wiki.models import Page, PageKind, Revision, RevisionStatus

SCALE = 0.002


def test_the_network_is_data_the_services_could_have_written(db):
    network = generate(scale=SCALE, seed=7)
    check_sizes(network)
    check_follows()
    check_revision_chains()
    check_counters(network)
    check_threads()
    check_privacy()


def test_the_benchmark_finds_its_named_posts_and_pages_show_them(db, client):
    generate(scale=SCALE, seed=8)
    big = Post.objects.get(title=BIG_THREAD_TITLE)
    assert big.comments.count() == big.comment_count == BIG_THREAD_COMMENTS
    assert Post.objects.filter(title__startswith=EDIT_POST_TITLE).count() == EDIT_POSTS
    assert client.login(username=HEAVY_USERNAME, password=HEAVY_PASSWORD)
    assert client.get(big.get_absolute_url()).status_code == 200
    assert big.subwiki is not None
    assert client.get(big.subwiki.get_absolute_url()).status_code == 200
    assert client.get("/").status_code == 200


def check_sizes(network):
    sizes = Sizes.at(SCALE)
    assert Member.objects.count() == sizes.members
    assert Subwiki.objects.count() == sizes.subwikis
    assert Post.objects.count() == sizes.posts
    assert Comment.objects.count() == sizes.comments
    # Three revisions per post on average, plus one per subwiki description.
    post_revisions = Revision.objects.filter(page__kind=PageKind.POST).count()
    assert 2.5 * sizes.posts <= post_revisions <= 3.5 * sizes.posts
    assert network.rows["posts"] == sizes.posts


def check_follows():
    sources: Counter[int] = Counter()
    for member_id in SubwikiFollow.objects.values_list("member_id", flat=True):
        sources[member_id] += 1
    for member_id in MemberFollow.objects.values_list("follower_id", flat=True):
        sources[member_id] += 1
    heavy = Member.objects.get(username=HEAVY_USERNAME)
    assert sources[heavy.pk] == HEAVY_FOLLOWS
    # Creating a subwiki, or joining a private one, follows it: a few go beyond 100.
    assert all(20 <= sources[m] <= 110 for m in Member.objects.values_list("pk", flat=True))


def check_revision_chains():
    """Every post has a chain of live revisions from its first to page.current_revision."""
    revisions = defaultdict(list)
    for revision in Revision.objects.all():
        revisions[revision.page_id].append(revision)
    pages = Page.objects.in_bulk()
    for post in Post.objects.all():
        page = pages[post.page_id]
        chain = revisions[page.pk]
        assert all(r.status == RevisionStatus.LIVE for r in chain)
        by_id = {r.pk: r for r in chain}
        # Walk back from the head: every revision of the page is on the chain, once.
        assert page.current_revision_id is not None
        walked: list[Revision] = []
        head: Revision | None = by_id[page.current_revision_id]
        while head is not None:
            walked.append(head)
            head = by_id[head.parent_id] if head.parent_id else None
        assert len(walked) == len(chain)
        assert [r.created_at for r in reversed(walked)] == sorted(r.created_at for r in walked)
        assert walked[0].content == post.snapshot()
        assert (post.edited_at is not None) == (len(chain) > 1)
        assert {r.subwiki_id for r in chain} == {post.subwiki_id} == {page.subwiki_id}


def check_counters(network):
    posts = Post.objects.annotate(
        comments_found=Count("comments", distinct=True),
        upvotes_found=Count("reactions", distinct=True),
    )
    for post in posts:
        assert post.comment_count == post.comments_found
        assert post.upvote_count == post.upvotes_found
    subwikis = Subwiki.objects.annotate(
        followers=Count("follows", distinct=True),
        members=Count("memberships", filter=Q(memberships__state="active"), distinct=True),
        posts_found=Count("posts", distinct=True),
    )
    for subwiki in subwikis:
        assert subwiki.follower_count == subwiki.followers
        assert subwiki.member_count == subwiki.members
        assert subwiki.post_count == subwiki.posts_found
    assert Reaction.objects.count() == network.rows["upvotes"]


def check_threads():
    """A reply is later than its parent, one level deeper, on the same post."""
    comments = Comment.objects.in_bulk()
    posts = Post.objects.in_bulk()
    for comment in comments.values():
        assert comment.subwiki_id == posts[comment.post_id].subwiki_id
        assert comment.created_at >= posts[comment.post_id].created_at
        if comment.parent_id is None:
            assert comment.depth == 0
        else:
            parent = comments[comment.parent_id]
            assert parent.post_id == comment.post_id
            assert comment.depth == parent.depth + 1
            assert parent.created_at <= comment.created_at
    assert Comment.objects.exclude(parent=None).exists()


def check_privacy():
    """Private subwikis are read, written and followed by their members only."""
    private = Subwiki.objects.filter(visibility="private")
    assert private.exists()
    for subwiki in private:
        members = set(
            Membership.objects.filter(subwiki=subwiki, state=MembershipState.ACTIVE).values_list(
                "member_id", flat=True
            )
        )
        assert set(subwiki.follows.values_list("member_id", flat=True)) <= members
        assert set(subwiki.posts.values_list("author_id", flat=True)) <= members
        assert set(subwiki.comments.values_list("author_id", flat=True)) <= members
