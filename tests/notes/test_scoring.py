"""The note scorer on simulated populations: bridging, not majority, makes a note helpful."""

from __future__ import annotations

import random

import pytest

from tribune.notes.scoring import (
    HELPFUL,
    NEEDS_MORE_RATINGS,
    NOT_HELPFUL,
    Rating,
    note_status,
    score_notes,
)


def _population(seed: int = 7, *, camp_size: int = 40) -> tuple[list[Rating], dict[str, str]]:
    """Two camps who disagree on partisan notes, and notes of each kind.

    Returns the ratings and, for each note, its kind: `bridging` (both camps find it
    helpful), `left` / `right` (one camp likes it, the other does not), `bad`
    (nobody does).
    """
    rng = random.Random(seed)
    camps = {"L": [f"L{i}" for i in range(camp_size)], "R": [f"R{i}" for i in range(camp_size)]}
    kinds: dict[str, str] = {}
    for i in range(12):
        kinds[f"bridge{i}"] = "bridging"
        kinds[f"left{i}"] = "left"
        kinds[f"right{i}"] = "right"
    for i in range(24):  # as on any real site, most notes written help nobody
        kinds[f"bad{i}"] = "bad"
    ratings = []
    for note, kind in kinds.items():
        for camp, raters in camps.items():
            liked = {
                "bridging": True,
                "bad": False,
                "left": camp == "L",
                "right": camp == "R",
            }[kind]
            for rater in rng.sample(raters, k=camp_size // 2):
                noise = rng.random() < 0.05  # one rating in twenty goes the other way
                helpful = liked != noise
                ratings.append(Rating(rater, note, 1.0 if helpful else 0.0))
    return ratings, kinds


def test_a_note_both_camps_rate_helpful_becomes_helpful_and_partisan_ones_never_do() -> None:
    ratings, kinds = _population()
    scores = score_notes(ratings)
    for note, kind in kinds.items():
        status = scores[note].status
        if kind == "bridging":
            assert status == HELPFUL, (note, scores[note])
        else:
            assert status != HELPFUL, (note, scores[note])
    assert sum(scores[n].status == NOT_HELPFUL for n, k in kinds.items() if k == "bad") >= 20


def test_partisan_notes_load_on_the_factor_not_the_intercept() -> None:
    ratings, kinds = _population(seed=11)
    scores = score_notes(ratings)
    left = [scores[n].factor for n, k in kinds.items() if k == "left"]
    right = [scores[n].factor for n, k in kinds.items() if k == "right"]
    # The camps sit at opposite ends of the one factor dimension (its sign is arbitrary).
    assert (min(left) > 0 > max(right)) or (max(left) < 0 < min(right))
    bridging = [scores[n].intercept for n, k in kinds.items() if k == "bridging"]
    partisan = [scores[n].intercept for n, k in kinds.items() if k in {"left", "right"}]
    assert min(bridging) > max(partisan)


def _brigade(ratings: list[Rating], kinds: dict[str, str], size: int) -> list[str]:
    """New accounts who all rate one camp's notes helpful and everything else not, in step."""
    brigade = [f"new{i}" for i in range(size)]
    for rater in brigade:
        for note, kind in kinds.items():
            if kind == "left":
                ratings.append(Rating(rater, note, 1.0))
            elif kind in {"right", "bridging"}:
                ratings.append(Rating(rater, note, 0.0))
    return brigade


@pytest.mark.parametrize("group_size", [5, 10, 20])
def test_a_coordinated_group_counted_in_full_still_cannot_make_a_note_helpful(
    group_size: int,
) -> None:
    """Even when the group's ratings count, their agreement is a viewpoint the factor explains."""
    ratings, kinds = _population(seed=3)
    _brigade(ratings, kinds, group_size)
    scores = score_notes(ratings)
    assert all(scores[n].status != HELPFUL for n, k in kinds.items() if k == "left")


@pytest.mark.parametrize("group_size", [40, 200])
def test_a_coordinated_group_of_new_accounts_cannot_make_a_note_helpful(group_size: int) -> None:
    """As many new accounts as the community or more: ineligible, they weigh nothing."""
    ratings, kinds = _population(seed=3)
    community = {row.rater for row in ratings}
    _brigade(ratings, kinds, group_size)
    scores = score_notes(ratings, eligible=community)
    assert all(scores[n].status != HELPFUL for n, k in kinds.items() if k == "left")
    # ...and the notes both camps like stay helpful, whatever the group says.
    assert all(scores[n].status == HELPFUL for n, k in kinds.items() if k == "bridging")


def test_a_note_liked_by_one_perspective_only_needs_more_ratings() -> None:
    ratings, _kinds = _population(seed=9)
    # Only camp L rates a new note, all helpful: a high intercept, one side.
    ratings += [Rating(f"L{i}", "fresh", 1.0) for i in range(20)]
    assert score_notes(ratings)["fresh"].status != HELPFUL


def test_too_few_ratings_need_more() -> None:
    ratings = [Rating(f"u{i}", "n", 1.0) for i in range(4)]
    assert score_notes(ratings)["n"].status == NEEDS_MORE_RATINGS


def test_thresholds() -> None:
    assert note_status(0.40, 0.0, 5) == HELPFUL
    assert note_status(0.40, 0.0, 4) == NEEDS_MORE_RATINGS
    assert note_status(-0.06, 0.0, 5) == NOT_HELPFUL
    assert note_status(-0.06, 0.5, 5) == NEEDS_MORE_RATINGS  # -0.05 - 0.8 * 0.5 = -0.45
    assert note_status(-0.5, 0.5, 5) == NOT_HELPFUL


def test_the_same_ratings_score_the_same() -> None:
    ratings, _kinds = _population(seed=5)
    assert score_notes(ratings) == score_notes(list(ratings))
    assert score_notes([]) == {}
