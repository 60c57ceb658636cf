"""Finding members by username."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import MemberFactory
from tribune.accounts.selectors import member_get_profile, members_named
from tribune.core.exceptions import NotFound

pytestmark = pytest.mark.django_db


def test_a_profile_is_found_by_its_name_in_any_letter_case(member):
    ada = MemberFactory.create(username="Ada_Lovelace")
    for typed in ("Ada_Lovelace", "ada_lovelace", "ADA_LOVELACE"):
        assert member_get_profile(viewer=member, username=typed) == ada
    with pytest.raises(NotFound):
        member_get_profile(viewer=member, username="Ada_Lovelac")


def test_a_name_outside_ascii_matches_nobody():
    MemberFactory.create(username="strasse")
    assert list(members_named("STRASSE")) != []
    assert list(members_named("straße")) == []  # "ß".upper() is "SS"


def test_the_lookup_reads_the_index_of_upper_cased_names():
    sql, params = members_named("Ada").values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A table of a few rows is read whole whatever its indexes: ask for the index.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "member_username_upper" in plan
