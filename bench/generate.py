"""Build a synthetic Tribune network for the benchmarks.

    python -m bench.generate [--scale 1.0] [--database-url URL] [--seed 4]

At scale 1.0: 20,000 members, 500 subwikis, 200,000 posts with 600,000 revisions,
500,000 comments in threads, 300,000 upvotes, and each member following 20 to 100
subwikis and members. Activity follows a power law (a few members post, edit and
comment a lot; a few subwikis and posts draw most of the traffic), spread over two
years. Without --database-url it writes a fresh SQLite file under
var/bench/scale-<scale>/; with a PostgreSQL URL it creates the database if needed
and migrates it, and refuses one that already holds a network.

The rows are written with bulk_create, not through the services (which would take
hours at this size), but they are what the services would have written: every
post has its page and a chain of live revisions ending at page.current_revision,
counters match what they count, followers of private subwikis are their members,
and replies sit in their parent's thread. tests/bench/test_generate.py checks it.

The benchmark finds by name a member "heavy" who follows exactly 100 sources, a
post with exactly 200 comments, and posts for the save benchmark (bench/__init__.py).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import random
import shutil
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench import (
    BIG_THREAD_COMMENTS,
    BIG_THREAD_TITLE,
    EDIT_POST_TITLE,
    EDIT_POSTS,
    HEAVY_FOLLOWS,
    HEAVY_PASSWORD,
    HEAVY_USERNAME,
    configure,
    engine_of,
    sqlite_url,
    var_dir_for,
)

# The network at scale 1.0.
MEMBERS = 20_000
SUBWIKIS = 500
POSTS = 200_000
REVISIONS_PER_POST = 3
COMMENTS = 500_000
UPVOTES_PER_POST = 1.5
FOLLOWS_PER_MEMBER = (20, 100)
HISTORY_DAYS = 730
PRIVATE_SHARE = 0.05  # of subwikis
PROFILE_POST_SHARE = 0.1  # posts on their author's profile, in no subwiki
MAX_COMMENT_DEPTH = 5
HEAVY_SUBWIKIS = 30  # of the heavy follower's 100 sources; the rest are members
BATCH = 2_000  # rows per INSERT statement (bulk_create lowers it to the engine's limit)
CHUNK = 5_000  # posts (with their pages and revisions) per transaction


@dataclass(frozen=True)
class Sizes:
    members: int
    subwikis: int
    posts: int
    comments: int
    upvotes: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        # Floors keep a tiny scale usable: the heavy follower needs 100 sources, and
        # the named posts need room beside the ordinary ones.
        posts = max(round(POSTS * scale), 300)
        return cls(
            members=max(round(MEMBERS * scale), HEAVY_FOLLOWS + 50),
            subwikis=max(round(SUBWIKIS * scale), 10),
            posts=posts,
            comments=max(round(COMMENTS * scale), BIG_THREAD_COMMENTS + 300),
            upvotes=round(posts * UPVOTES_PER_POST),
        )


# --- Text -------------------------------------------------------------------
_WORDS = (
    "the a of and to in is that for on with as by at from it this be are was an or "
    "not have has new report city council water energy climate court election vote "
    "school health study data science research policy market price bank budget law "
    "river forest coast transport rail bus bike road housing rent library museum "
    "festival music film book history archive map survey census audit budget local "
    "national community volunteer project open source software network privacy "
    "security fact check source claim evidence review update correction interview "
    "analysis summary timeline background context quote figure chart table trend "
    "week month year today yesterday morning evening spring summer autumn winter "
    "north south east west central district region village town neighbourhood "
    "farm food market trade union worker job wage tax public service hospital "
    "doctor nurse patient teacher student parent child family garden park tree "
    "storm flood drought heat wind solar battery grid power plant carbon emission"
)
WORDS = _WORDS.split()
TOPICS = (
    "Climate",
    "Local news",
    "Science",
    "Technology",
    "Health",
    "Politics",
    "Economy",
    "Education",
    "Transport",
    "Housing",
    "Culture",
    "Books",
    "Music",
    "Film",
    "History",
    "Open source",
    "Privacy",
    "Fact checks",
    "Energy",
    "Food",
    "Gardening",
    "Cycling",
    "Space",
    "Oceans",
    "Wildlife",
    "Cities",
    "Labour",
    "Media",
    "Law",
    "Sport",
)
_FIRST_NAMES = (
    "Ada Alan Amara Ana Bea Ben Carla Chen Dana Dev Eli Emma Femi Finn Gia Hana Ivan "
    "Jia Jon Kai Kofi Lea Leo Lin Maya Mo Nia Noor Omar Pia Raj Rosa Sam Sara Tao "
    "Teo Uma Vera Wen Yara Yusuf Zoe"
)
FIRST_NAMES = _FIRST_NAMES.split()
_LAST_NAMES = (
    "Abara Berg Costa Dubois Eze Fischer Garcia Haddad Ito Jensen Kim Lopez Moreau "
    "Nakamura Okafor Petit Quinn Rossi Silva Tan Urban Varga Wang Xu Yilmaz Zhou"
)
LAST_NAMES = _LAST_NAMES.split()
EDIT_SUMMARIES = (
    "Copy-edit",
    "Add a source",
    "Fix a typo",
    "Update the figures",
    "Clarify",
    "Add context",
    "Correct the date",
    "",
)


class Text:
    """Pools of sentences and titles drawn once, so that a million texts cost little."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.sentences = [self._sentence() for _ in range(5_000)]
        self.titles = [self._title() for _ in range(5_000)]

    def _sentence(self) -> str:
        words = self.rng.choices(WORDS, k=self.rng.randint(6, 18))
        if self.rng.random() < 0.1:
            i = self.rng.randrange(len(words))
            words[i] = f"**{words[i]}**"
        if self.rng.random() < 0.05:
            words.append(f"([source](https://news.example/{self.rng.randrange(10**6)}))")
        return " ".join(words).capitalize() + "."

    def _title(self) -> str:
        return " ".join(self.rng.choices(WORDS, k=self.rng.randint(4, 10))).capitalize()

    def title(self) -> str:
        return self.rng.choice(self.titles)

    def sentence(self) -> str:
        return self.rng.choice(self.sentences)

    def paragraphs(self, low: int, high: int) -> str:
        sentences = [self.sentence() for _ in range(self.rng.randint(low, high))]
        # A paragraph break every few sentences, as people write.
        out: list[str] = []
        for i, s in enumerate(sentences):
            out.append(s)
            out.append("\n\n" if i % 3 == 2 else " ")
        return "".join(out).strip()


# --- Sampling ---------------------------------------------------------------
def power_weights(rng: random.Random, n: int, *, alpha: float, cap: float) -> list[float]:
    """Pareto-distributed weights, largest first: a few heavy hitters and a long tail."""
    return sorted((min(rng.paretovariate(alpha), cap) for _ in range(n)), reverse=True)


def cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def weighted_sample(
    rng: random.Random,
    cum: Sequence[float],
    k: int,
    exclude: set[int] | frozenset[int] = frozenset(),
) -> list[int]:
    """k distinct indexes drawn by weight (without replacement), none in `exclude`."""
    n = len(cum)
    k = min(k, n - len(exclude))
    chosen: dict[int, None] = {}
    for _ in range(30):
        if len(chosen) >= k:
            break
        for i in rng.choices(range(n), cum_weights=cum, k=2 * (k - len(chosen))):
            if i not in exclude and i not in chosen:
                chosen[i] = None
                if len(chosen) == k:
                    break
    if len(chosen) < k:  # the heaviest are all taken: finish evenly
        rest = [i for i in range(n) if i not in exclude and i not in chosen]
        chosen.update(dict.fromkeys(rng.sample(rest, k - len(chosen))))
    return list(chosen)


def between(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    if end <= start:
        return start
    return start + (end - start) * rng.random()


def soon_after(
    rng: random.Random, start: dt.datetime, end: dt.datetime, days: float
) -> dt.datetime:
    """A time after `start`, usually within `days`, never after `end`."""
    return min(start + dt.timedelta(days=rng.expovariate(1 / days)), end)


# --- The plan: what to write, as plain data ------------------------------------
@dataclass(slots=True)
class PostPlan:
    author: int  # member index
    subwiki: int | None  # subwiki index
    created_at: dt.datetime
    kind: str
    title: str = ""
    edits: int = 0
    pk: int = 0


@dataclass(slots=True)
class CommentPlan:
    post: int  # post index
    parent: int | None  # comment index
    author: int
    created_at: dt.datetime
    depth: int
    body: str
    pk: int = 0


@dataclass
class Network:
    """Everything generated, by index; primary keys are assigned when written."""

    sizes: Sizes
    start: dt.datetime
    end: dt.datetime
    member_created: list[dt.datetime] = field(default_factory=list)
    member_cum: list[float] = field(default_factory=list)
    subwiki_created: list[dt.datetime] = field(default_factory=list)
    subwiki_creator: list[int] = field(default_factory=list)
    subwiki_cum: list[float] = field(default_factory=list)
    private: dict[int, list[int]] = field(default_factory=dict)  # subwiki -> member indexes
    posts: list[PostPlan] = field(default_factory=list)
    comments: list[CommentPlan] = field(default_factory=list)
    subwiki_follows: list[tuple[int, int, dt.datetime]] = field(default_factory=list)
    member_follows: list[tuple[int, int, dt.datetime]] = field(default_factory=list)
    upvotes: list[tuple[int, int, dt.datetime]] = field(default_factory=list)  # post, member


class Planner:
    def __init__(self, sizes: Sizes, *, seed: int, end: dt.datetime) -> None:
        self.rng = random.Random(seed)
        self.text = Text(self.rng)
        self.net = Network(sizes=sizes, start=end - dt.timedelta(days=HISTORY_DAYS), end=end)

    def plan(self) -> Network:
        self.members()
        self.subwikis()
        self.posts()
        self.comments()
        self.upvotes()
        self.follows()
        return self.net

    def members(self) -> None:
        net, rng = self.net, self.rng
        first = net.start - dt.timedelta(days=60)
        # Sorted, so that ids follow the order of joining as they would in production.
        net.member_created = sorted(
            between(rng, first, net.end - dt.timedelta(days=30)) for _ in range(net.sizes.members)
        )
        net.member_created[0] = first  # the heavy follower, an early member
        weights = power_weights(rng, net.sizes.members, alpha=1.16, cap=2_000)
        rng.shuffle(weights)  # activity does not follow the order of joining
        weights[0] = 3.0  # the heavy follower reads much and posts little
        net.member_cum = cumulative(weights)

    def member_before(self, when: dt.datetime) -> int:
        """A member who had joined by `when`."""
        count = bisect.bisect_right(self.net.member_created, when)
        return self.rng.randrange(max(count, 1))

    def subwikis(self) -> None:
        net, rng = self.net, self.rng
        n = net.sizes.subwikis
        net.subwiki_created = [
            between(rng, net.start - dt.timedelta(days=30), net.start + dt.timedelta(days=365))
            for _ in range(n)
        ]
        net.subwiki_created[0] = net.start - dt.timedelta(days=30)  # the busiest is the oldest
        net.subwiki_creator = [self.member_before(t) for t in net.subwiki_created]
        net.subwiki_cum = cumulative(power_weights(rng, n, alpha=1.2, cap=200))
        # The busiest few stay public: the benchmark reads them.
        for s in range(3, n):
            if rng.random() < PRIVATE_SHARE:
                size = rng.randint(10, max(10, net.sizes.members // 50))
                members = weighted_sample(rng, net.member_cum, size)
                net.private[s] = sorted({net.subwiki_creator[s], *members})
        if not net.private:  # small scales: at least one, so privacy is exercised
            members = weighted_sample(rng, net.member_cum, 10)
            net.private[n - 1] = sorted({net.subwiki_creator[n - 1], *members})
        # The heavy follower belongs to one private subwiki, so that their feed
        # exercises the membership rule too.
        first = net.private[min(net.private)]
        if 0 not in first:
            first.insert(0, 0)

    def author_for(self, subwiki: int | None) -> int:
        if subwiki is not None and subwiki in self.net.private:
            return self.rng.choice(self.net.private[subwiki])
        return self.rng.choices(range(self.net.sizes.members), cum_weights=self.net.member_cum)[0]

    def posts(self) -> None:
        net, rng = self.net, self.rng
        members = range(net.sizes.members)
        special = 1 + EDIT_POSTS
        regular = net.sizes.posts - special
        authors = rng.choices(members, cum_weights=net.member_cum, k=regular)
        places = rng.choices(range(net.sizes.subwikis), cum_weights=net.subwiki_cum, k=regular)
        plans: list[PostPlan] = []
        for author, place in zip(authors, places, strict=True):
            subwiki: int | None = place if rng.random() >= PROFILE_POST_SHARE else None
            if subwiki is not None and subwiki in net.private:
                author = rng.choice(net.private[subwiki])
            earliest = net.member_created[author]
            if subwiki is not None:
                earliest = max(earliest, net.subwiki_created[subwiki])
            kind = rng.choices(("link", "article", "text"), weights=(4, 2, 4))[0]
            plans.append(PostPlan(author, subwiki, between(rng, earliest, net.end), kind))
        # Edits: two per post on average, most on a few posts.
        edited = rng.choices(
            range(regular),
            cum_weights=cumulative(power_weights(rng, regular, alpha=1.5, cap=100)),
            k=(REVISIONS_PER_POST - 1) * regular,
        )
        rng.shuffle(plans)  # the weights were sorted; which posts get them is random
        for index, count in Counter(edited).items():
            plans[index].edits = count
        # The named posts, recent, in the busiest subwiki.
        recent = net.end - dt.timedelta(days=2)
        big = PostPlan(self.author_for(0), 0, recent, "article", title=BIG_THREAD_TITLE)
        plans.append(big)
        for i in range(EDIT_POSTS):
            when = net.end - dt.timedelta(days=1, minutes=i)
            title = f"{EDIT_POST_TITLE} #{i + 1}"
            plans.append(PostPlan(self.author_for(0), 0, when, "article", title=title))
        plans.sort(key=lambda p: p.created_at)
        net.posts = plans

    def comments(self) -> None:
        net, rng = self.net, self.rng
        regular = [i for i, p in enumerate(net.posts) if not p.title]
        big = next(i for i, p in enumerate(net.posts) if p.title == BIG_THREAD_TITLE)
        weights = power_weights(rng, len(regular), alpha=1.3, cap=400)
        rng.shuffle(weights)
        picks = rng.choices(regular, weights=weights, k=net.sizes.comments - BIG_THREAD_COMMENTS)
        per_post = Counter(picks)
        per_post[big] = BIG_THREAD_COMMENTS
        plans: list[CommentPlan] = []
        for post_index, count in per_post.items():
            plans.extend(self.thread(post_index, count, base=len(plans)))
        # Ids follow time, as they would; a reply is always later than its parent.
        order = sorted(range(len(plans)), key=lambda i: plans[i].created_at)
        position = {old: new for new, old in enumerate(order)}
        net.comments = []
        for old in order:
            plan = plans[old]
            if plan.parent is not None:
                plan.parent = position[plan.parent]
            net.comments.append(plan)

    def thread(self, post_index: int, count: int, *, base: int) -> list[CommentPlan]:
        """`count` comments on one post, as threads; `base` is the index of the first."""
        net, rng = self.net, self.rng
        post = net.posts[post_index]
        times = sorted(soon_after(rng, post.created_at, net.end, 1.5) for _ in range(count))
        out: list[CommentPlan] = []
        for j, when in enumerate(times):
            parent: int | None = None
            depth = 0
            if j and rng.random() < 0.6:
                # Replies mostly answer a recent comment; past the deepest level they
                # answer the parent's parent instead, as the thread view would nest them.
                p = max(0, j - 1 - int(rng.expovariate(0.3)))
                while out[p].depth >= MAX_COMMENT_DEPTH:
                    p = (out[p].parent or base) - base
                parent, depth = base + p, out[p].depth + 1
            author = self.author_for(post.subwiki)
            body = self.text.paragraphs(1, 3)
            if parent is not None and rng.random() < 0.1:
                body = f"@{username(out[parent - base].author)} {body}"
            out.append(CommentPlan(post_index, parent, author, when, depth, body))
        return out

    def upvotes(self) -> None:
        net, rng = self.net, self.rng
        n = len(net.posts)
        weights = power_weights(rng, n, alpha=1.3, cap=500)
        rng.shuffle(weights)
        per_post = Counter(rng.choices(range(n), weights=weights, k=net.sizes.upvotes))
        for post_index, count in sorted(per_post.items()):
            post = net.posts[post_index]
            voters = (
                net.private[post.subwiki]
                if post.subwiki is not None and post.subwiki in net.private
                else range(net.sizes.members)
            )
            for member in rng.sample(voters, min(count, len(voters))):
                when = soon_after(rng, post.created_at, net.end, 2)
                net.upvotes.append((post_index, member, when))

    def follows(self) -> None:
        net, rng = self.net, self.rng
        n_members = net.sizes.members
        public = [s for s in range(net.sizes.subwikis) if s not in net.private]
        public_cum = cumulative(
            [net.subwiki_cum[s] - (net.subwiki_cum[s - 1] if s else 0) for s in public]
        )
        position = {s: i for i, s in enumerate(public)}
        followed: dict[int, set[int]] = defaultdict(set)  # member -> subwikis
        for s, creator in enumerate(net.subwiki_creator):
            followed[creator].add(s)
        for s, members in net.private.items():
            for m in members:
                if m == 0 or rng.random() < 0.8:
                    followed[m].add(s)
        for m in range(n_members):
            if m == 0:
                # The heavy follower: exactly HEAVY_FOLLOWS sources.
                # The same mix at every scale that has enough subwikis for it.
                want_subwikis = min(HEAVY_SUBWIKIS, len(public) * 2 // 3 + len(followed[0]))
            else:
                total = rng.randint(*FOLLOWS_PER_MEMBER)
                want_subwikis = round(total * rng.uniform(0.3, 0.7))
            have = followed[m]
            taken = {position[s] for s in have if s in position}
            extra = max(0, want_subwikis - len(have))
            for i in weighted_sample(rng, public_cum, extra, taken):
                have.add(public[i])
            for s in sorted(have):
                start = max(net.member_created[m], net.subwiki_created[s])
                net.subwiki_follows.append((m, s, between(rng, start, net.end)))
            want_members = (
                HEAVY_FOLLOWS - len(have)
                if m == 0
                else max(0, rng.randint(*FOLLOWS_PER_MEMBER) - len(have))
            )
            for other in weighted_sample(rng, net.member_cum, want_members, {m}):
                start = max(net.member_created[m], net.member_created[other])
                net.member_follows.append((m, other, between(rng, start, net.end)))


def username(index: int) -> str:
    return HEAVY_USERNAME if index == 0 else f"member{index:05d}"


# --- Writing ----------------------------------------------------------------
class Writer:
    """Writes a planned network with bulk_create, in chunks of one transaction each."""

    def __init__(self, net: Network, *, seed: int, progress: bool) -> None:
        from tqdm import tqdm

        self.net = net
        self.rng = random.Random(seed + 1)
        self.text = Text(self.rng)
        total = (
            2 * net.sizes.members
            + 3 * net.sizes.subwikis
            + sum(len(net.private.get(s, [0])) for s in range(net.sizes.subwikis))
            + 2 * len(net.posts)
            + sum(1 + p.edits for p in net.posts)
            + len(net.comments)
            + len(net.upvotes)
            + len(net.subwiki_follows)
            + len(net.member_follows)
        )
        self.bar = tqdm(total=total, unit=" rows", disable=not progress, smoothing=0.05)
        self.member_ids: list[int] = []
        self.subwiki_ids: list[int] = []
        self.page_base = 0  # the first post page's id (after the subwikis' pages)
        self.revision_base = 0

    def write(self) -> None:
        try:
            self.members()
            self.subwikis()
            self.posts()
            self.comments()
            self.upvotes()
            self.follows()
        finally:
            self.bar.close()

    def stage(self, name: str) -> None:
        self.bar.set_description(f"{name:>14}")

    def insert(self, model: Any, rows: list[Any]) -> None:
        model.objects.bulk_create(rows, batch_size=BATCH)
        self.bar.update(len(rows))

    def members(self) -> None:
        from allauth.account.models import EmailAddress
        from django.contrib.auth.hashers import make_password
        from django.db import transaction

        from tribune.accounts.models import Access, Member

        self.stage("members")
        net, rng = self.net, self.rng
        first_id = next_id(Member)
        heavy_password = make_password(HEAVY_PASSWORD)
        # Everyone else has no usable password ("!" prefix): the bench signs in as heavy only.
        no_password = "!bench"  # noqa: S105  # an unusable password, not a secret
        for chunk in chunked(range(net.sizes.members), 10_000):
            rows = []
            addresses = []
            for i in chunk:
                name = username(i)
                joined = net.member_created[i]
                rows.append(
                    Member(
                        pk=first_id + i,
                        username=name,
                        email=f"{name}@bench.example",
                        display_name=(
                            "Heavy Follower"
                            if i == 0
                            else f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                        ),
                        password=heavy_password if i == 0 else no_password,
                        date_of_birth=dt.date(rng.randint(1950, 2004), rng.randint(1, 12), 1),
                        access=Access.ADMITTED,
                        trust_level=rng.choices((0, 1, 2, 3), weights=(3, 5, 2, 1))[0],
                        created_at=joined,
                        date_joined=joined,
                    )
                )
                addresses.append(
                    EmailAddress(
                        user_id=first_id + i,
                        email=f"{name}@bench.example",
                        verified=True,
                        primary=True,
                    )
                )
            with transaction.atomic():
                self.insert(Member, rows)
                self.insert(EmailAddress, addresses)
        self.member_ids = [first_id + i for i in range(net.sizes.members)]

    def subwikis(self) -> None:
        from django.db import transaction

        from tribune.communities.models import Membership, Role, Subwiki, Visibility
        from tribune.wiki.models import Page, PageKind, Revision, RevisionStatus, content_size

        self.stage("subwikis")
        net, rng = self.net, self.rng
        n = net.sizes.subwikis
        subwiki_id, page_id, revision_id = next_id(Subwiki), next_id(Page), next_id(Revision)
        self.subwiki_ids = [subwiki_id + s for s in range(n)]
        self.page_base = page_id + n
        self.revision_base = revision_id + n
        post_counts = Counter(p.subwiki for p in net.posts if p.subwiki is not None)
        follower_counts = Counter(s for _m, s, _t in net.subwiki_follows)
        pages, revisions, subwikis, memberships = [], [], [], []
        for s in range(n):
            topic = TOPICS[s % len(TOPICS)]
            name = topic if s < len(TOPICS) else f"{topic} {s // len(TOPICS) + 1}"
            slug = name.lower().replace(" ", "-")
            description = self.text.paragraphs(2, 5)
            content = {"description": description}
            size = content_size(content)
            creator = self.member_ids[net.subwiki_creator[s]]
            created = net.subwiki_created[s]
            pages.append(
                Page(
                    pk=page_id + s,
                    kind=PageKind.SUBWIKI,
                    subwiki_id=subwiki_id + s,
                    current_revision_id=revision_id + s,
                    created_at=created,
                )
            )
            revisions.append(
                Revision(
                    pk=revision_id + s,
                    page_id=page_id + s,
                    subwiki_id=subwiki_id + s,
                    author_id=creator,
                    created_at=created,
                    summary="Created the subwiki",
                    content=content,
                    size=size,
                    size_delta=size,
                    status=RevisionStatus.LIVE,
                )
            )
            private = s in net.private
            member_indexes = net.private.get(s, [net.subwiki_creator[s]])
            for m in member_indexes:
                owner = m == net.subwiki_creator[s]
                memberships.append(
                    Membership(
                        subwiki_id=subwiki_id + s,
                        member_id=self.member_ids[m],
                        role=Role.OWNER
                        if owner
                        else rng.choices((Role.MEMBER, Role.MODERATOR), weights=(9, 1))[0],
                        created_at=max(created, net.member_created[m]),
                    )
                )
            subwikis.append(
                Subwiki(
                    pk=subwiki_id + s,
                    name=name,
                    slug=slug,
                    description=description,
                    page_id=page_id + s,
                    visibility=Visibility.PRIVATE if private else Visibility.PUBLIC,
                    is_default=s < 3,
                    created_by_id=creator,
                    created_at=created,
                    member_count=len(member_indexes),
                    follower_count=follower_counts[s],
                    post_count=post_counts[s],
                )
            )
        # Pages, revisions and subwikis point at each other: one transaction, where
        # the foreign keys are checked at commit.
        with transaction.atomic():
            self.insert(Page, pages)
            self.insert(Revision, revisions)
            self.insert(Subwiki, subwikis)
            self.insert(Membership, memberships)

    def posts(self) -> None:
        from django.db import transaction

        from tribune.posts.models import Post
        from tribune.wiki.models import Page, Revision

        self.stage("posts")
        first_post = next_id(Post)
        page_id, revision_id = self.page_base, self.revision_base
        for index, plan in enumerate(self.net.posts):
            plan.pk = first_post + index
        for chunk in chunked(range(len(self.net.posts)), CHUNK):
            pages, revisions, posts = [], [], []
            for index in chunk:
                page, chain, post = self.post_rows(index, page_id + index, revision_id)
                revision_id += len(chain)
                pages.append(page)
                revisions.extend(chain)
                posts.append(post)
            with transaction.atomic():
                self.insert(Page, pages)
                self.insert(Revision, revisions)
                self.insert(Post, posts)

    def post_rows(
        self, index: int, page_id: int, first_revision: int
    ) -> tuple[Any, list[Any], Any]:
        """The page, live revision chain and post of one planned post."""
        from tribune.posts.models import Post, PostKind, PreviewStatus
        from tribune.wiki.models import Page, PageKind, Revision, RevisionStatus, content_size

        net, rng, text = self.net, self.rng, self.text
        plan = net.posts[index]
        subwiki_id = self.subwiki_ids[plan.subwiki] if plan.subwiki is not None else None
        title = plan.title or text.title()
        if plan.kind == PostKind.LINK:
            url = f"https://news.example/{plan.created_at:%Y/%m}/{plan.pk}"
            body = text.paragraphs(1, 3)
        elif plan.kind == PostKind.ARTICLE:
            url, body = "", text.paragraphs(4, 12)
        else:
            url, body = "", text.paragraphs(1, 4)
        content = {"title": title, "body": body, "url": url, "image_alt": ""}
        chain: list[Any] = []
        size = content_size(content)
        when = plan.created_at
        chain.append(
            Revision(
                pk=first_revision,
                page_id=page_id,
                subwiki_id=subwiki_id,
                author_id=self.member_ids[plan.author],
                created_at=when,
                summary="Posted",
                content=content,
                size=size,
                size_delta=size,
                status=RevisionStatus.LIVE,
                patrolled=True,
            )
        )
        for k in range(plan.edits):
            content = self.edited(content, plan.kind)
            new_size = content_size(content)
            when = soon_after(rng, when, net.end, 3)
            editor = self.planner_author(plan.subwiki)
            chain.append(
                Revision(
                    pk=first_revision + k + 1,
                    page_id=page_id,
                    subwiki_id=subwiki_id,
                    parent_id=first_revision + k,
                    author_id=self.member_ids[editor],
                    created_at=when,
                    summary=rng.choice(EDIT_SUMMARIES),
                    content=content,
                    size=new_size,
                    size_delta=new_size - size,
                    status=RevisionStatus.LIVE,
                    patrolled=rng.random() < 0.7,
                )
            )
            size = new_size
        page = Page(
            pk=page_id,
            kind=PageKind.POST,
            subwiki_id=subwiki_id,
            current_revision_id=chain[-1].pk,
            created_at=plan.created_at,
        )
        preview: dict[str, Any] = {"preview_status": PreviewStatus.NONE}
        if plan.kind == PostKind.LINK:
            if rng.random() < 0.8:
                preview = {
                    "preview_status": PreviewStatus.READY,
                    "preview_title": content["title"][:300],
                    "preview_description": text.sentence()[:1000],
                    "preview_site_name": "News Example",
                }
            else:
                preview = {"preview_status": PreviewStatus.FAILED}
        post = Post(
            pk=plan.pk,
            page_id=page_id,
            subwiki_id=subwiki_id,
            author_id=self.member_ids[plan.author],
            kind=plan.kind,
            edit_policy="open" if plan.title else rng.choices(POLICIES, weights=(18, 1, 1))[0],
            created_at=plan.created_at,
            edited_at=chain[-1].created_at if len(chain) > 1 else None,
            comment_count=0,
            upvote_count=0,
            **content,
            **preview,
        )
        return page, chain, post

    def planner_author(self, subwiki: int | None) -> int:
        net = self.net
        if subwiki is not None and subwiki in net.private:
            return self.rng.choice(net.private[subwiki])
        return self.rng.choices(range(net.sizes.members), cum_weights=net.member_cum)[0]

    def edited(self, content: dict[str, str], kind: str) -> dict[str, str]:
        """The next revision's content: a wiki-style edit of the body or the title."""
        rng = self.rng
        out = dict(content)
        roll = rng.random()
        if roll < 0.15:
            out["title"] = self.text.title()
        else:
            paragraphs = out["body"].split("\n\n")
            limit = 4_000 if kind == "text" else 8_000
            if roll < 0.6 and len(out["body"]) < limit:
                paragraphs.append(self.text.sentence())
            else:
                paragraphs[rng.randrange(len(paragraphs))] = self.text.sentence()
            out["body"] = "\n\n".join(paragraphs)
        return out

    def comments(self) -> None:
        from django.db import transaction

        from tribune.talk.models import Comment

        self.stage("comments")
        net = self.net
        first = next_id(Comment)
        for index, plan in enumerate(net.comments):
            plan.pk = first + index
        for chunk in chunked(net.comments, 20_000):
            rows = []
            for plan in chunk:
                post = net.posts[plan.post]
                rows.append(
                    Comment(
                        pk=plan.pk,
                        post_id=post.pk,
                        subwiki_id=self.subwiki_ids[post.subwiki]
                        if post.subwiki is not None
                        else None,
                        parent_id=net.comments[plan.parent].pk if plan.parent is not None else None,
                        author_id=self.member_ids[plan.author],
                        body=plan.body,
                        depth=plan.depth,
                        created_at=plan.created_at,
                    )
                )
            with transaction.atomic():
                self.insert(Comment, rows)
        self.update_counter("comment_count", Counter(c.post for c in net.comments))

    def upvotes(self) -> None:
        from django.db import transaction

        from tribune.posts.models import Reaction

        self.stage("upvotes")
        net = self.net
        for chunk in chunked(net.upvotes, 20_000):
            rows = [
                Reaction(post_id=net.posts[p].pk, member_id=self.member_ids[m], created_at=t)
                for p, m, t in chunk
            ]
            with transaction.atomic():
                self.insert(Reaction, rows)
        self.update_counter("upvote_count", Counter(p for p, _m, _t in net.upvotes))

    def update_counter(self, name: str, counts: Counter[int]) -> None:
        """Set a counter on the posts that have something to count (one UPDATE per value)."""
        from django.db import transaction

        from tribune.posts.models import Post

        by_value: dict[int, list[int]] = defaultdict(list)
        for post_index, count in counts.items():
            by_value[count].append(self.net.posts[post_index].pk)
        with transaction.atomic():
            for value, pks in by_value.items():
                for ids in chunked(pks, 500):
                    Post.objects.filter(pk__in=ids).update(**{name: value})

    def follows(self) -> None:
        from django.db import transaction

        from tribune.accounts.models import MemberFollow
        from tribune.communities.models import SubwikiFollow

        self.stage("follows")
        net, members, subwikis = self.net, self.member_ids, self.subwiki_ids
        for chunk in chunked(net.subwiki_follows, 50_000):
            rows = [
                SubwikiFollow(member_id=members[m], subwiki_id=subwikis[s], created_at=t)
                for m, s, t in chunk
            ]
            with transaction.atomic():
                self.insert(SubwikiFollow, rows)
        for chunk in chunked(net.member_follows, 50_000):
            pairs = [
                MemberFollow(follower_id=members[a], followed_id=members[b], created_at=t)
                for a, b, t in chunk
            ]
            with transaction.atomic():
                self.insert(MemberFollow, pairs)


POLICIES = ("open", "reviewed", "locked")


def chunked(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def next_id(model: Any) -> int:
    from django.db.models import Max

    found: int | None = model.objects.aggregate(top=Max("pk"))["top"]
    return (found or 0) + 1


# --- Entry points -------------------------------------------------------------
@dataclass(frozen=True)
class Generated:
    sizes: Sizes
    rows: dict[str, int]
    seconds: float


def generate(*, scale: float = 1.0, seed: int = 4, progress: bool = False) -> Generated:
    """Write a synthetic network into the configured database (which holds no bench data)."""
    from django.db import connection
    from django.utils import timezone

    from tribune.accounts.models import Member

    if Member.objects.filter(username=HEAVY_USERNAME).exists():
        raise SystemExit(
            f"This database already holds a member {HEAVY_USERNAME!r}: generate into a fresh one."
        )
    started = time.monotonic()
    sizes = Sizes.at(scale)
    # Whole seconds: the same seed gives the same network, only shifted to end now.
    end = timezone.now().replace(microsecond=0)
    net = Planner(sizes, seed=seed, end=end).plan()
    Writer(net, seed=seed, progress=progress).write()
    reset_sequences()
    if connection.vendor == "postgresql":
        # What autovacuum would do soon after a load this size: plan with statistics.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rows = {
        "members": sizes.members,
        "subwikis": sizes.subwikis,
        "posts": len(net.posts),
        "revisions": sizes.subwikis + sum(1 + p.edits for p in net.posts),
        "comments": len(net.comments),
        "upvotes": len(net.upvotes),
        "subwiki_follows": len(net.subwiki_follows),
        "member_follows": len(net.member_follows),
    }
    return Generated(sizes=sizes, rows=rows, seconds=time.monotonic() - started)


def reset_sequences() -> None:
    """After inserts with explicit ids, PostgreSQL's sequences must move past them."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    models = [
        apps.get_model(label)
        for label in (
            "accounts.Member",
            "accounts.MemberFollow",
            "account.EmailAddress",
            "communities.Subwiki",
            "communities.Membership",
            "communities.SubwikiFollow",
            "wiki.Page",
            "wiki.Revision",
            "posts.Post",
            "posts.Reaction",
            "talk.Comment",
        )
    ]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def tune_for_load() -> None:
    """Settings for a bulk load into a throwaway database: speed over durability."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB
            cursor.execute("PRAGMA temp_store=MEMORY")
        else:
            cursor.execute("SET synchronous_commit TO off")


def finish_load() -> None:
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def ensure_database(database_url: str) -> None:
    """Create a PostgreSQL database that does not exist yet (the server must exist)."""
    import psycopg
    from psycopg import sql

    try:
        psycopg.connect(database_url).close()
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise
        parts = urlsplit(database_url)
        name = parts.path.lstrip("/")
        maintenance = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 200,000 posts (default)")
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL URL (default: a fresh SQLite file under var/bench/scale-SCALE/)",
    )
    parser.add_argument("--seed", type=int, default=4, help="the same seed makes the same network")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be more than 0")
    var_dir = var_dir_for(args.database_url, args.scale)
    database_url = args.database_url
    if not database_url:
        # A fresh file every time: a half-written one from an interrupted run is no use.
        shutil.rmtree(var_dir, ignore_errors=True)
        database_url = sqlite_url(var_dir / "tribune.sqlite3")
    elif engine_of(database_url) == "postgresql":
        ensure_database(database_url)
    configure(database_url=database_url, var_dir=var_dir)

    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    tune_for_load()
    result = generate(scale=args.scale, seed=args.seed, progress=True)
    finish_load()
    total = time.monotonic() - started
    print(f"Generated a network at scale {args.scale:g} on {engine_of(database_url)}:")
    for name, count in result.rows.items():
        print(f"  {name:>16}: {count:>9,}")
    print(f"in {total:.0f} s ({result.seconds:.0f} s writing, the rest migrating).")
    print(f"Benchmark it:  python -m bench.feeds --database-url {database_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
