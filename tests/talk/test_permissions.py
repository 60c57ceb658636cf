"""talk.permissions walked for every role, on a public post and on a private one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import make_post, make_subwiki
from tribune.talk.permissions import (
    can_comment,
    can_delete_comment,
    can_edit_comment,
    can_remove_comment,
    can_view_comment,
)
from tribune.talk.services import comment_create

pytestmark = pytest.mark.django_db

ROLES = ("visitor", "waitlisted", "author", "other_member", "moderator", "staff", "suspended")

# Who may, on a comment by `author` under their post in a public subwiki they own.
PUBLIC: dict[Callable[[Any, Any], bool], set[str]] = {
    can_view_comment: {
        "visitor",
        "waitlisted",
        "author",
        "other_member",
        "moderator",
        "staff",
        "suspended",
    },
    can_comment: {"author", "other_member", "moderator", "staff"},
    can_edit_comment: {"author"},
    can_delete_comment: {"author"},
    # The author owns the subwiki, so moderates it.
    can_remove_comment: {"author", "moderator", "staff"},
}
# The same in a private subwiki of which `author` is a member: site moderators stay out.
PRIVATE: dict[Callable[[Any, Any], bool], set[str]] = {
    can_view_comment: {"author", "staff"},
    can_comment: {"author", "staff"},
    can_edit_comment: {"author"},
    can_delete_comment: {"author"},
    can_remove_comment: {"author", "staff"},
}


@pytest.fixture
def people(member, other_member, moderator, staff, waitlisted, suspended):
    return {
        "visitor": AnonymousUser(),
        "waitlisted": waitlisted,
        "author": member,
        "other_member": other_member,
        "moderator": moderator,
        "staff": staff,
        "suspended": suspended,
    }


@pytest.mark.parametrize("visibility", ["public", "private"])
def test_each_role_may_do_what_the_table_says(people, member, visibility):
    subwiki = make_subwiki(member, visibility=visibility)
    post = make_post(member, subwiki)
    comment = comment_create(author=member, post_id=post.pk, body="Hello.")
    table = PUBLIC if visibility == "public" else PRIVATE
    wrong = []
    for check, allowed in table.items():
        for role in ROLES:
            target = post if check is can_comment else comment
            if check(people[role], target) != (role in allowed):
                wrong.append(f"{check.__name__} for {role}")
    assert not wrong


RULES_WALKED = frozenset(check.__name__ for check in PUBLIC)
