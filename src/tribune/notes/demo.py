"""Demo community notes: notes on the demo posts, rated by two camps of members who
usually disagree, then scored, so that one note is shown as helpful (both camps rated
it so), partisan ones wait for more ratings and unhelpful ones are marked so.

Notes are written, and ratings count, from trust level 1, which members earn: the trust
demo (trust.demo), which runs first, has the writers and raters take part until they
reach it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from tribune.accounts.models import Member
from tribune.core.demo import DemoStep
from tribune.core.exceptions import ServiceError
from tribune.notes.models import CommunityNote, NoteRating
from tribune.notes.services import note_create, note_rate, notes_score
from tribune.posts.models import Post

# Two camps of raters: each likes the notes its side writes, and both like a note that
# simply checks the facts.
CAMP_A = ("camille", "theo", "priya", "sofia", "lea")
CAMP_B = ("jonas", "liam", "haruka", "noah", "amara")


@dataclass(frozen=True)
class DemoNote:
    post_title: str
    author: str
    classification: str
    body: str
    # Who rates it how: "both" (both camps yes), "A" / "B" (that camp yes, the other no),
    # "none" (both no), or "few" (a couple of ratings so far).
    liked_by: str


NOTES: tuple[DemoNote, ...] = (
    DemoNote(
        "A preprint claims a room-temperature superconductor, again",
        "mireille",
        "misleading",
        "The preprint has not been peer reviewed, and the two replication attempts "
        "published since found no superconductivity in the material: "
        "https://arxiv.org/a/replication-1 and https://arxiv.org/a/replication-2.",
        "both",
    ),
    DemoNote(
        "Heat pumps outsold gas boilers in several countries last year",
        "mireille",
        "not_misleading",
        "The figures come from the industry association's yearly report "
        "(https://example.org/heat-pump-report), and match the national statistics "
        "of the countries named.",
        "A",
    ),
    DemoNote(
        "Global heat records: what the new dataset shows",
        "theo",
        "not_misleading",
        "The dataset is the one the national weather services publish; the post quotes "
        "it correctly. Methods: https://example.org/dataset-methods",
        "A",
    ),
    DemoNote(
        "The town council voted on the new bike lanes",
        "mireille",
        "misleading",
        "The vote was on a consultation, not on building the lanes: the minutes say so "
        "on page 4. https://example.org/council-minutes",
        "B",
    ),
    DemoNote(
        "Solar output across a summer day",
        "jonas",
        "misleading",
        "The chart shows one sunny day; over a year the same panels produce far less per "
        "day on average. https://example.org/solar-yearly",
        "B",
    ),
    DemoNote(
        "Self-hosting your social network: what it takes",
        "mireille",
        "misleading",
        "Self-hosting is always free.",
        "none",
    ),
    DemoNote(
        "Hello from Osaka",
        "sofia",
        "misleading",
        "This photo is not from Osaka.",
        "none",
    ),
    DemoNote(
        "Vérifier une photo en trois étapes",
        "liam",
        "not_misleading",
        "Les trois étapes suivent le guide de vérification de l'AFP : "
        "https://example.org/guide-verification",
        "few",
    ),
)

FEW_RATERS = ("camille", "noah")


def _note_of(spec: DemoNote) -> CommunityNote | None:
    post = Post.objects.filter(title=spec.post_title).order_by("pk").first()
    author = Member.objects.filter(username=spec.author).first()
    if post is None or author is None:
        return None
    return CommunityNote.objects.filter(post=post, author=author).first()


def _write(spec: DemoNote) -> bool:
    if _note_of(spec) is not None:
        return False
    post = Post.objects.filter(title=spec.post_title).order_by("pk").first()
    author = Member.objects.filter(username=spec.author).first()
    if post is None or author is None:
        return False
    try:
        note_create(
            actor=author,
            post_id=post.pk,
            classification=spec.classification,
            body=spec.body,
        )
    except ServiceError:
        return False  # someone else took this demo username and may not write it
    return True


def _ratings(spec: DemoNote) -> dict[str, str]:
    """Each rater's answer to the note."""
    if spec.liked_by == "few":
        return dict.fromkeys(FEW_RATERS, "yes")
    answers = {}
    for camp, raters in (("A", CAMP_A), ("B", CAMP_B)):
        liked = spec.liked_by in {"both", camp}
        for rater in raters:
            answers[rater] = "yes" if liked else "no"
    if spec.liked_by == "both":
        answers["lea"] = "somewhat"  # not everyone is fully convinced
    return answers


def _rate(spec: DemoNote) -> bool:
    note = _note_of(spec)
    if note is None:
        return False
    answers = _ratings(spec)
    done = set(NoteRating.objects.filter(note=note).values_list("rater__username", flat=True))
    created = False
    for rater in Member.objects.filter(username__in=set(answers) - done):
        if rater.pk == note.author_id:
            continue
        try:
            created = (
                note_rate(actor=rater, note_id=note.pk, helpful=answers[rater.username]).created
                or created
            )
        except ServiceError:
            continue
    return created


def _score() -> bool:
    """Run the scorer, as its periodic task would: one note turns helpful."""
    return notes_score().changed > 0


def steps() -> list[DemoStep]:
    """Trust levels earned, the notes, their ratings, then a run of the scorer."""
    return [
        *(DemoStep(f"note on {spec.post_title[:40]}", partial(_write, spec)) for spec in NOTES),
        *(
            DemoStep(f"ratings of the note on {spec.post_title[:30]}", partial(_rate, spec))
            for spec in NOTES
        ),
        DemoStep("community notes scored", _score),
    ]
