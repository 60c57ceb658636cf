"""Who may take each moderation action, walked for every role (moderation.permissions)."""

from __future__ import annotations

import pytest

from tests.moderation import places
from tests.moderation.places import ROLES, Place
from tribune.moderation.models import ModerationAction
from tribune.moderation.permissions import (
    ACTION_RULES,
    can_act,
    can_appeal,
    can_decide_appeal,
    can_read_log,
    can_report,
    can_view_queue,
)
from tribune.moderation.targets import target_get

pytestmark = pytest.mark.django_db

place = places.place  # the fixture (pytest finds it by name)

Y, N = True, False
# One column per role, in ROLES' order:
#          visitor waitlisted suspended member trusted submod othermod sitemod staff
MODERATORS = (N, N, N, N, N, Y, N, Y, Y)
REVIEWERS = (N, N, N, N, Y, Y, N, Y, Y)
STAFF_ONLY = (N, N, N, N, N, N, N, N, Y)

# action: (target, who may)
TABLE: dict[str, tuple[str, tuple[bool, ...]]] = {
    "remove": ("post", MODERATORS),
    "restore": ("comment", MODERATORS),
    "lock": ("post", MODERATORS),
    "unlock": ("post", MODERATORS),
    "protect": ("post", MODERATORS),
    "dismiss": ("comment", MODERATORS),
    "rollback": ("live_edit", MODERATORS),
    "ban": ("author", MODERATORS),
    "unban": ("author", MODERATORS),
    "suspend": ("author", STAFF_ONLY),
    "unsuspend": ("author", STAFF_ONLY),
    "approve_revision": ("pending_edit", REVIEWERS),
    "reject_revision": ("pending_edit", REVIEWERS),
    "patrol": ("live_edit", REVIEWERS),
}


def target_name(place: Place, name: str) -> str:
    if name == "author":
        return "member:author"
    obj = getattr(place, name)
    kind = {"post": "post", "comment": "comment"}.get(name, "revision")
    return f"{kind}:{obj.pk}"


def test_the_table_covers_every_action():
    assert set(TABLE) == set(ACTION_RULES)


@pytest.mark.parametrize("action", TABLE)
def test_action_table(place: Place, action: str):
    name, allowed = TABLE[action]
    # Everything here is in the public square, so every role finds it.
    found = target_get(viewer=place.staff, target=target_name(place, name))
    got = tuple(
        can_act(place.roles[role], action, found, place.square if "ban" in action else None)
        for role in ROLES
    )
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, allowed, strict=True))


def test_private_subwiki_content_is_for_its_own_moderators(place: Place):
    found = target_get(viewer=place.staff, target=f"post:{place.private_post.pk}")
    allowed = {role: can_act(place.roles[role], "remove", found) for role in ROLES}
    # Site moderators moderate public subwikis only; the owner and staff moderate it.
    assert allowed == {**dict.fromkeys(ROLES, False), "staff": True}
    assert can_act(place.owner, "remove", found)


def test_banning_needs_the_subwiki_of_the_ban(place: Place):
    found = target_get(viewer=place.staff, target="member:author")
    assert can_act(place.submod, "ban", found, place.square)
    assert not can_act(place.submod, "ban", found, place.annex)
    assert not can_act(place.submod, "ban", found, None)  # a member has no subwiki


def test_nobody_bans_or_suspends_themselves_and_moderators_need_staff(place: Place):
    staff = place.staff
    assert not can_act(
        staff, "suspend", target_get(viewer=staff, target=f"member:{staff.username}")
    )
    submod = target_get(viewer=staff, target=f"member:{place.submod.username}")
    assert not can_act(place.owner, "ban", submod, place.square)
    assert can_act(staff, "ban", submod, place.square)
    assert not can_act(
        staff, "suspend", target_get(viewer=staff, target="member:" + staff.username)
    )


def test_reviewers_do_not_review_or_patrol_their_own_edits(place: Place):
    trusted_editor = place.editor
    trusted_editor.trust_level = 2
    found = target_get(viewer=place.staff, target=f"revision:{place.pending_edit.pk}")
    assert not can_act(trusted_editor, "approve_revision", found)
    assert not can_act(trusted_editor, "patrol", found)


REPORTERS = (N, N, N, Y, Y, Y, Y, Y, Y)


@pytest.mark.parametrize("kind", ["post", "comment", "live_edit", "author"])
def test_report_table(place: Place, kind: str):
    found = target_get(viewer=place.staff, target=target_name(place, kind))
    got = tuple(can_report(place.roles[role], found) for role in ROLES)
    assert got == REPORTERS


def test_nobody_reports_themselves(place: Place):
    found = target_get(viewer=place.member, target=f"member:{place.member.username}")
    assert not can_report(place.member, found)


QUEUE_OF_SQUARE = (N, N, N, N, Y, Y, N, Y, Y)
QUEUE_ANYWHERE = (N, N, N, N, Y, Y, Y, Y, Y)
LOG = (Y, Y, Y, Y, Y, Y, Y, Y, Y)


def test_queue_log_and_appeal_decisions(place: Place):
    roles = [place.roles[role] for role in ROLES]
    assert tuple(can_view_queue(r, place.square) for r in roles) == QUEUE_OF_SQUARE
    assert tuple(can_view_queue(r) for r in roles) == QUEUE_ANYWHERE
    assert tuple(can_read_log(r) for r in roles) == LOG
    assert tuple(can_decide_appeal(r) for r in roles) == STAFF_ONLY
    assert can_view_queue(place.owner, place.backroom)
    assert not can_view_queue(place.sitemod, place.backroom)


def test_the_log_follows_public_reading(place: Place, settings):
    settings.TRIBUNE_PUBLIC_READ = False
    assert not can_read_log(place.visitor)
    assert can_read_log(place.member)


def test_only_the_member_concerned_appeals_what_took_something_from_them(place: Place):
    removal = ModerationAction(action="remove", target="post:1", affected=place.author, reason="x")
    patrol = ModerationAction(
        action="patrol", target="revision:1", affected=place.author, reason=""
    )
    assert can_appeal(place.author, removal)
    assert not can_appeal(place.member, removal)
    assert not can_appeal(place.visitor, removal)
    assert not can_appeal(place.author, patrol)
    # A suspended member may appeal their suspension.
    suspension = ModerationAction(action="suspend", target="member:1", affected=place.suspended)
    assert can_appeal(place.suspended, suspension)


# The rules these tables walk: can_act and, through it, every action of ACTION_RULES
# (test_action_table), and the rules outside it.
RULES_WALKED = frozenset(
    {
        "can_act",
        "can_moderate",
        "can_rollback",
        "can_ban",
        "can_suspend",
        "can_review",
        "can_patrol",
        "can_report",
        "can_view_queue",
        "can_read_log",
        "can_appeal",
        "can_decide_appeal",
    }
)
