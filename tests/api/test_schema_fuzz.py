"""The whole API fuzzed from its own OpenAPI schema, as a visitor and with a member's token.

Schemathesis generates requests for every operation (valid ones, invalid ones and
undeclared methods) and fails on any 5xx and on any answer the schema does not
document: an undeclared status, a body that does not match its schema, a
missing content type. New operations are fuzzed as soon as they are added.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import issue_token
from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.notes.services import note_create
from tribune.talk.services import comment_create
from tribune.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

# Bounded and reproducible: the same requests on every run, about 25 per operation.
fuzz = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    # The database fixture is reset per test, not per example; examples may share rows.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _keep_the_test_database_open():
    """Requests go straight to the WSGI app; keep it from closing the test's connection.

    Django's own test client does the same: at the end of a request, the handler
    would close the connection that holds the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Every check but "schema-valid input is accepted": rules beyond the schema refuse some
# valid-looking input with a clear 400 (a slug already taken, a damaged cursor, a NUL).
LENIENT = [positive_data_acceptance]

# Generated path values rarely name anything that exists; half the time, use real ones,
# so that the answers about found resources are checked against the schema too.
use_real_values = schema.given(real=st.booleans())


@pytest.fixture
def real_values(member, other_member) -> dict[str, str]:
    """Path values that name things: a member, a subwiki, a post, its revision, a comment,
    a community note."""
    subwiki = make_subwiki(owner=other_member)
    post = make_post(author=other_member, subwiki=subwiki)
    comment = comment_create(author=other_member, post_id=post.pk, body="A comment.")
    note = note_create(
        actor=MemberFactory.create(trust_level=1),
        post_id=post.pk,
        classification="misleading",
        body="Context: https://example.org/",
    )
    return {
        "username": other_member.username,
        "slug": subwiki.slug,
        "post_id": str(post.pk),
        "revision_id": str(post.page.current_revision_id),
        "comment_id": str(comment.pk),
        "note_id": str(note.pk),
    }


def _point_at_real_values(case, real: bool, values: dict[str, str]) -> None:
    if real and case.path_parameters:
        for name in case.path_parameters.keys() & values.keys():
            case.path_parameters[name] = values[name]


@pytest.mark.django_db
@schema.parametrize()
@use_real_values
@fuzz
def test_api_as_a_visitor(case, real, real_values):
    _point_at_real_values(case, real, real_values)
    case.call_and_validate(excluded_checks=LENIENT)


@pytest.mark.django_db
@schema.parametrize()
@use_real_values
@fuzz
def test_api_with_a_member_token(case, real, real_values, member):
    _point_at_real_values(case, real, real_values)
    # A fresh token each time: one of the operations revokes the token it is sent with.
    token = issue_token(member)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, excluded_checks=LENIENT)
