"""notes.permissions walked for every role, on a public post and on a private one."""

from __future__ import annotations

import pytest

from tests.moderation import places
from tests.moderation.places import Place
from tests.permission_tables import (
    ADMITTED,
    NOBODY,
    Row,
    at_level,
    check_row,
    only,
    rows_param,
    rules_walked,
)
from tribune.accounts.permissions import WRITER_TRUST_LEVEL
from tribune.notes.models import CommunityNote
from tribune.notes.permissions import (
    can_edit_note,
    can_rate_note,
    can_remove_note,
    can_write_note,
    note_refusal,
    rating_refusal,
)
from tribune.notes.services import note_create

pytestmark = pytest.mark.django_db

place = places.place  # the fixture (pytest finds it by name)

BODY = "The figure is from 2019, not this year: https://example.org/source"
# `member` is at level 1 and `trusted` at 2; everyone else is at 0. `owner` and `author`
# are the back room's members; site moderators stay out of it.
MODERATORS = only("submod", "sitemod", "staff", "owner")


def note_on(post, author) -> CommunityNote:
    """`author`'s note on the post, written through the service at the writers' level
    the first time a row asks for it (a row asks for every role)."""
    written = CommunityNote.objects.filter(post=post, author=author).first()
    if written is not None:
        return written
    author.trust_level = WRITER_TRUST_LEVEL
    author.save(update_fields=["trust_level"])
    return note_create(actor=author, post_id=post.pk, classification="misleading", body=BODY)


def public_note(place: Place) -> CommunityNote:
    return note_on(place.post, place.member)


def private_note(place: Place) -> CommunityNote:
    return note_on(place.private_post, place.author)


def removed(note: CommunityNote) -> CommunityNote:
    note.is_removed = True
    return note


ROWS = [
    Row(
        "can_write_note",
        "a public post: admitted members at level 1 and up",
        lambda place, who: can_write_note(who, place.post),
        only("member", "trusted"),
    ),
    Row(
        "can_write_note",
        "a public post, everyone at level 1",
        lambda place, who: can_write_note(at_level(who, WRITER_TRUST_LEVEL), place.post),
        ADMITTED,
    ),
    Row(
        "can_write_note",
        "a private post, everyone at level 1: those who read it",
        lambda place, who: can_write_note(at_level(who, WRITER_TRUST_LEVEL), place.private_post),
        only("owner", "author", "staff"),
    ),
    Row(
        "can_edit_note",
        "its author",
        lambda place, who: can_edit_note(who, public_note(place)),
        only("member"),
    ),
    Row(
        "can_edit_note",
        "on a private post, its author",
        lambda place, who: can_edit_note(who, private_note(place)),
        only("author"),
    ),
    Row(
        "can_rate_note",
        "admitted members who read it, not its author",
        lambda place, who: can_rate_note(who, public_note(place)),
        ADMITTED - {"member"},
    ),
    Row(
        "can_rate_note",
        "on a private post, its members and staff, not its author",
        lambda place, who: can_rate_note(who, private_note(place)),
        only("owner", "staff"),
    ),
    Row(
        "can_remove_note",
        "the post's moderators",
        lambda place, who: can_remove_note(who, public_note(place)),
        MODERATORS,
    ),
    Row(
        "can_remove_note",
        "on a private post, its own moderators and staff",
        lambda place, who: can_remove_note(who, private_note(place)),
        only("owner", "staff"),
    ),
    Row(
        "can_rate_note",
        "a removed note: nobody",
        lambda place, who: can_rate_note(who, removed(public_note(place))),
        NOBODY,
    ),
    Row(
        "can_edit_note",
        "a removed note: nobody",
        lambda place, who: can_edit_note(who, removed(public_note(place))),
        NOBODY,
    ),
]

RULES_WALKED = rules_walked(ROWS)


@rows_param(ROWS)
def test_each_role_may_exactly_what_the_table_says(row: Row, place: Place, settings):
    check_row(row, place, settings)


def test_the_refusals_say_which_rule_stopped_them(place: Place):
    level_zero = note_refusal(place.author, place.post)
    assert level_zero is not None and level_zero.code == "trust_level_too_low"
    waitlisted = note_refusal(place.waitlisted, place.post)
    assert waitlisted is not None and waitlisted.code == "permission_denied"
    own = rating_refusal(place.member, public_note(place))
    assert own is not None and own.code == "own_note"
