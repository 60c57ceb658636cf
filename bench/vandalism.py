"""Simulate vandalism on an active wiki, patrolled by trusted members through the services.

    python -m bench.vandalism [--steps 600] [--vandal-share 0.1] [--database-url URL] [--seed 5]

A fresh database (a SQLite file under var/bench/vandalism/, or the PostgreSQL database
of --database-url) gets a few subwikis and posts, some of them `reviewed`, made through
the real services, and members: honest editors (trust levels 0 to 2), vandals (new
accounts at level 0 and some at level 1 who have been around), trusted patrollers
(levels 2 and 3, some owning a subwiki), site moderators and one staff member.

Time is simulated: one step is one minute of the site's life and nothing sleeps. Each
minute, in random order, honest editors and vandals edit (vandals make --vandal-share of
the edits: they blank posts, add spam links or insults) and the patrollers who are
online each open an entry of the real moderation queue
(moderation.selectors.moderation_queue) and act through the real services: reject or
approve pending revisions, roll back, undo or revert vandalism, mark good edits
patrolled, report or ban repeat vandals; staff suspend reported accounts. Every edit
goes through posts.services, so the sandbox's link limit, the bans, suspensions and the
production rate limits (settings.TRIBUNE_RATE_LIMITS, read against the simulated clock)
refuse what they would refuse on a live site.

How long a vandal edit stayed live is counted in simulated minutes between the events
the simulation drives: from the step its revision went live to the step a revision
without it became the post's current one (the database's created_at holds the real,
compressed time of the run). Results go to bench/results/vandalism-<engine>-<date>.json
and .md, and to the index bench/results/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock
from urllib.parse import urlsplit

from bench import BENCH_VAR_DIR, REPO_DIR, RESULTS_DIR, configure, engine_of, sqlite_url

if TYPE_CHECKING:
    from tribune.accounts.models import Member
    from tribune.moderation.selectors.queue import QueueItem
    from tribune.wiki.models import Revision

HONEST = "honest"
KINDS = ("blanking", "spam", "insult")  # of vandalism
KIND_WEIGHTS = (0.3, 0.4, 0.3)
# What the simulation writes and the patrollers' eyes recognise in a diff.
SPAM_HOSTS = ("cheap-watches.example", "casino-bonus.example", "pills-online.example")
INSULTS = ("idiots", "morons", "losers", "clowns")
JUNK = ("lol", "asdfasdf", "test test test", "aaaaaaaaaa", "hi")
_INSULT_RE = re.compile(r"\b(" + "|".join(INSULTS) + r")\b", re.IGNORECASE)
BLANKED_BELOW = 0.25  # a body cut to less than this share of itself is blanked
# Repeat vandals: after this many edits of theirs undone as vandalism, a patroller who
# moderates the subwiki bans them from it (others report the revision to its
# moderators); after STRIKES_MEMBER a patroller reports the account to staff.
STRIKES_BAN = 2
STRIKES_MEMBER = 3
BAN_DAYS = 7
QUEUE_PAGE = 20  # what a patroller sees of the queue at once
REPORTS_PER_VISIT = 3  # report groups a moderator deals with when they look
ATTENTION = 4.0  # the mean position, from the top, of the entry a patroller opens
INDEX_HEADING = "## Vandalism simulation"


@dataclass(frozen=True)
class Params:
    """The simulated wiki and its people; `python -m bench.vandalism --help` names each."""

    steps: int = 600
    drain: int = 60
    edits_per_minute: float = 5.0
    vandal_share: float = 0.1
    subwikis: int = 5
    posts: int = 150
    reviewed_share: float = 0.2
    honest: int = 80
    vandals: int = 10
    new_vandal_share: float = 0.6
    patrollers: int = 10
    moderators: int = 2
    online: float = 0.25
    reviews_per_minute: int = 1
    detection: float = 0.9
    false_positives: float = 0.01
    editor_fix: float = 0.3
    fresh_account: float = 0.3
    spree_length: float = 10.0
    spree_pace: float = 1.0
    rate_limits: bool = True
    seed: int = 5


# --- The simulated clock --------------------------------------------------------------


class Clock:
    """Simulated minutes since the start; `time()` is what the rate limiter reads."""

    def __init__(self) -> None:
        self.start = float(int(time.time()))
        self.minute = 0

    def time(self) -> float:
        return self.start + 60.0 * self.minute


@contextmanager
def limits_on_clock(clock: Clock, enabled: bool) -> Iterator[None]:
    """Count rate limits in simulated time (their windows are simulated hours), or not at all.

    core.ratelimit reads `time.time()` for its fixed windows; the simulation gives it
    its clock in place of the `time` module, so that sixty steps fill one hour's window.
    """
    from django.test import override_settings

    from tribune.core import ratelimit

    with mock.patch.object(ratelimit, "time", clock):
        if enabled:
            yield
        else:
            with override_settings(TRIBUNE_RATE_LIMITS={}):
                yield


# --- Text -----------------------------------------------------------------------------


def split_sentences(paragraph: str) -> list[str]:
    parts = [p for p in paragraph.split(". ") if p]
    return [p if p.endswith(".") else p + "." for p in parts] or [paragraph]


def marked(text: str) -> bool:
    """Whether a text carries a vandal's spam link or insult."""
    return any(host in text for host in SPAM_HOSTS) or _INSULT_RE.search(text) is not None


def honest_change(body: str, text: Any, rng: random.Random) -> str:
    """A good-faith edit of a body: a sentence added or rewritten, a word fixed.

    It leaves a vandal's paragraphs as they are: an editor who does not see vandalism
    (or does not revert it) does not edit it away either, so that a vandal edit is only
    taken out by a revert, a rollback or an undo, which the simulation counts.
    """
    paragraphs = body.split("\n\n")
    clean = [i for i, paragraph in enumerate(paragraphs) if not marked(paragraph)]
    if not clean:
        return f"{body}\n\n{text.sentence()}"
    i = rng.choice(clean)
    r = rng.random()
    if r < 0.4:
        paragraphs[i] = f"{paragraphs[i]} {text.sentence()}".strip()
    elif r < 0.55:
        paragraphs.insert(i + 1, text.sentence())
    elif r < 0.9:
        sentences = split_sentences(paragraphs[i])
        sentences[rng.randrange(len(sentences))] = text.sentence()
        paragraphs[i] = " ".join(sentences)
    else:
        from bench.generate import WORDS

        words = paragraphs[i].split(" ")
        j = rng.randrange(len(words))
        words[j] = rng.choice(WORDS) + ("." if words[j].endswith(".") else "")
        paragraphs[i] = " ".join(words)
    return "\n\n".join(paragraphs)


def vandalise(kind: str, body: str, rng: random.Random) -> str:
    """A vandal's edit of a body: blanked, or with spam links or an insult put in."""
    if kind == "blanking":
        return rng.choice(JUNK)
    if kind == "spam":
        count = rng.choices((1, 2, 3, 4), weights=(3, 3, 2, 1))[0]
        links = " ".join(
            f"https://{rng.choice(SPAM_HOSTS)}/{rng.randrange(10**6)}" for _ in range(count)
        )
        line = f"Best deals of the year: {links}"
    else:
        line = f"Whoever wrote this is one of the {rng.choice(INSULTS)} who ruin everything."
    paragraphs = body.split("\n\n")
    paragraphs.insert(rng.randrange(len(paragraphs) + 1), line)
    return "\n\n".join(paragraphs)


def classify(before: str, after: str) -> str | None:
    """The kind of vandalism a diff shows, by its marks (what a patroller sees); or None."""
    if len(before) >= 120 and len(after) < BLANKED_BELOW * len(before):
        return "blanking"
    if any(after.count(host) > before.count(host) for host in SPAM_HOSTS):
        return "spam"
    if len(_INSULT_RE.findall(after)) > len(_INSULT_RE.findall(before)):
        return "insult"
    return None


# --- What happened -------------------------------------------------------------------


@dataclass
class Edit:
    """One saved edit (a revision) and what became of it."""

    revision: int
    post: int
    author: int
    kind: str  # HONEST or a kind of vandalism
    level: int  # the author's trust level
    made_at: int  # the minute it was saved
    pending: bool  # saved waiting for review
    decided_at: int | None = None  # a pending one's approval or rejection
    decision: str = ""  # approved / rejected / conflict
    went_live_at: int | None = None
    live_since: int | None = None  # while it is in the post's current version
    minutes_live: int = 0
    undone_at: int | None = None  # the first time a revert took it out
    undone_by: str = ""
    aimed: bool = False  # undone as the revert's target, not along with it

    @property
    def vandal(self) -> bool:
        return self.kind != HONEST


@dataclass
class Person:
    pk: int
    username: str
    role: str  # honest, vandal, patroller, moderator, staff
    level: int
    address: str
    weight: float = 1.0
    handles_reports: bool = False  # moderates a subwiki, site moderator or staff


@dataclass
class PostState:
    pk: int
    subwiki: int
    reviewed: bool
    weight: float
    heads: list[int]  # its live revisions in order; the last is the current one
    authors: list[int]  # who wrote each of them


@dataclass
class Spree:
    """A vandal at work: `left` attempts to go, about `pace` a minute, on one account at a
    time (a new one when this one is suspended or, sometimes, rate-limited)."""

    account: Person
    left: int
    pace: float
    avoid: set[int] = field(default_factory=set)  # subwikis the account is banned from


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: small means only, which is what a minute holds."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Simulation:
    """The wiki, its people and the ledger of every edit, driven one minute at a time."""

    def __init__(self, params: Params, *, progress: bool = False) -> None:
        from bench.generate import Text

        self.p = params
        self.rng = random.Random(params.seed)
        self.text = Text(random.Random(params.seed + 1))
        self.progress = progress
        self.clock = Clock()
        self.people: dict[int, Person] = {}
        self.honest: list[Person] = []
        self.vandals: list[Person] = []
        self.patrollers: list[Person] = []  # patrollers and site moderators
        self.staff: list[Person] = []
        self.posts: dict[int, PostState] = {}
        self.post_ids: list[int] = []
        self.post_cum: list[float] = []
        self.honest_cum: list[float] = []
        self.edits: dict[int, Edit] = {}
        self.active: dict[int, frozenset[int]] = {}  # revision -> the edits its content holds
        self.sprees: list[Spree] = []
        self.strikes: Counter[int] = Counter()
        self.struck: set[int] = set()
        self.attempts: Counter[str] = Counter()  # honest / vandal
        self.refused: Counter[tuple[str, str]] = Counter()  # (who, code)
        self.actions: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.accounts_created = 0
        self.backlog: list[dict[str, int]] = []
        self.seconds = 0.0

    # --- Setting up ---------------------------------------------------------------

    def member(self, username: str, role: str, level: int, **flags: Any) -> Person:
        from allauth.account.models import EmailAddress
        from django.utils import timezone

        from tribune.accounts.models import Access, Member

        # Members are written as sign-up would leave them; their trust level is the one
        # the trust task would have computed from their history before the run.
        joined = timezone.now() - dt.timedelta(days=0 if level == 0 else 30 + 100 * level)
        made = Member.objects.create(
            username=username,
            email=f"{username}@bench.example",
            display_name=username.replace("-", " ").title(),
            password="!bench",  # noqa: S106  # unusable: nobody signs in
            date_of_birth=dt.date(1990, 1, 1),
            access=Access.ADMITTED,
            trust_level=level,
            created_at=joined,
            date_joined=joined,
            **flags,
        )
        EmailAddress.objects.create(user=made, email=made.email, verified=True, primary=True)
        n = len(self.people) + 1
        person = Person(made.pk, username, role, level, f"198.18.{n // 250}.{n % 250 + 1}")
        self.people[made.pk] = person
        return person

    def setup(self) -> None:
        """Members, subwikis and posts, before the clock starts (rate limits off)."""
        from bench.generate import TOPICS
        from tribune.communities.models import EditPolicy
        from tribune.communities.services import subwiki_create
        from tribune.core.ratelimit import rate_limits_off
        from tribune.posts.services import post_create

        p, rng = self.p, self.rng
        with rate_limits_off():
            self.staff = [self.member("staff", "staff", 3, is_staff=True)]
            self.staff[0].handles_reports = True
            for i in range(p.moderators):
                mod = self.member(f"moderator-{i + 1}", "moderator", 3, is_moderator=True)
                mod.handles_reports = True
                self.patrollers.append(mod)
            for i in range(p.patrollers):
                level = 3 if i % 3 == 0 else 2
                self.patrollers.append(self.member(f"patroller-{i + 1}", "patroller", level))
            # Prolific editors have usually earned trust: the heaviest are level 2, the
            # lightest new (level 0).
            weights = sorted(min(rng.paretovariate(1.2), 40.0) for _ in range(p.honest))[::-1]
            for i, weight in enumerate(weights):
                share = i / max(p.honest, 1)
                level = 2 if share < 0.2 else 1 if share < 0.7 else 0
                person = self.member(f"editor-{i + 1}", HONEST, level)
                person.weight = weight
                self.honest.append(person)
            for i in range(p.vandals):
                level = 0 if i < round(p.vandals * p.new_vandal_share) else 1
                self.vandals.append(self.member(f"vandal-{i + 1}", "vandal", level))
            owners = [m for m in self.patrollers if m.role == "patroller"] or self.patrollers
            subwikis = []
            for i in range(p.subwikis):
                owner = owners[i % len(owners)]
                owner.handles_reports = True
                subwikis.append(
                    subwiki_create(
                        actor=self.fresh(owner),
                        name=TOPICS[i % len(TOPICS)] + (f" {i + 1}" if i >= len(TOPICS) else ""),
                        slug=f"bench-{i + 1}",
                        description=self.text.paragraphs(1, 3),
                    )
                )
            authors = [h for h in self.honest if h.level >= 1]
            author_cum = _cumulative([a.weight for a in authors])
            for _ in range(p.posts):
                author = authors[_pick(rng, author_cum)]
                reviewed = rng.random() < p.reviewed_share
                post = post_create(
                    author=self.fresh(author),
                    subwiki=rng.choice(subwikis),
                    kind="article",
                    title=self.text.title(),
                    body=self.text.paragraphs(5, 12),
                    edit_policy=EditPolicy.REVIEWED if reviewed else EditPolicy.OPEN,
                )
                head = post.page.current_revision_id
                assert head is not None and post.subwiki_id is not None  # noqa: S101
                weight = min(rng.paretovariate(1.1), 50.0)
                self.posts[post.pk] = PostState(
                    post.pk, post.subwiki_id, reviewed, weight, [head], [author.pk]
                )
                self.active[head] = frozenset()
        self.post_ids = list(self.posts)
        self.post_cum = _cumulative([self.posts[pk].weight for pk in self.post_ids])
        self.honest_cum = _cumulative([h.weight for h in self.honest])

    def fresh(self, person: Person) -> Member:
        """The member as a request would load them: access, bans and level as they are now."""
        from tribune.accounts.models import Member

        return Member.objects.get(pk=person.pk)

    # --- The ledger ---------------------------------------------------------------

    def head(self, post: PostState) -> int:
        return post.heads[-1]

    def advance(self, post: PostState, revision: int, author: int, content: frozenset[int]) -> None:
        """A revision became the post's current one, holding `content`'s edits."""
        before = self.active[self.head(post)]
        self.active[revision] = content
        post.heads.append(revision)
        post.authors.append(author)
        now = self.clock.minute
        for pk in content - before:  # went live (or came back)
            edit = self.edits[pk]
            if edit.went_live_at is None:
                edit.went_live_at = now
            edit.live_since = now
        for pk in before - content:  # taken out
            edit = self.edits[pk]
            if edit.live_since is not None:
                edit.minutes_live += now - edit.live_since
                edit.live_since = None

    def undone(self, post: PostState, gone: frozenset[int], by: str, aimed: set[int]) -> None:
        for pk in gone:
            edit = self.edits[pk]
            if edit.undone_at is None:
                edit.undone_at = self.clock.minute
                edit.undone_by = by
                edit.aimed = pk in aimed
        self.actions[by] += 1

    def reverted(
        self, post: PostState, revision: int, actor: Person, restored: int, by: str, aimed: set[int]
    ) -> None:
        """A revert or rollback made `revision`, with the content of `restored`."""
        before = self.active[self.head(post)]
        after = self.active[restored]
        self.advance(post, revision, actor.pk, after)
        self.undone(post, before - after, by, aimed | {e for e in before - after if self.vandal(e)})

    def vandal(self, edit: int) -> bool:
        return self.edits[edit].vandal

    def last_clean(self, post: PostState) -> int:
        """The post's latest live revision holding no vandalism."""
        for revision in reversed(post.heads):
            if not any(self.vandal(e) for e in self.active[revision]):
                return revision
        return post.heads[0]

    # --- Editing ------------------------------------------------------------------

    def pick_post(self, avoid: set[int] | frozenset[int] = frozenset()) -> PostState:
        for _ in range(20):
            post = self.posts[self.post_ids[_pick(self.rng, self.post_cum)]]
            if post.subwiki not in avoid:
                return post
        return self.posts[self.rng.choice(self.post_ids)]

    def body_of(self, revision: int) -> str:
        from tribune.wiki.models import Revision

        content: dict[str, Any] = Revision.objects.values_list("content", flat=True).get(
            pk=revision
        )
        return str(content.get("body", ""))

    def save(
        self, person: Person, post: PostState, body: str, kind: str, member: Member | None = None
    ) -> str:
        """One edit through posts.services.post_edit; what happened ("saved" or a refusal)."""
        from tribune.core.exceptions import ServiceError
        from tribune.posts.services import post_edit

        who = HONEST if kind == HONEST else "vandal"
        self.attempts[who] += 1
        member = member or self.fresh(person)
        try:
            _post, result = post_edit(
                actor=member,
                post_id=post.pk,
                changes={"body": body},
                base_revision=self.head(post),
                summary=self.rng.choice(("", "Update", "Fix", "Add a detail")),
                address=person.address,
            )
        except ServiceError as error:
            self.refused[(who, error.code)] += 1
            return error.code
        if not result.changed:
            self.refused[(who, "no_change")] += 1
            return "no_change"
        if result.merged:  # the ledger's head is not the database's: a bug of the simulation
            self.errors["edit merged: the simulation lost track of a post"] += 1
        revision = result.revision
        edit = Edit(
            revision.pk,
            post.pk,
            person.pk,
            kind,
            person.level,
            self.clock.minute,
            pending=result.pending,
        )
        self.edits[revision.pk] = edit
        if not result.pending:
            self.advance(post, revision.pk, person.pk, self.active[self.head(post)] | {revision.pk})
        return "saved"

    def honest_edit(self) -> None:
        from tribune.core.exceptions import ServiceError
        from tribune.posts.models import Post
        from tribune.posts.permissions import can_revert
        from tribune.posts.services import post_revert

        person = self.honest[_pick(self.rng, self.honest_cum)]
        post = self.pick_post()
        head = self.head(post)
        vandalised = any(self.vandal(e) for e in self.active[head])
        member = self.fresh(person)
        if (
            vandalised
            and self.rng.random() < self.p.editor_fix
            and can_revert(member, Post.objects.select_related("subwiki", "author").get(pk=post.pk))
        ):
            # They see the vandalism and put back the last good version (the page offers
            # them "restore this revision" where their edits go live).
            self.attempts[HONEST] += 1
            clean = self.last_clean(post)
            try:
                _post, result = post_revert(
                    actor=member,
                    post_id=post.pk,
                    revision_id=clean,
                    summary="Revert vandalism",
                    address=person.address,
                )
            except ServiceError as error:
                self.refused[(HONEST, f"revert {error.code}")] += 1
                return
            if result.changed:
                self.reverted(post, result.revision.pk, person, clean, "editor revert", set())
            return
        body = honest_change(self.body_of(head), self.text, self.rng)
        self.save(person, post, body, HONEST, member)

    def new_spree(self) -> Spree:
        """A vandal starts: on a new account or on one of theirs that is not suspended."""
        from tribune.accounts.models import Access, Member

        rng = self.rng
        standing = set(
            Member.objects.filter(pk__in=[v.pk for v in self.vandals])
            .exclude(access=Access.SUSPENDED)
            .values_list("pk", flat=True)
        )
        usable = [v for v in self.vandals if v.pk in standing]
        account = rng.choice(usable) if usable else self.new_account()
        if usable and rng.random() < self.p.fresh_account:
            account = self.new_account()
        length = max(1, round(rng.expovariate(1 / self.p.spree_length)))
        # Most vandals edit by hand, a few run scripts: the pace varies widely (log-normal,
        # its mean spree_pace).
        pace = min(max(self.p.spree_pace * rng.lognormvariate(-0.32, 0.8), 0.2), 10.0)
        return Spree(account, length, pace)

    def new_account(self, address: str | None = None) -> Person:
        """A vandal's new account (trust level 0), from their own address if they have one."""
        account = self.member(f"vandal-{len(self.vandals) + 1}", "vandal", 0)
        if address is not None:
            account.address = address
        self.vandals.append(account)
        self.accounts_created += 1
        return account

    def vandal_edit(self, spree: Spree) -> None:
        """One attempt of a spree: an edit of a popular post, with vandalism of some kind."""
        from tribune.accounts.models import Access, Member

        if spree.left <= 0:
            return  # the spree ended earlier in this minute
        access = Member.objects.values_list("access", flat=True).get(pk=spree.account.pk)
        if access == Access.SUSPENDED:  # signed out for good: on with a new account
            spree.account = self.new_account(spree.account.address)
            spree.avoid.clear()
            self.actions["new vandal accounts after a suspension"] += 1
        post = self.pick_post(spree.avoid)
        kind = self.rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
        body = vandalise(kind, self.body_of(self.head(post)), self.rng)
        outcome = self.save(spree.account, post, body, kind)
        spree.left -= 1
        if outcome == "permission_denied":  # banned from this subwiki: go elsewhere
            spree.avoid.add(post.subwiki)
        elif outcome == "rate_limited" and self.rng.random() < 0.5:
            spree.account = self.new_account(spree.account.address)
            spree.avoid.clear()
            self.actions["new vandal accounts after a rate limit"] += 1

    # --- Patrol -------------------------------------------------------------------

    def act(self, actor: Member, action: str, target: str, reason: str = "", **kw: Any) -> bool:
        """One moderation action through moderation_act (the queue's and the API's door)."""
        from tribune.core.exceptions import ServiceError
        from tribune.moderation.services.actions import moderation_act

        try:
            moderation_act(actor=actor, action=action, target=target, reason=reason, **kw)
        except ServiceError as error:
            self.errors[f"{action}: {error.code}"] += 1
            return False
        self.actions[action] += 1
        return True

    def change_of(self, revision: Revision) -> tuple[str, str]:
        """A revision's body and its parent's: the diff a patroller reads."""
        from tribune.wiki.models import Revision

        contents = dict(
            Revision.objects.filter(pk__in=[revision.pk, revision.parent_id or 0]).values_list(
                "pk", "content"
            )
        )
        after = str(contents.get(revision.pk, {}).get("body", ""))
        before = str(contents.get(revision.parent_id or 0, {}).get("body", ""))
        return before, after

    def notices(self, revision: Revision) -> bool:
        """Whether a patroller takes the revision for vandalism (right or wrong)."""
        truly = classify(*self.change_of(revision)) is not None
        chance = self.p.detection if truly else self.p.false_positives
        return self.rng.random() < chance

    def patrol(self, person: Person) -> None:
        """Open one entry of the queue of pending and unpatrolled edits, and deal with it."""
        from tribune.moderation.selectors.queue import moderation_queue

        member = self.fresh(person)
        queue = moderation_queue(
            viewer=member, kinds=frozenset({"pending", "unpatrolled"}), limit=QUEUE_PAGE
        )
        if queue.items:
            # Newest first, as the queue lists them; patrollers mostly open the top entries.
            position = min(int(self.rng.expovariate(1 / ATTENTION)), len(queue.items) - 1)
            self.review(person, member, queue.items[position])

    def review(self, person: Person, member: Member, item: QueueItem) -> None:
        revision = item.revision
        assert revision is not None  # noqa: S101  # pending and unpatrolled items are revisions
        target = f"revision:{revision.pk}"
        post = self.posts.get(revision.page.post.pk) if revision.page.kind == "post" else None
        if post is None:
            self.act(member, "patrol", target)
            return
        self.actions["reviews"] += 1
        vandalism = self.notices(revision)
        if item.kind == "pending":
            if vandalism:
                if self.act(member, "reject_revision", target, "Vandalism."):
                    self.decided(revision.pk, "rejected")
                self.strike(person, member, item, revision)
                return
            head = self.head(post)
            outcome = self.approve(member, target)
            if outcome == "conflict":  # it no longer merges: the patroller refuses it
                if self.act(member, "reject_revision", target, "It no longer applies."):
                    self.decided(revision.pk, "conflict")
            elif outcome == "approved":
                self.decided(revision.pk, "approved")
                self.advance(
                    post, revision.pk, revision.author_id or 0, self.active[head] | {revision.pk}
                )
            return
        if revision.pk in self.edits and revision.pk not in self.active[self.head(post)]:
            # Taken out already (a rollback leaves the edits it undid unpatrolled).
            self.actions["reviews of edits already taken out"] += 1
        if not vandalism:
            self.act(member, "patrol", target)
            return
        if revision.pk in self.active[self.head(post)]:
            self.take_out(person, member, item, post, revision)
        if revision.pk not in self.active[self.head(post)]:
            # Checked and dealt with; left in the queue when taking it out failed.
            self.act(member, "patrol", target, "Reverted.")
        self.strike(person, member, item, revision)

    def approve(self, member: Member, target: str) -> str:
        """Approve a pending revision: "approved", "conflict" (it no longer merges) or "error"."""
        from tribune.core.exceptions import ServiceError
        from tribune.moderation.services.actions import moderation_act
        from tribune.wiki.services import EditConflict

        try:
            moderation_act(actor=member, action="approve_revision", target=target)
        except EditConflict:
            self.errors["approve_revision: edit_conflict"] += 1
            return "conflict"
        except ServiceError as error:
            self.errors[f"approve_revision: {error.code}"] += 1
            return "error"
        self.actions["approve_revision"] += 1
        return "approved"

    def decided(self, revision: int, decision: str) -> None:
        edit = self.edits.get(revision)
        if edit is not None:
            edit.decided_at = self.clock.minute
            edit.decision = decision

    def take_out(
        self, person: Person, member: Member, item: QueueItem, post: PostState, revision: Revision
    ) -> None:
        """Undo a live edit taken for vandalism: rollback when the vandal's edits are the
        latest, else an undo (an edit merged from the vandal's revision), else a revert."""
        from tribune.core.exceptions import ServiceError
        from tribune.moderation.services.reviews import edits_rollback
        from tribune.posts.models import Post
        from tribune.posts.permissions import can_rollback
        from tribune.posts.services import post_edit, post_revert, post_rollback
        from tribune.wiki.services import EditConflict

        run = self.run_of(post, revision.author_id or 0)
        if revision.pk in run:
            restored = self.before_run(post, run)
            try:
                if "rollback" in item.actions:  # moderators: logged
                    edits_rollback(
                        actor=member, target=f"revision:{revision.pk}", reason="Vandalism."
                    )
                    head = Post.objects.values_list("page__current_revision_id", flat=True).get(
                        pk=post.pk
                    )
                    by = "rollback (moderator)"
                elif can_rollback(member, revision.page.post):  # level 3: a rollbacker
                    _p, result = post_rollback(
                        actor=member,
                        post_id=post.pk,
                        username=revision.author.username if revision.author else "",
                        summary="Vandalism",
                    )
                    head, by = result.revision.pk, "rollback (level 3)"
                else:
                    _p, result = post_revert(
                        actor=member,
                        post_id=post.pk,
                        revision_id=restored,
                        summary="Revert vandalism",
                        address=person.address,
                    )
                    head, by = result.revision.pk, "revert (patroller)"
            except ServiceError as error:
                self.errors[f"take out: {error.code}"] += 1
                return
            assert head is not None  # noqa: S101
            self.reverted(post, head, person, restored, by, set(run))
            return
        # Others edited since: take out the vandal's change alone, as MediaWiki's undo
        # does, by saving the text before it as an edit made from the vandal's revision.
        before, _after = self.change_of(revision)
        try:
            _p, result = post_edit(
                actor=member,
                post_id=post.pk,
                changes={"body": before},
                base_revision=revision.pk,
                summary="Undo vandalism",
                address=person.address,
            )
        except EditConflict:
            clean = self.last_clean(post)
            try:
                _p, result = post_revert(
                    actor=member,
                    post_id=post.pk,
                    revision_id=clean,
                    summary="Revert vandalism",
                    address=person.address,
                )
            except ServiceError as error:
                self.errors[f"revert: {error.code}"] += 1
                return
            if result.changed:
                self.reverted(post, result.revision.pk, person, clean, "revert (patroller)", set())
            return
        except ServiceError as error:
            self.errors[f"undo: {error.code}"] += 1
            return
        if result.changed and not result.pending:
            content = self.active[self.head(post)] - {revision.pk}
            self.advance(post, result.revision.pk, person.pk, content)
            self.undone(post, frozenset({revision.pk}), "undo (patroller)", {revision.pk})

    def run_of(self, post: PostState, author: int) -> list[int]:
        """The author's consecutive latest live revisions of the post (what rollback undoes),
        newest first; never the first revision (there would be nothing to go back to)."""
        run: list[int] = []
        for i in range(len(post.heads) - 1, 0, -1):
            if post.authors[i] != author:
                break
            run.append(post.heads[i])
        return run

    def before_run(self, post: PostState, run: list[int]) -> int:
        """The live revision just before a run: what a rollback of it restores."""
        return post.heads[post.heads.index(run[-1]) - 1]

    def strike(self, person: Person, member: Member, item: QueueItem, revision: Revision) -> None:
        """Count a vandal's edit against them; ban, or report, repeat vandals."""
        from tribune.accounts.models import Member
        from tribune.communities.permissions import is_banned
        from tribune.core.exceptions import ServiceError
        from tribune.moderation.services.reports import report_create

        author = revision.author
        if author is None or revision.pk in self.struck:
            return
        self.struck.add(revision.pk)
        self.strikes[author.pk] += 1
        strikes = self.strikes[author.pk]
        target = f"revision:{revision.pk}"
        if strikes >= STRIKES_BAN:
            subwiki = revision.page.post.subwiki
            if "ban" in item.actions and subwiki is not None:
                # The queue offers "ban" even to a banned member: the moderator looks first.
                if not is_banned(Member.objects.get(pk=author.pk), subwiki):
                    self.act(member, "ban", target, "Repeated vandalism.", duration_days=BAN_DAYS)
            else:
                try:
                    report_create(
                        reporter=member, target=target, reason="vandalism", address=person.address
                    )
                    self.actions["report (revision)"] += 1
                except ServiceError as error:
                    self.errors[f"report: {error.code}"] += 1
        if strikes >= STRIKES_MEMBER and not member.is_staff:
            try:
                report_create(
                    reporter=member,
                    target=f"member:{author.username}",
                    reason="vandalism",
                    details="Repeated vandalism after bans.",
                    address=person.address,
                )
                self.actions["report (member)"] += 1
            except ServiceError as error:
                self.errors[f"report: {error.code}"] += 1

    def handle_reports(self, person: Person) -> None:
        """Moderators ban the authors of reported vandalism; staff suspend reported vandals."""
        from tribune.accounts.models import Member
        from tribune.communities.permissions import is_banned
        from tribune.moderation.selectors.queue import moderation_queue
        from tribune.wiki.models import Revision

        member = self.fresh(person)
        queue = moderation_queue(viewer=member, kinds=frozenset({"report"}), limit=QUEUE_PAGE)
        for item in queue.items[:REPORTS_PER_VISIT]:
            group = item.report
            assert group is not None  # noqa: S101  # report items have their group
            target = group.target_name
            if isinstance(group.obj, Revision) and "ban" in item.actions:
                subwiki, author = group.subwiki, group.obj.author
                if classify(*self.change_of(group.obj)) is None:
                    self.act(member, "dismiss", target, "Not vandalism.")
                elif author is not None and subwiki is not None and is_banned(author, subwiki):
                    # Banned meanwhile: no action is left to take, and so none to uphold
                    # the report with.
                    self.act(member, "dismiss", target, "Banned already.")
                else:
                    self.act(member, "ban", target, "Vandalism.", duration_days=BAN_DAYS)
            elif isinstance(group.obj, Member) and "suspend" in item.actions:
                latest = Revision.objects.filter(author_id=group.obj.pk).order_by("-id")[:10]
                if any(classify(*self.change_of(r)) is not None for r in latest):
                    self.act(member, "suspend", target, "Vandalism across subwikis.")
                else:
                    self.act(member, "dismiss", target, "Their edits are fine.")

    # --- Running ------------------------------------------------------------------

    def minute(self, *, editing: bool) -> None:
        """One simulated minute: its edits and its patrollers' reviews, in random order (an
        edit is caught within its own minute only by a review that comes after it)."""
        p, rng = self.p, self.rng
        events: list[tuple[str, Person | Spree | None]] = []
        if editing:
            honest = poisson(rng, p.edits_per_minute * (1 - p.vandal_share))
            events += [(HONEST, None)] * honest
            # Vandals come in sprees, each of spree_length attempts on average at
            # spree_pace a minute: they start often enough to make vandal_share of the edits.
            starts = poisson(rng, p.edits_per_minute * p.vandal_share / p.spree_length)
            self.sprees = [s for s in self.sprees if s.left > 0]
            self.sprees += [self.new_spree() for _ in range(starts)]
            for spree in self.sprees:
                events += [("vandal", spree)] * poisson(rng, spree.pace)
        for person in self.patrollers + self.staff:
            if rng.random() >= p.online:
                continue
            if person.handles_reports:
                events.append(("reports", person))
            if person.role != "staff":
                events += [("review", person)] * p.reviews_per_minute
        rng.shuffle(events)
        for kind, who in events:
            if isinstance(who, Spree):
                self.vandal_edit(who)
            elif kind == HONEST:
                self.honest_edit()
            elif kind == "reports" and who is not None:
                self.handle_reports(who)
            elif who is not None:
                self.patrol(who)

    def run(self) -> dict[str, Any]:
        from tqdm import tqdm

        started = time.monotonic()
        total = self.p.steps + self.p.drain
        with limits_on_clock(self.clock, self.p.rate_limits):
            bar = tqdm(total=total, unit=" min", disable=not self.progress, smoothing=0.05)
            try:
                for minute in range(total):
                    self.clock.minute = minute
                    self.minute(editing=minute < self.p.steps)
                    if minute % 60 == 59:
                        self.sample_backlog()
                        bar.set_postfix(self.postfix(), refresh=False)
                    bar.update(1)
            finally:
                bar.close()
            self.clock.minute = total
        self.seconds = time.monotonic() - started
        return self.report()

    def busiest_hour(self, vandal: list[Edit]) -> dict[str, int]:
        """By trust level, the most edits one vandal account saved in one of the rate
        limiter's hours: how close vandals came to the hourly edit limits."""
        hours: Counter[tuple[int, int]] = Counter()
        for edit in vandal:
            hour = int(self.clock.start + 60 * edit.made_at) // 3600
            hours[(edit.author, hour)] += 1
        most: dict[str, int] = {"0": 0, "1": 0}
        for (author, _hour), edits in hours.items():
            level = str(self.people[author].level)
            most[level] = max(most.get(level, 0), edits)
        return most

    def verify(self) -> dict[str, int]:
        """Check the ledger against the database: each post's current revision, and the
        spam and insults its text shows against the vandal edits the ledger says it holds."""
        from tribune.posts.models import Post
        from tribune.wiki.models import Revision

        heads = dict(
            Post.objects.filter(pk__in=list(self.posts)).values_list(
                "pk", "page__current_revision_id"
            )
        )
        bodies = {
            pk: str(content.get("body", ""))
            for pk, content in Revision.objects.filter(pk__in=list(heads.values())).values_list(
                "pk", "content"
            )
        }
        wrong_head = wrong_marks = 0
        for post in self.posts.values():
            head = self.head(post)
            if heads[post.pk] != head:
                wrong_head += 1
                continue
            kinds = {self.edits[e].kind for e in self.active[head] if self.vandal(e)}
            if "blanking" in kinds:
                continue  # what a blanking wiped is still held, to come back with an undo
            body = bodies[head]
            spam = any(host in body for host in SPAM_HOSTS)
            insult = _INSULT_RE.search(body) is not None
            if spam != ("spam" in kinds) or insult != ("insult" in kinds):
                wrong_marks += 1
        return {"posts": len(self.posts), "wrong_head": wrong_head, "wrong_marks": wrong_marks}

    def sample_backlog(self) -> None:
        from django.db.models import Q

        from tribune.wiki.models import Revision, RevisionStatus

        trusted = (
            Q(author__trust_level__gte=2) | Q(author__is_moderator=True) | Q(author__is_staff=True)
        )
        self.backlog.append(
            {
                "minute": self.clock.minute + 1,
                "unpatrolled": Revision.objects.filter(
                    status=RevisionStatus.LIVE, patrolled=False, page__kind="post"
                )
                .exclude(trusted)
                .count(),
                "pending": Revision.objects.filter(status=RevisionStatus.PENDING).count(),
            }
        )

    def postfix(self) -> dict[str, str]:
        live = [e for e in self.edits.values() if e.vandal and e.went_live_at is not None]
        undone = sum(e.undone_at is not None for e in live)
        return {"vandal live": str(len(live)), "undone": str(undone)}

    # --- The report -----------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        end = self.clock.minute
        for edit in self.edits.values():  # close the intervals still open
            if edit.live_since is not None:
                edit.minutes_live += end - edit.live_since
        vandal = [e for e in self.edits.values() if e.vandal]
        honest = [e for e in self.edits.values() if not e.vandal]
        by_kind = {kind: vandal_summary([e for e in vandal if e.kind == kind]) for kind in KINDS}
        by_level = {
            str(level): vandal_summary([e for e in vandal if e.level == level]) for level in (0, 1)
        }
        refused: dict[str, dict[str, int]] = {HONEST: {}, "vandal": {}}
        for (who, code), n in sorted(self.refused.items()):
            refused[who][code] = n
        return {
            "benchmark": "vandalism",
            "params": asdict(self.p),
            "minutes": end,
            "seconds": round(self.seconds, 1),
            "world": {
                "subwikis": self.p.subwikis,
                "posts": len(self.posts),
                "reviewed_posts": sum(p.reviewed for p in self.posts.values()),
                "honest_editors": dict(sorted(Counter(str(h.level) for h in self.honest).items())),
                "vandal_accounts": len(self.vandals),
                "vandal_accounts_created": self.accounts_created,
                "patrollers": sum(p.role == "patroller" for p in self.patrollers),
                "moderators": sum(p.role == "moderator" for p in self.patrollers),
                "subwiki_owners": sum(
                    p.handles_reports and p.role == "patroller" for p in self.patrollers
                ),
                "staff": len(self.staff),
            },
            "attempts": {
                "all": sum(self.attempts.values()),
                HONEST: self.attempts[HONEST],
                "vandal": self.attempts["vandal"],
            },
            "refused": refused,
            "rate_limited": {
                HONEST: self.refused[(HONEST, "rate_limited")],
                "vandal": self.refused[("vandal", "rate_limited")],
            },
            "busiest_hour": self.busiest_hour(vandal),
            "vandal": vandal_summary(vandal),
            "vandal_by_kind": by_kind,
            "vandal_by_level": by_level,
            "honest": honest_summary(honest),
            "actions": dict(sorted(self.actions.items())),
            "errors": dict(sorted(self.errors.items())),
            "backlog": self.backlog,
            "ledger_check": self.verify(),
            "moderation": moderation_counts(),
        }


def moderation_counts() -> dict[str, Any]:
    """What the moderation log, the bans and the reports hold at the end."""
    from django.db.models import Count

    from tribune.accounts.models import Access, Member
    from tribune.moderation.models import Ban, ModerationAction, Report

    log = dict(
        ModerationAction.objects.values_list("action").annotate(n=Count("id")).order_by("action")
    )
    reports = dict(Report.objects.values_list("state").annotate(n=Count("id")).order_by("state"))
    return {
        "log": log,
        "reports": reports,
        "bans": Ban.objects.count(),
        "banned_vandals": Ban.objects.filter(member__username__startswith="vandal-")
        .values("member")
        .distinct()
        .count(),
        "banned_honest": Ban.objects.exclude(member__username__startswith="vandal-")
        .values("member")
        .distinct()
        .count(),
        "suspended_vandals": Member.objects.filter(
            access=Access.SUSPENDED, username__startswith="vandal-"
        ).count(),
        "suspended_honest": Member.objects.filter(access=Access.SUSPENDED)
        .exclude(username__startswith="vandal-")
        .count(),
    }


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (nearest rank) of values, `inf` standing for "still live"; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))])


def minutes(values: Sequence[float]) -> dict[str, float | None]:
    """Median, p90 and max; `None` for a quantile that falls among edits still live."""

    def finite(value: float | None) -> float | None:
        return None if value is None or math.isinf(value) else value

    return {
        "count": len(values),
        "median": finite(quantile(values, 0.5)),
        "p90": finite(quantile(values, 0.9)),
        "max": finite(float(max(values))) if values else None,
    }


def vandal_summary(edits: list[Edit]) -> dict[str, Any]:
    """Vandal edits: saved, live or pending, undone, and for how long they stayed live."""
    went_live = [e for e in edits if e.went_live_at is not None]
    # Undone: out of the post's current version at the end (an edit a revert brought
    # back after an undo counts as still live).
    undone = [e for e in went_live if e.live_since is None]
    still = [e for e in went_live if e.live_since is not None]
    pending = [e for e in edits if e.pending]
    rejected = [e for e in pending if e.decision in {"rejected", "conflict"}]
    approved = [e for e in pending if e.decision == "approved"]
    # Time live: every edit that went live; one still live counts as "longer than the
    # run" (infinite), so a quantile that lands on one is reported as None.
    live_minutes = [math.inf if e.live_since is not None else e.minutes_live for e in went_live]
    every = live_minutes + [0.0] * len(rejected)
    by: Counter[str] = Counter(e.undone_by for e in undone)
    return {
        "saved": len(edits),
        "live_at_once": sum(not e.pending for e in edits),
        "pending": len(pending),
        "pending_rejected": len(rejected),
        "pending_approved": len(approved),
        "pending_waiting": len(pending) - len(rejected) - len(approved),
        "went_live": len(went_live),
        "undone": len(undone),
        "undone_share": _share(len(undone), len(went_live)),
        "still_live": len(still),
        "handled_share": _share(len(undone) + len(rejected), len(went_live) + len(rejected)),
        "minutes_live": minutes(live_minutes),
        "minutes_live_undone": minutes([float(e.minutes_live) for e in undone]),
        "minutes_live_with_rejected": minutes(every),
        "undone_by": dict(sorted(by.items())),
    }


def honest_summary(edits: list[Edit]) -> dict[str, Any]:
    """Honest edits: saved, approved or refused, and how many a revert took out."""
    pending = [e for e in edits if e.pending]
    undone = [e for e in edits if e.undone_at is not None]
    aimed = [e for e in undone if e.aimed]
    waits = [float(e.decided_at - e.made_at) for e in pending if e.decided_at is not None]
    return {
        "saved": len(edits),
        "pending": len(pending),
        "pending_approved": sum(e.decision == "approved" for e in pending),
        "pending_rejected_as_vandalism": sum(e.decision == "rejected" for e in pending),
        "pending_rejected_conflict": sum(e.decision == "conflict" for e in pending),
        "pending_waiting": sum(e.decided_at is None for e in pending),
        "minutes_pending": minutes(waits),
        "wrongly_undone": len(undone),
        "wrongly_undone_share": _share(len(undone), len(edits)),
        "taken_for_vandalism": len(aimed),
        "undone_with_vandalism": len(undone) - len(aimed),
        "undone_by": dict(sorted(Counter(e.undone_by for e in undone).items())),
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, cum: Sequence[float]) -> int:
    return rng.choices(range(len(cum)), cum_weights=cum, k=1)[0]


def simulate(params: Params, *, progress: bool = False) -> dict[str, Any]:
    """Set up the wiki in the configured database, run it, and return the report."""
    from django.conf import settings
    from django.db import connection

    from bench.feeds import engine_version

    sim = Simulation(params, progress=progress)
    sim.setup()
    result = sim.run()
    result.update(
        date=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        engine=connection.vendor,
        engine_version=engine_version(),
    )
    result["rate_limits"] = {
        scope: settings.TRIBUNE_RATE_LIMITS.get(scope, {}) if params.rate_limits else {}
        for scope in ("edit", "report")
    }
    result["rate_limit_store"] = settings.TRIBUNE_RATE_LIMIT_STORE
    return result


# --- Output -------------------------------------------------------------------------


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def mins(value: float | None, *, still: int = 0) -> str:
    if value is None:
        return "still live" if still else "n/a"
    return f"{value:g} min"


def summary_rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    v, h = result["vandal"], result["honest"]
    rl = result["rate_limited"]
    return [
        ("edits attempted (honest / vandal)", _triple(result["attempts"])),
        ("edits saved (honest / vandal)", f"{h['saved']:,} / {v['saved']:,}"),
        ("vandal edits live at once / pending review", f"{v['live_at_once']} / {v['pending']}"),
        ("vandal edits that went live", f"{v['went_live']}"),
        ("  of which undone by the end", f"{v['undone']} ({pct(v['undone_share'])})"),
        ("  median minutes live", mins(v["minutes_live"]["median"], still=v["still_live"])),
        ("  p90 minutes live", mins(v["minutes_live"]["p90"], still=v["still_live"])),
        ("  median / p90 minutes live, undone ones", _mp(v["minutes_live_undone"])),
        ("  still live at the end", f"{v['still_live']}"),
        (
            "pending vandal edits rejected (never live)",
            f"{v['pending_rejected']} of {v['pending']} "
            f"({v['pending_approved']} approved by mistake, {v['pending_waiting']} waiting)",
        ),
        ("vandal edits handled (undone or rejected)", pct(v["handled_share"])),
        (
            "honest edits wrongly undone",
            f"{h['wrongly_undone']} ({pct(h['wrongly_undone_share'])}): "
            f"{h['taken_for_vandalism']} taken for vandalism, "
            f"{h['undone_with_vandalism']} along with vandalism",
        ),
        (
            "honest pending edits rejected",
            f"{h['pending_rejected_as_vandalism']} as vandalism, "
            f"{h['pending_rejected_conflict']} for a conflict, of {h['pending']}",
        ),
        ("edits refused by rate limits (honest / vandal)", f"{rl[HONEST]} / {rl['vandal']}"),
        (
            "vandal edits refused otherwise",
            ", ".join(
                f"{code} {n}"
                for code, n in result["refused"]["vandal"].items()
                if code != "rate_limited"
            )
            or "none",
        ),
    ]


def _triple(attempts: dict[str, int]) -> str:
    return f"{attempts['all']:,} ({attempts[HONEST]:,} / {attempts['vandal']:,})"


def _mp(found: dict[str, Any]) -> str:
    return f"{mins(found['median'])} / {mins(found['p90'])}"


def markdown(result: dict[str, Any]) -> str:
    """The run's report, for bench/results/."""
    p, world = result["params"], result["world"]
    lines = [
        f"# Vandalism simulation: {result['engine_version']}, {result['date'][:10]}",
        "",
        f"Commit {result.get('git_commit') or 'unknown'}. {result['minutes']} simulated minutes "
        f"({p['steps']} of editing, then {p['drain']} of patrol only) in "
        f"{result['seconds']:.0f} s of real time. Seed {p['seed']}.",
        "",
        f"The wiki: {world['posts']} posts in {world['subwikis']} subwikis "
        f"({world['reviewed_posts']} `reviewed`); honest editors by trust level "
        f"{_levels(world['honest_editors'])}; {world['patrollers']} trusted patrollers "
        f"({world['subwiki_owners']} owning a subwiki), {world['moderators']} site moderators, "
        f"{world['staff']} staff; {world['vandal_accounts']} vandal accounts "
        f"({world['vandal_accounts_created']} made during the run). About "
        f"{p['edits_per_minute']:g} edits a minute, {p['vandal_share']:.0%} by vandals; each "
        f"patroller online {p['online']:.0%} of minutes, reviewing {p['reviews_per_minute']} "
        f"{'entry' if p['reviews_per_minute'] == 1 else 'entries'} a minute, noticing "
        f"{p['detection']:.0%} of vandalism and taking "
        f"{p['false_positives']:.0%} of good edits for it; an editor who meets vandalism "
        f"reverts it {p['editor_fix']:.0%} of the time.",
        "",
        "| measure | value |",
        "| --- | --- |",
        *[f"| {name.strip()} | {value} |" for name, value in summary_rows(result)],
        "",
        "## By kind of vandalism",
        "",
        "| kind | saved | went live | undone | median min live | p90 min live | pending rejected |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *[_kind_row(kind, found) for kind, found in result["vandal_by_kind"].items()],
        "",
        "## By the vandal's trust level",
        "",
        "| level | saved | went live | undone | median min live | p90 min live "
        "| pending rejected |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *[_kind_row(level, found) for level, found in result["vandal_by_level"].items()],
        "",
        "## Who undid vandalism",
        "",
        *[f"- {by}: {n}" for by, n in result["vandal"]["undone_by"].items()],
        "",
        "## Rate limits",
        "",
        f"Limits as in production (`TRIBUNE_RATE_LIMITS`, counted in {result['rate_limit_store']},"
        f" on the simulated clock): edit {_limits(result['rate_limits'].get('edit', {}))}.",
        f"Refused: {result['rate_limited'][HONEST]} honest edits, "
        f"{result['rate_limited']['vandal']} vandal edits. The most edits one vandal account "
        f"saved in one hour of the limiter: {result['busiest_hour']['0']} at trust level 0 "
        f"(new accounts), {result['busiest_hour']['1']} at level 1.",
        "",
        "## Moderation",
        "",
        "Actions taken: "
        + ", ".join(f"{name} {n}" for name, n in result["actions"].items() if name != "reviews")
        + f"; {result['actions'].get('reviews', 0)} queue entries reviewed.",
        "",
        "Log lines by action: "
        + (", ".join(f"{a} {n}" for a, n in result["moderation"]["log"].items()) or "none")
        + ". Reports by state: "
        + (", ".join(f"{s} {n}" for s, n in result["moderation"]["reports"].items()) or "none")
        + f". Bans: {result['moderation']['bans']} (vandals "
        f"{result['moderation']['banned_vandals']}, honest {result['moderation']['banned_honest']})"
        f"; suspended: vandals {result['moderation']['suspended_vandals']}, honest "
        f"{result['moderation']['suspended_honest']}.",
        "",
        "Refused actions: "
        + (", ".join(f"{name} {n}" for name, n in result["errors"].items()) or "none")
        + ".",
        "",
        "## Backlog (hourly)",
        "",
        "| minute | unpatrolled live edits | pending revisions |",
        "| ---: | ---: | ---: |",
        *[f"| {b['minute']} | {b['unpatrolled']} | {b['pending']} |" for b in result["backlog"]],
        "",
        "`docs/benchmarks.md` says how to read these numbers.",
        "",
    ]
    return "\n".join(lines)


def _levels(levels: dict[str, int]) -> str:
    return ", ".join(f"{n} at {level}" for level, n in levels.items())


def _limits(rules: dict[str, str]) -> str:
    return ", ".join(f"{who} {rule}" for who, rule in rules.items()) or "none"


def _kind_row(name: str, found: dict[str, Any]) -> str:
    live = found["minutes_live"]
    return (
        f"| {name} | {found['saved']} | {found['went_live']} | {found['undone']} "
        f"({pct(found['undone_share'])}) | {mins(live['median'], still=found['still_live'])} "
        f"| {mins(live['p90'], still=found['still_live'])} | {found['pending_rejected']} |"
    )


def print_summary(result: dict[str, Any]) -> None:
    rows = summary_rows(result)
    width = max(len(name) for name, _value in rows)
    print(f"\nVandalism simulation on {result['engine_version']}, {result['minutes']} minutes:")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


def write(result: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = f"vandalism-{result['engine']}-{result['date'][:10]}"
    (RESULTS_DIR / f"{stem}.json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    (RESULTS_DIR / f"{stem}.md").write_text(markdown(result))
    write_index()
    return RESULTS_DIR / f"{stem}.md"


def write_index() -> None:
    """This benchmark's section of bench/results/README.md, one row per run; the rest stays."""
    path = RESULTS_DIR / "README.md"
    existing = path.read_text() if path.exists() else "# Benchmark results\n"
    kept = existing.split(f"\n{INDEX_HEADING}\n")[0].rstrip("\n")
    rows = []
    for found in sorted(RESULTS_DIR.glob("vandalism-*.json")):
        r = json.loads(found.read_text())
        v, h = r["vandal"], r["honest"]
        rows.append(
            f"| [{found.stem}]({found.stem}.md) | {r['engine_version']} | {r['minutes']} "
            f"| {r['attempts']['all']:,} | {v['saved']} | {pct(v['undone_share'])} "
            f"| {mins(v['minutes_live']['median'], still=v['still_live'])} "
            f"| {mins(v['minutes_live']['p90'], still=v['still_live'])} "
            f"| {v['pending_rejected']} | {pct(h['wrongly_undone_share'])} "
            f"| {r['rate_limited'][HONEST]} / {r['rate_limited']['vandal']} |"
        )
    section = [
        INDEX_HEADING,
        "",
        "Written by `python -m bench.vandalism` (bench/README.md says how to run it;",
        "docs/benchmarks.md how to read it): one row per run. Minutes are simulated.",
        "",
        "| run | engine | minutes | edits attempted | vandal edits saved | live vandal edits "
        "undone | median min live | p90 min live | pending vandal edits rejected "
        "| honest edits wrongly undone | refused by rate limits (honest / vandal) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
    ]
    path.write_text(kept + "\n\n" + "\n".join(section))


# --- The command ---------------------------------------------------------------------


def describe(database_url: str, redact: Any) -> str:
    """The database for the report: no password, and a SQLite file relative to the repository."""
    if engine_of(database_url) != "sqlite":
        return str(redact(database_url))
    path = Path(database_url.removeprefix("sqlite:///"))
    shown = path.relative_to(REPO_DIR) if path.is_relative_to(REPO_DIR) else path.name
    return f"SQLite file {shown}"


def var_dir_of(database_url: str) -> Path:
    if database_url:
        name = urlsplit(database_url).path.strip("/") or "default"
        return BENCH_VAR_DIR / f"vandalism-postgresql-{name}"
    return BENCH_VAR_DIR / "vandalism"


def prepare(database_url: str) -> str:
    """A fresh database, configured and migrated; its URL."""
    var_dir = var_dir_of(database_url)
    if not database_url:
        shutil.rmtree(var_dir, ignore_errors=True)  # a fresh file every run
        database_url = sqlite_url(var_dir / "tribune.sqlite3")
    elif engine_of(database_url) == "postgresql":
        from bench.generate import ensure_database

        ensure_database(database_url)
    configure(database_url=database_url, var_dir=var_dir)

    from django.core.management import call_command

    from bench.generate import tune_for_load
    from tribune.accounts.models import Member

    call_command("migrate", interactive=False, verbosity=0)
    if Member.objects.exists():
        raise SystemExit("This database holds members already: simulate in a fresh one.")
    tune_for_load()
    return database_url


def main(argv: list[str] | None = None) -> int:
    defaults = Params()
    parser = argparse.ArgumentParser(
        prog="python -m bench.vandalism", description=__doc__.split("\n")[0]
    )
    add = parser.add_argument
    add("--database-url", default="", help="PostgreSQL (default: a fresh SQLite file)")
    add("--steps", type=int, default=defaults.steps, help="simulated minutes of editing")
    add("--drain", type=int, default=defaults.drain, help="minutes of patrol after the edits")
    add("--edits-per-minute", type=float, default=defaults.edits_per_minute)
    add("--vandal-share", type=float, default=defaults.vandal_share, help="of the edits")
    add("--posts", type=int, default=defaults.posts)
    add("--subwikis", type=int, default=defaults.subwikis)
    add("--reviewed-share", type=float, default=defaults.reviewed_share, help="of the posts")
    add("--honest", type=int, default=defaults.honest, help="honest editors")
    add("--vandals", type=int, default=defaults.vandals, help="vandal accounts at the start")
    add("--patrollers", type=int, default=defaults.patrollers, help="trusted, level 2 and 3")
    add("--moderators", type=int, default=defaults.moderators, help="site moderators")
    add("--online", type=float, default=defaults.online, help="share of minutes on patrol")
    add("--reviews-per-minute", type=int, default=defaults.reviews_per_minute)
    add("--detection", type=float, default=defaults.detection, help="vandalism noticed")
    add("--false-positives", type=float, default=defaults.false_positives)
    add("--editor-fix", type=float, default=defaults.editor_fix, help="vandalism editors revert")
    add("--new-vandal-share", type=float, default=defaults.new_vandal_share, help="at level 0")
    add("--fresh-account", type=float, default=defaults.fresh_account, help="sprees on new ones")
    add("--spree-length", type=float, default=defaults.spree_length, help="mean attempts")
    add("--spree-pace", type=float, default=defaults.spree_pace, help="mean attempts a minute")
    add("--no-rate-limits", action="store_true", help="turn the rate limits off, to compare")
    add("--seed", type=int, default=defaults.seed)
    add("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    shares = ("vandal_share", "reviewed_share", "online", "detection", "false_positives")
    for name in (*shares, "editor_fix", "new_vandal_share", "fresh_account"):
        if not 0 <= getattr(args, name) <= 1:
            parser.error(f"--{name.replace('_', '-')} must be from 0 to 1")
    if args.steps < 1 or args.posts < 1 or args.subwikis < 1 or args.patrollers < 1:
        parser.error("--steps, --posts, --subwikis and --patrollers must be at least 1")
    if args.spree_length < 1 or args.spree_pace <= 0 or args.honest < 5:
        parser.error("--spree-length must be at least 1, --spree-pace more than 0, --honest 5")
    params = Params(
        steps=args.steps,
        drain=args.drain,
        edits_per_minute=args.edits_per_minute,
        vandal_share=args.vandal_share,
        subwikis=args.subwikis,
        posts=args.posts,
        reviewed_share=args.reviewed_share,
        honest=args.honest,
        vandals=args.vandals,
        patrollers=args.patrollers,
        moderators=args.moderators,
        online=args.online,
        reviews_per_minute=args.reviews_per_minute,
        detection=args.detection,
        false_positives=args.false_positives,
        editor_fix=args.editor_fix,
        new_vandal_share=args.new_vandal_share,
        fresh_account=args.fresh_account,
        spree_length=args.spree_length,
        spree_pace=args.spree_pace,
        rate_limits=not args.no_rate_limits,
        seed=args.seed,
    )
    database_url = prepare(args.database_url)

    from bench.feeds import git_commit, redact

    load_before = os.getloadavg()
    result = simulate(params, progress=True)
    result.update(
        database=describe(database_url, redact),
        git_commit=git_commit(),
        load_before=load_before,
        load_after=os.getloadavg(),
    )
    print_summary(result)
    if not args.no_write:
        print(f"\nWritten: {write(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
