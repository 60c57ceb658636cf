"""`tribune demo` adds community notes whose ratings make one of them helpful once scored,
by writers and raters who earned trust level 1 (and keep it), and runs again harmlessly."""

from __future__ import annotations

import pytest

from tribune.accounts.models import Member
from tribune.core.demo import demo_run, demo_steps
from tribune.notes.demo import CAMP_A, CAMP_B, NOTES
from tribune.notes.models import CommunityNote, NoteRating, NoteStatus
from tribune.trust.models import TrustRecord
from tribune.trust.services import trust_recompute_all

pytestmark = pytest.mark.django_db

MODULES = (
    "tribune.accounts.demo",
    "tribune.communities.demo",
    "tribune.posts.demo",
    "tribune.trust.demo",
    "tribune.notes.demo",
)


def test_the_demo_shows_one_helpful_note_after_scoring(client):
    list(demo_run(demo_steps(MODULES)))
    helpful = CommunityNote.objects.filter(status=NoteStatus.HELPFUL)
    assert [n.post.title for n in helpful] == [
        "A preprint claims a room-temperature superconductor, again"
    ]
    assert CommunityNote.objects.filter(status=NoteStatus.NOT_HELPFUL).count() == 2
    assert CommunityNote.objects.filter(status=NoteStatus.NEEDS_MORE_RATINGS).count() == 5
    assert (
        "Readers added context" in client.get(helpful[0].post.get_absolute_url()).content.decode()
    )

    notes, ratings = CommunityNote.objects.count(), NoteRating.objects.count()
    created = [step.label for step, made in demo_run(demo_steps(MODULES)) if made]
    assert created == []
    assert (CommunityNote.objects.count(), NoteRating.objects.count()) == (notes, ratings)


def test_the_demo_writers_and_raters_earn_level_one_and_keep_it(client):
    list(demo_run(demo_steps()))  # every module, as `tribune demo` runs them
    checkers = Member.objects.filter(username__in={*CAMP_A, *CAMP_B, *(n.author for n in NOTES)})
    assert checkers.count() == 11
    for member in checkers:
        # The levels were computed, not set: each one has its reasons, all requirements met.
        record = TrustRecord.objects.get(member=member)
        assert member.trust_level >= 1 and record.level == member.trust_level
        assert record.reasons["current"] and all(row["met"] for row in record.reasons["current"])
    # The periodic task, run again, demotes none of them.
    summary = trust_recompute_all()
    assert not {name for name, _old, _new in summary.demoted} & {m.username for m in checkers}
    assert set(Member.objects.filter(pk__in=checkers).values_list("trust_level", flat=True)) == {1}
    profile = client.get("/u/noah/").content.decode()
    assert "Trust level 1" in profile and "Why level 1" in profile
