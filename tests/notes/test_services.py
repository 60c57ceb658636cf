"""Community notes: who may write and rate them, one note per member per post, ratings
that change, histories, privacy, and the scorer run end to end on a simulated population."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.accounts.models import Access
from tribune.communities.services import subwiki_join
from tribune.core.exceptions import Forbidden, NotFound, RateLimited, ServiceError
from tribune.moderation.services.actions import moderation_act
from tribune.notes.models import CommunityNote, NoteRating, NoteRevision, NoteStatus
from tribune.notes.selectors import (
    helpful_notes,
    note_get,
    note_history,
    note_my_rating,
    post_notes,
    post_page_notes,
    rating_summary,
)
from tribune.notes.services import (
    MAX_BODY,
    NoteExists,
    note_create,
    note_edit,
    note_rate,
    notes_score,
)
from tribune.notes.tasks import score_community_notes

pytestmark = pytest.mark.django_db

BODY = "The photo is from 2015, not from this week: see https://example.org/archive."


@pytest.fixture
def writer():
    """A member at trust level 1: they may write notes."""
    return MemberFactory.create(trust_level=1)


@pytest.fixture
def post(member):
    return make_post(member, subwiki=make_subwiki(member), title="A striking photo")


@pytest.fixture
def private_post(member):
    room = make_subwiki(member, visibility="private")
    return make_post(member, subwiki=room, title="Among ourselves")


def write(author, post, **fields):
    fields.setdefault("classification", "misleading")
    fields.setdefault("body", BODY)
    return note_create(actor=author, post_id=post.pk, **fields)


# --- Writing ------------------------------------------------------------------------------


def test_a_level_one_member_adds_a_note_and_its_first_version_is_kept(writer, post):
    note = write(writer, post, sources=["https://example.org/a", "http://example.com/b"])
    assert note.status == NoteStatus.NEEDS_MORE_RATINGS
    assert note.sources == ["https://example.org/a", "http://example.com/b"]
    (revision,) = NoteRevision.objects.filter(note=note)
    assert (revision.author, revision.body, revision.classification) == (
        writer,
        BODY,
        "misleading",
    )


def test_without_sources_the_links_in_the_text_are_the_sources(writer, post):
    body = "See [the archive](https://example.org/archive), and https://example.com/x."
    note = write(writer, post, body=body)
    assert note.sources == ["https://example.org/archive", "https://example.com/x"]


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ({"trust_level": 0}, "trust_level_too_low"),
        ({"trust_level": 1, "access": Access.WAITLISTED}, "permission_denied"),
        ({"trust_level": 2, "access": Access.SUSPENDED}, "permission_denied"),
    ],
)
def test_new_waitlisted_and_suspended_members_may_not_write_notes(post, who, code):
    with pytest.raises(Forbidden) as refused:
        write(MemberFactory.create(**who), post)
    assert refused.value.code == code
    assert not CommunityNote.objects.exists()


def test_a_private_post_takes_notes_from_its_members_only(member, private_post):
    outsider = MemberFactory.create(trust_level=3)
    with pytest.raises(NotFound):
        write(outsider, private_post)
    member.trust_level = 1
    member.save(update_fields=["trust_level"])
    assert write(member, private_post).post == private_post


def test_members_banned_from_the_subwiki_may_not_write_edit_or_rate_notes(member, writer, post):
    note = write(writer, post)
    rater = MemberFactory.create(trust_level=1)
    for banned in (writer, rater):
        moderation_act(
            actor=member,
            action="ban",
            target=f"member:{banned.username}",
            reason="Spam.",
            subwiki=post.subwiki.slug,
        )
    with pytest.raises(Forbidden):
        note_edit(actor=writer, note_id=note.pk, body="Changed.")
    with pytest.raises(Forbidden):
        note_rate(actor=rater, note_id=note.pk, helpful="yes")
    with pytest.raises(Forbidden):
        write(rater, post)
    # Elsewhere they still may.
    assert write(rater, make_post(MemberFactory.create()))


def test_one_note_per_member_per_post(writer, post):
    write(writer, post)
    with pytest.raises(NoteExists) as refused:
        write(writer, post, classification="not_misleading", body="Second thoughts.")
    assert refused.value.status == 409
    assert refused.value.code == "note_exists"
    assert CommunityNote.objects.filter(post=post).count() == 1
    # Another member's note on the same post is welcome.
    assert write(MemberFactory.create(trust_level=1), post)


def test_a_removed_post_takes_no_notes(writer, post, moderator):
    post.is_removed = True
    post.save(update_fields=["is_removed"])
    with pytest.raises(NotFound):
        write(writer, post)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"body": "   "}, "body"),
        ({"body": "x" * (MAX_BODY + 1)}, "body"),
        ({"body": "nul\x00"}, "body"),
        ({"classification": "wrong"}, "classification"),
        ({"sources": ["javascript:alert(1)"]}, "sources"),
        ({"sources": ["ftp://example.org/file"]}, "sources"),
        ({"sources": ["not a link"]}, "sources"),
        ({"sources": [f"https://example.org/{i}" for i in range(6)]}, "sources"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(writer, post, fields, field):
    with pytest.raises(ServiceError) as refused:
        write(writer, post, **fields)
    assert field in (refused.value.errors or {})
    assert not CommunityNote.objects.exists()


def test_writing_notes_is_rate_limited(settings, writer):
    settings.TRIBUNE_RATE_LIMITS = {"note": {"member": "2/h", "new_member": "1/h"}}
    posts = [make_post(writer) for _ in range(3)]
    write(writer, posts[0])
    write(writer, posts[1])
    with pytest.raises(RateLimited) as limited:
        write(writer, posts[2])
    assert limited.value.status == 429 and limited.value.retry_after > 0


# --- Editing -------------------------------------------------------------------------------


def test_its_author_edits_a_note_and_every_version_stays_in_the_history(writer, post):
    note = write(writer, post, sources=["https://example.org/a"])
    edited = note_edit(
        actor=writer,
        note_id=note.pk,
        body="The photo is from 2015.\nIt was taken in another country.",
        sources=["https://example.org/a", "https://example.org/b"],
        summary="Where it was taken",
    )
    assert edited.edited_at is not None
    note.refresh_from_db()
    assert note.body.endswith("another country.")
    versions = note_history(note=note_get(viewer=writer, note_id=note.pk))
    assert [v.revision.summary for v in versions] == ["Where it was taken", ""]
    assert versions[0].sources_added == ["https://example.org/b"]
    assert any(line.op != "equal" for line in versions[0].body_diff)
    # Saving the same again makes no revision.
    note_edit(actor=writer, note_id=note.pk, body=note.body)
    assert NoteRevision.objects.filter(note=note).count() == 2


def test_only_its_author_edits_a_note(writer, post, staff):
    note = write(writer, post)
    for other in (MemberFactory.create(trust_level=3), staff):
        with pytest.raises(Forbidden):
            note_edit(actor=other, note_id=note.pk, body="Not mine to change.")
    assert CommunityNote.objects.get(pk=note.pk).body == BODY


# --- Rating --------------------------------------------------------------------------------


def test_a_rating_is_one_per_member_and_changeable(writer, post, other_member):
    note = write(writer, post)
    first = note_rate(actor=other_member, note_id=note.pk, helpful="yes")
    assert first.created
    again = note_rate(actor=other_member, note_id=note.pk, helpful="no")
    assert not again.created
    assert NoteRating.objects.get(note=note).helpful == "no"
    assert NoteRating.objects.filter(note=note).count() == 1
    read = note_get(viewer=other_member, note_id=note.pk)
    assert note_my_rating(viewer=other_member, note=read) == "no"
    assert rating_summary(read).no == 1 and rating_summary(read).total == 1


def test_new_members_may_rate_but_not_their_own_note(writer, post):
    note = write(writer, post)
    newcomer = MemberFactory.create(trust_level=0)
    assert note_rate(actor=newcomer, note_id=note.pk, helpful="somewhat").created
    with pytest.raises(Forbidden) as refused:
        note_rate(actor=writer, note_id=note.pk, helpful="yes")
    assert refused.value.code == "own_note"


@pytest.mark.parametrize("access", [Access.WAITLISTED, Access.SUSPENDED])
def test_waitlisted_and_suspended_members_may_not_rate(writer, post, access):
    note = write(writer, post)
    with pytest.raises(Forbidden):
        note_rate(actor=MemberFactory.create(access=access), note_id=note.pk, helpful="yes")
    assert not NoteRating.objects.exists()


def test_an_unknown_rating_is_refused(writer, post, other_member):
    note = write(writer, post)
    with pytest.raises(ServiceError) as refused:
        note_rate(actor=other_member, note_id=note.pk, helpful="maybe")
    assert refused.value.code == "invalid_rating"


def test_rating_is_rate_limited(settings, writer, post):
    settings.TRIBUNE_RATE_LIMITS = {"note_rating": {"member": "5/h", "new_member": "1/h"}}
    note = write(writer, post)
    newcomer = MemberFactory.create(trust_level=0)
    note_rate(actor=newcomer, note_id=note.pk, helpful="yes")
    with pytest.raises(RateLimited):
        note_rate(actor=newcomer, note_id=note.pk, helpful="no")


# --- Privacy -------------------------------------------------------------------------------


def test_notes_of_a_private_subwiki_never_reach_outsiders(member, private_post, writer):
    member.trust_level = 1
    member.save(update_fields=["trust_level"])
    note = write(member, private_post)
    insider = MemberFactory.create(trust_level=1)
    subwiki_join(actor=insider, subwiki=private_post.subwiki)  # asks to join: not a member yet
    CommunityNote.objects.filter(pk=note.pk).update(status=NoteStatus.HELPFUL, intercept=0.5)
    for outsider in (writer, insider, MemberFactory.create()):
        with pytest.raises(NotFound):
            note_get(viewer=outsider, note_id=note.pk)
        with pytest.raises(NotFound):
            note_rate(actor=outsider, note_id=note.pk, helpful="yes")
        assert helpful_notes(viewer=outsider, post_ids=[private_post.pk]) == {}
    assert note_get(viewer=member, note_id=note.pk) == note
    assert helpful_notes(viewer=member, post_ids=[private_post.pk]) == {private_post.pk: note}


def test_a_removed_note_is_gone(writer, post):
    note = write(writer, post)
    CommunityNote.objects.filter(pk=note.pk).update(is_removed=True)
    with pytest.raises(NotFound):
        note_get(viewer=writer, note_id=note.pk)
    assert post_notes(viewer=writer, post=post).items == []


def test_note_ids_that_cannot_exist_are_not_found(writer):
    for bad in ("abc", "", "99999999999999999999999", -1):
        with pytest.raises(NotFound):
            note_get(viewer=writer, note_id=bad)


# --- Selectors -----------------------------------------------------------------------------


def test_a_post_page_lists_helpful_notes_first_then_the_viewers_own(post, other_member):
    writers = MemberFactory.create_batch(4, trust_level=1)
    notes = [write(w, post, body=f"Note {i}") for i, w in enumerate(writers)]
    CommunityNote.objects.filter(pk=notes[1].pk).update(status=NoteStatus.HELPFUL, intercept=0.6)
    listed = post_page_notes(viewer=writers[0], post=post)
    assert [n.pk for n in listed.notes[:2]] == [notes[1].pk, notes[0].pk]
    assert [n.pk for n in listed.helpful] == [notes[1].pk]
    assert listed.mine(writers[0]) == notes[0]
    assert not listed.more
    assert post_page_notes(viewer=other_member, post=post, limit=2).more


def test_helpful_notes_of_many_posts_is_one_query(writer, django_assert_num_queries):
    posts = [make_post(writer) for _ in range(5)]
    for p in posts[:3]:
        note = write(writer, p)
        CommunityNote.objects.filter(pk=note.pk).update(status=NoteStatus.HELPFUL, intercept=0.5)
    with django_assert_num_queries(1):
        found = helpful_notes(viewer=writer, post_ids=[p.pk for p in posts])
    assert set(found) == {p.pk for p in posts[:3]}


# --- Scoring: a simulated population in the database ---------------------------------------

CAMP = 6


def rated_population(post, *, camp: int = CAMP):
    """Two camps of level-1 raters who disagree on partisan notes, a note both camps find
    helpful, a note nobody does, and a coordinated group of new (level 0) accounts, all
    on posts of `post`'s subwiki, rated through the real services.

    Returns the notes by kind ("bridging", "bad", "left", "right", "group") and the group.
    """
    poster = post.author
    writer = MemberFactory.create(trust_level=1)
    camps = {
        "left": MemberFactory.create_batch(camp, trust_level=1),
        "right": MemberFactory.create_batch(camp, trust_level=1),
    }
    kinds = ["bridging", "bad"] + ["left"] * 3 + ["right"] * 3
    notes: dict[str, list[CommunityNote]] = {}
    for i, kind in enumerate(kinds):
        target = post if i == 0 else make_post(poster, subwiki=post.subwiki, title=f"Claim {i}")
        note = write(writer, target, body=f"Context {i} ({kind}).")
        notes.setdefault(kind, []).append(note)
        for side, raters in camps.items():
            liked = kind == "bridging" or kind == side
            for j, rater in enumerate(raters):
                value = "yes" if liked else "no"
                if kind == "bridging" and j == 0:
                    value = "somewhat"
                note_rate(actor=rater, note_id=note.pk, helpful=value)
    group = MemberFactory.create_batch(2 * camp, trust_level=0)
    target = make_post(poster, subwiki=post.subwiki, title="A claim the group likes")
    notes["group"] = [write(writer, target, body="Context the group pushes.")]
    for newcomer in group:
        for kind, listed in notes.items():
            for note in listed:
                value = "yes" if kind in {"left", "group"} else "no"
                note_rate(actor=newcomer, note_id=note.pk, helpful=value)
    return notes, group


@pytest.fixture
def population(post):
    """The simulated population of rated_population, on `post` and its subwiki."""
    return rated_population(post)


def test_only_the_note_both_camps_rate_helpful_becomes_helpful(population):
    notes, _group = population
    run = notes_score()
    status = {
        kind: [CommunityNote.objects.get(pk=n.pk).status for n in listed]
        for kind, listed in notes.items()
    }
    assert status["bridging"] == [NoteStatus.HELPFUL]
    assert NoteStatus.HELPFUL not in status["left"] + status["right"]
    assert status["bad"] == [NoteStatus.NOT_HELPFUL]
    # The coordinated new accounts weigh nothing: their favourite note has no rating that counts.
    assert status["group"] == [NoteStatus.NEEDS_MORE_RATINGS]
    group_note = CommunityNote.objects.get(pk=notes["group"][0].pk)
    assert group_note.rating_count == 0 and group_note.scored_at is not None
    bridging = CommunityNote.objects.get(pk=notes["bridging"][0].pk)
    assert bridging.rating_count == 2 * CAMP
    assert bridging.intercept is not None and bridging.intercept >= 0.4
    assert run.helpful == 1 and run.changed == 2  # the bridging note and the bad one
    # A second run changes nothing.
    assert notes_score().changed == 0


def test_the_group_cannot_make_a_note_helpful_even_as_level_one_raters(population):
    """Promoted to level 1, the group's lockstep ratings are a viewpoint the factor explains."""
    notes, group = population
    for newcomer in group:
        newcomer.trust_level = 1
        newcomer.save(update_fields=["trust_level"])
    notes_score()
    for note in notes["left"]:
        assert CommunityNote.objects.get(pk=note.pk).status != NoteStatus.HELPFUL


def test_a_helpful_note_that_loses_its_support_goes_back(population):
    notes, _group = population
    notes_score()
    bridging = notes["bridging"][0]
    for rater in NoteRating.objects.filter(note=bridging, rater__trust_level=1):
        note_rate(actor=rater.rater, note_id=bridging.pk, helpful="no")
    assert notes_score().changed >= 1
    assert CommunityNote.objects.get(pk=bridging.pk).status != NoteStatus.HELPFUL


def test_the_command_and_the_periodic_task_run_the_scorer(population):
    notes, _group = population
    out = StringIO()
    call_command("notes", "score", stdout=out)
    assert "2 notes changed status" in out.getvalue()
    assert CommunityNote.objects.get(pk=notes["bridging"][0].pk).status == NoteStatus.HELPFUL
    CommunityNote.objects.update(status=NoteStatus.NEEDS_MORE_RATINGS)
    score_community_notes.call_local()
    assert CommunityNote.objects.get(pk=notes["bridging"][0].pk).status == NoteStatus.HELPFUL


def test_scoring_with_no_ratings_changes_nothing(writer, post):
    note = write(writer, post)
    run = notes_score()
    assert (run.scored, run.changed, run.helpful) == (0, 0, 0)
    assert CommunityNote.objects.get(pk=note.pk).scored_at is None
