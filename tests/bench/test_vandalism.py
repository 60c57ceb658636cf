"""The vandalism simulation drives the real services and reports what happened, truthfully."""

from __future__ import annotations

import json
import math
import random
from dataclasses import replace

import pytest
from django.core.cache import cache

from bench.vandalism import (
    Clock,
    Params,
    classify,
    limits_on_clock,
    markdown,
    simulate,
    vandalise,
)
from tests.factories import MemberFactory
from tribune.core.exceptions import RateLimited
from tribune.core.ratelimit import rate_limit

TINY = Params(
    steps=40,
    drain=20,
    edits_per_minute=3.0,
    vandal_share=0.3,
    subwikis=2,
    posts=20,
    honest=15,
    vandals=3,
    patrollers=4,
    moderators=1,
    seed=3,
)


@pytest.fixture
def production_limits(settings):
    settings.TRIBUNE_RATE_LIMITS = settings.DEFAULT_RATE_LIMITS
    cache.clear()
    yield
    cache.clear()


def test_a_small_run_reverts_vandalism_and_accounts_for_every_edit(db, production_limits):
    result = simulate(TINY)
    vandal, honest = result["vandal"], result["honest"]
    assert vandal["saved"] > 0
    assert vandal["undone"] > 0
    # Every vandal edit that went live was undone or is still live; none is lost.
    assert vandal["undone"] + vandal["still_live"] == vandal["went_live"]
    assert vandal["live_at_once"] + vandal["pending_approved"] == vandal["went_live"]
    assert (
        vandal["pending_rejected"] + vandal["pending_approved"] + vandal["pending_waiting"]
        == vandal["pending"]
    )
    # An undone edit was live for a finite time within the run.
    undone = vandal["minutes_live_undone"]
    assert undone["count"] == vandal["undone"]
    assert 0 <= undone["median"] <= undone["p90"] <= undone["max"] <= result["minutes"]
    for share in (vandal["undone_share"], vandal["handled_share"], honest["wrongly_undone_share"]):
        assert 0 <= share <= 1
    assert sum(kind["saved"] for kind in result["vandal_by_kind"].values()) == vandal["saved"]
    assert result["attempts"]["all"] == result["attempts"]["honest"] + result["attempts"]["vandal"]
    # The simulation's ledger agrees with the database: each post's current revision, and
    # the spam and insults its text shows.
    assert result["ledger_check"]["wrong_head"] == 0
    assert result["ledger_check"]["wrong_marks"] == 0
    # What the patrollers did is in the moderation log.
    assert result["moderation"]["log"]["patrol"] > 0
    assert json.loads(json.dumps(result))["params"]["seed"] == TINY.seed
    assert "median minutes live" in markdown(result)


def test_vandal_edits_to_reviewed_posts_wait_and_are_rejected_before_going_live(
    db, production_limits
):
    result = simulate(replace(TINY, reviewed_share=1.0, detection=1.0))
    vandal = result["vandal"]
    assert vandal["pending"] == vandal["saved"] > 0
    assert vandal["live_at_once"] == 0
    assert vandal["pending_rejected"] > 0
    assert vandal["pending_approved"] == 0  # every one noticed: none went live
    assert vandal["went_live"] == 0


def test_rate_limits_count_in_simulated_hours(db, settings):
    settings.TRIBUNE_RATE_LIMITS = {"edit": {"member": "1/h"}}
    cache.clear()
    member = MemberFactory.create(trust_level=1)
    clock = Clock()
    with limits_on_clock(clock, enabled=True):
        rate_limit("edit", member=member)
        with pytest.raises(RateLimited):
            rate_limit("edit", member=member)
        # The simulated clock reaches the next hour's window; the real one stays put.
        clock.minute = math.ceil((3600 - clock.start % 3600) / 60)
        rate_limit("edit", member=member)


def test_vandals_past_a_limit_are_refused_and_counted(db, settings):
    settings.TRIBUNE_RATE_LIMITS = {"edit": {"new_member": "3/h", "member": "120/h"}}
    cache.clear()
    result = simulate(replace(TINY, online=0.0, new_vandal_share=1.0))  # nobody bans first
    assert result["rate_limited"]["vandal"] > 0
    assert result["refused"]["vandal"]["rate_limited"] == result["rate_limited"]["vandal"]
    assert result["rate_limits"]["edit"] == {"new_member": "3/h", "member": "120/h"}
    # Nobody patrolled: only editors who came across vandalism reverted it.
    assert set(result["vandal"]["undone_by"]) <= {"editor revert"}


def test_without_rate_limits_nothing_is_refused_for_speed(db):
    result = simulate(replace(TINY, rate_limits=False, spree_pace=8.0))
    assert result["rate_limited"] == {"honest": 0, "vandal": 0}
    assert result["rate_limits"]["edit"] == {}


def test_the_patrollers_eyes_recognise_each_kind_of_vandalism():
    rng = random.Random(1)
    body = "\n\n".join(["A sentence about the city council and its budget."] * 6)
    for kind in ("blanking", "spam", "insult"):
        assert classify(body, vandalise(kind, body, rng)) == kind
    assert classify(body, body + "\n\nAnother sentence about the river.") is None
