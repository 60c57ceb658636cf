"""tribune.accounts.permissions, walked for every role: who may, and that nobody else may."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.access.answers import ROLES
from tests.factories import MemberFactory
from tribune.accounts import permissions

pytestmark = pytest.mark.django_db

EVERYONE = frozenset(ROLES)
MEMBERS = EVERYONE - {"visitor"}
NOT_SUSPENDED = MEMBERS - {"suspended"}
ADMITTED = NOT_SUSPENDED - {"waitlisted"}


@dataclass(frozen=True)
class Rule:
    permission: str
    situation: str
    ask: Callable[[Any, Any], bool]  # (the role's person, the `member` fixture) -> allowed?
    allowed: frozenset[str]
    public_read: bool = True

    def __str__(self) -> str:
        return f"{self.permission}: {self.situation}"


# Every role not in `allowed` must be refused.
RULES = [
    Rule(
        "can_view_profiles",
        "profiles are public",
        lambda who, member: permissions.can_view_profiles(who),
        EVERYONE,
    ),
    Rule(
        "can_view_profiles",
        "with public reading off, to members only",
        lambda who, member: permissions.can_view_profiles(who),
        MEMBERS,
        public_read=False,
    ),
    Rule(
        "can_edit_profile",
        "someone's profile: only they may edit it, not even staff",
        lambda who, member: permissions.can_edit_profile(who, member),
        frozenset({"member"}),
    ),
    Rule(
        "can_edit_profile",
        "one's own profile, unless suspended",
        lambda who, member: permissions.can_edit_profile(who, who),
        NOT_SUSPENDED,
    ),
    Rule(
        "can_get_api_token",
        "anyone with an account that is not suspended",
        lambda who, member: permissions.can_get_api_token(who),
        NOT_SUSPENDED,
    ),
    Rule(
        "can_follow_member",
        "someone else: admitted members",
        lambda who, member: permissions.can_follow_member(who, member),
        ADMITTED - {"member"},
    ),
    Rule(
        "can_follow_member",
        "with public reading off, still admitted members",
        lambda who, member: permissions.can_follow_member(who, member),
        ADMITTED - {"member"},
        public_read=False,
    ),
    Rule(
        "can_follow_member",
        "oneself: nobody",
        lambda who, member: permissions.can_follow_member(who, who),
        frozenset(),
    ),
    Rule(
        "can_unfollow_member",
        "anyone signed in, whatever their access",
        lambda who, member: permissions.can_unfollow_member(who),
        MEMBERS,
    ),
]


def person(role: str, request: pytest.FixtureRequest) -> Any:
    return AnonymousUser() if role == "visitor" else request.getfixturevalue(role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", RULES, ids=str)
def test_each_role_may_exactly_what_the_table_says(rule, role, request, settings, member):
    settings.TRIBUNE_PUBLIC_READ = rule.public_read
    allowed = rule.ask(person(role, request), member)
    assert allowed is (role in rule.allowed), (
        f"{rule}: {role} {'may' if allowed else 'may not'}, the table says otherwise"
    )


def test_every_permission_has_rules():
    defined = {
        name
        for name, value in inspect.getmembers(permissions, inspect.isfunction)
        if value.__module__ == permissions.__name__ and name.startswith("can_")
    }
    covered = {rule.permission for rule in RULES}
    assert defined == covered, (
        f"Add rules for {sorted(defined - covered)} to {__file__}"
        if defined - covered
        else f"Rules name permissions that are gone: {sorted(covered - defined)}"
    )


def test_a_deactivated_account_gets_no_token_and_edits_nothing():
    deactivated = MemberFactory(is_active=False)
    assert not permissions.can_get_api_token(deactivated)
    assert not permissions.can_edit_profile(deactivated, deactivated)
