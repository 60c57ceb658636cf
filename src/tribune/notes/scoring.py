"""The community-notes scorer: Community Notes' published bridging model, with NumPy.

Each rating is modelled as

    rating ≈ μ + i_rater + i_note + f_rater · f_note

with one factor dimension. The factor soaks up what raters agree on because they
share a viewpoint (a camp likes what its side writes); the note's intercept is
what is left: helpfulness that raters of every viewpoint see. Intercepts are
regularised about five times harder than factors, so a note earns a high
intercept only when agreement cannot be explained by viewpoint.

A note is `helpful` when its intercept reaches 0.40 with at least 5 ratings,
`not_helpful` when its intercept is below -0.05 - 0.8·|f_note|, and otherwise
`needs_more_ratings`. As Community Notes has since added, `helpful` also needs
helpful ratings from raters on both sides of the factor (different perspectives).

Only ratings by eligible raters count: the caller passes them (Tribune counts
members at trust level 1 or more, so a crowd of new accounts weighs nothing). As
Community Notes does, a second pass drops raters whose ratings mostly disagree
with the notes the first pass settled, then fits again.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

HELPFUL_INTERCEPT = 0.40
NOT_HELPFUL_INTERCEPT = -0.05
NOT_HELPFUL_FACTOR_SLOPE = 0.8
MIN_RATINGS = 5
MIN_HELPFUL_PER_SIDE = 2

INTERCEPT_REGULARISATION = 0.15
FACTOR_REGULARISATION = 0.03  # five times lighter than the intercepts'
ITERATIONS = 60

# Second pass: a rater with at least this many ratings of settled notes, agreeing
# with fewer than this share of them, no longer counts.
RATER_MIN_SETTLED = 3
RATER_MIN_AGREEMENT = 0.66

RATING_VALUES = {"yes": 1.0, "somewhat": 0.5, "no": 0.0}

NEEDS_MORE_RATINGS = "needs_more_ratings"
HELPFUL = "helpful"
NOT_HELPFUL = "not_helpful"

Array = npt.NDArray[np.float64]
Index = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Rating:
    rater: Hashable
    note: Hashable
    value: float  # 1.0 helpful, 0.5 somewhat, 0.0 not helpful


@dataclass(frozen=True)
class NoteScore:
    intercept: float
    factor: float
    ratings: int
    status: str


_UNRATED = NoteScore(0.0, 0.0, 0, NEEDS_MORE_RATINGS)


@dataclass(frozen=True)
class _Fit:
    mu: float
    rater_intercept: Array
    rater_factor: Array
    note_intercept: Array
    note_factor: Array


def score_notes(
    ratings: Iterable[Rating], *, eligible: Collection[Hashable] | None = None, seed: int = 0
) -> dict[Hashable, NoteScore]:
    """Score every rated note; notes without ratings are simply absent.

    With `eligible`, ratings by anyone else are left out (their notes still get a
    score, from the ratings that count).
    """
    rows = list(ratings)
    if eligible is not None:
        allowed = set(eligible)
        rated = dict.fromkeys(row.note for row in rows)
        rows = [row for row in rows if row.rater in allowed]
        scored = score_notes(rows, seed=seed)
        return {note: scored.get(note, _UNRATED) for note in rated}
    if not rows:
        return {}
    first = _score(rows, seed=seed)
    trusted = _raters_agreeing(rows, first)
    kept = [row for row in rows if row.rater in trusted]
    if len(kept) == len(rows) or not kept:
        return first
    second = _score(kept, seed=seed)
    # A note whose every rater was dropped keeps the status of no evidence.
    return {note: second.get(note, _UNRATED) for note in first}


def _score(rows: Sequence[Rating], *, seed: int) -> dict[Hashable, NoteScore]:
    raters = {r: i for i, r in enumerate(dict.fromkeys(row.rater for row in rows))}
    notes = {n: i for i, n in enumerate(dict.fromkeys(row.note for row in rows))}
    u = np.fromiter((raters[row.rater] for row in rows), dtype=np.intp, count=len(rows))
    n = np.fromiter((notes[row.note] for row in rows), dtype=np.intp, count=len(rows))
    r = np.fromiter((row.value for row in rows), dtype=np.float64, count=len(rows))
    fit = _fit(u, n, r, len(raters), len(notes), seed=seed)
    counts = np.bincount(n, minlength=len(notes))
    helpful = r >= 0.5
    side = fit.rater_factor[u]
    positive = np.bincount(n, weights=helpful & (side > 0), minlength=len(notes))
    negative = np.bincount(n, weights=helpful & (side < 0), minlength=len(notes))
    scores = {}
    for note, i in notes.items():
        intercept, factor = float(fit.note_intercept[i]), float(fit.note_factor[i])
        status = note_status(intercept, factor, int(counts[i]))
        if status == HELPFUL and min(positive[i], negative[i]) < MIN_HELPFUL_PER_SIDE:
            status = NEEDS_MORE_RATINGS  # liked by one perspective only, so far
        scores[note] = NoteScore(intercept, factor, int(counts[i]), status)
    return scores


def note_status(intercept: float, factor: float, ratings: int) -> str:
    """The published thresholds."""
    if ratings >= MIN_RATINGS and intercept >= HELPFUL_INTERCEPT:
        return HELPFUL
    if intercept < NOT_HELPFUL_INTERCEPT - NOT_HELPFUL_FACTOR_SLOPE * abs(factor):
        return NOT_HELPFUL
    return NEEDS_MORE_RATINGS


def _fit(u: Index, n: Index, r: Array, n_raters: int, n_notes: int, *, seed: int) -> _Fit:
    """Alternating least squares: each rater's (i, f) and each note's (i, f) in closed form.

    With the other side fixed, one rater's two parameters solve a 2-by-2 ridge
    regression; all raters at once are a few `bincount`s. Deterministic for a seed.
    """
    rng = np.random.default_rng(seed)
    rater_i = np.zeros(n_raters)
    note_i = np.zeros(n_notes)
    rater_f = rng.normal(0.0, 0.1, n_raters)
    note_f = rng.normal(0.0, 0.1, n_notes)
    mu = float(r.mean())
    for _ in range(ITERATIONS):
        rater_i, rater_f = _solve_side(u, n_raters, r - mu - note_i[n], note_f[n])
        note_i, note_f = _solve_side(n, n_notes, r - mu - rater_i[u], rater_f[u])
        residual = r - rater_i[u] - note_i[n] - rater_f[u] * note_f[n]
        mu = float(residual.sum() / (len(r) + INTERCEPT_REGULARISATION))
    return _Fit(mu, rater_i, rater_f, note_i, note_f)


def _solve_side(index: Index, size: int, target: Array, other_factor: Array) -> tuple[Array, Array]:
    """For each entity: argmin Σ (target - i - f·x)² + λi·i² + λf·f², x the other factor."""
    x = other_factor
    s1 = np.bincount(index, minlength=size).astype(np.float64)
    sx = np.bincount(index, weights=x, minlength=size)
    sxx = np.bincount(index, weights=x * x, minlength=size)
    sy = np.bincount(index, weights=target, minlength=size)
    sxy = np.bincount(index, weights=x * target, minlength=size)
    a = s1 + INTERCEPT_REGULARISATION
    b = sx
    d = sxx + FACTOR_REGULARISATION
    det = a * d - b * b  # > 0: both diagonals carry a positive regularisation
    intercept = (d * sy - b * sxy) / det
    factor = (a * sxy - b * sy) / det
    return intercept, factor


def _raters_agreeing(rows: Sequence[Rating], scores: dict[Hashable, NoteScore]) -> set[Hashable]:
    """Raters who agree often enough with the notes the first pass settled."""
    settled: dict[Hashable, int] = {}
    agreed: dict[Hashable, int] = {}
    for row in rows:
        status = scores[row.note].status
        if status == NEEDS_MORE_RATINGS:
            continue
        settled[row.rater] = settled.get(row.rater, 0) + 1
        if (status == HELPFUL) == (row.value >= 0.5):
            agreed[row.rater] = agreed.get(row.rater, 0) + 1
    keep = set()
    for rater in {row.rater for row in rows}:
        total = settled.get(rater, 0)
        if total < RATER_MIN_SETTLED or agreed.get(rater, 0) / total >= RATER_MIN_AGREEMENT:
            keep.add(rater)
    return keep
