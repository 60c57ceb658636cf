"""Twelve members save edits to one post at the same moment, each from the revision
they read. Every accepted edit must end up in the history and in the final text;
every refused one must be answered 409; never a 500, never a silent overwrite.

Runs on SQLite (IMMEDIATE transactions, WAL) and, in the second run of the suite,
on PostgreSQL (row lock on the page).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from tests.conftest import ApiClient, issue_token
from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.wiki.models import Revision, RevisionStatus

EDITORS = 12
# Lines 0..7 are edited by one member each (separated by untouched lines, so those
# edits merge); members 8..11 edit line 0 as well, so they collide with member 0.
LINES = [f"Paragraph {i} as first written." for i in range(8)]
BODY = "\n\n".join(LINES) + "\n"


def target_line(n: int) -> int:
    return n if n < 8 else 0


@pytest.mark.django_db(transaction=True)
def test_twelve_simultaneous_edits_lose_nothing():
    owner = MemberFactory.create()
    post = make_post(owner, subwiki=make_subwiki(owner), body=BODY)
    base = str(post.page.current_revision_id)
    editors = [MemberFactory.create() for _ in range(EDITORS)]
    tokens = [issue_token(editor) for editor in editors]
    barrier = threading.Barrier(EDITORS)
    answers: dict[int, tuple[int, dict[str, Any]]] = {}

    def save(n: int) -> None:
        try:
            lines = list(LINES)
            lines[target_line(n)] = f"Paragraph {target_line(n)} rewritten by editor {n}."
            client = ApiClient(tokens[n])
            barrier.wait(timeout=30)
            response = client.patch(
                f"/api/v1/posts/{post.pk}",
                {"body": "\n\n".join(lines) + "\n", "base_revision": base, "summary": f"e{n}"},
            )
            answers[n] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(EDITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(answers) == EDITORS
    statuses = {n: status for n, (status, _body) in answers.items()}
    assert set(statuses.values()) <= {200, 409}, statuses
    accepted = [n for n, s in statuses.items() if s == 200]
    refused = [n for n, s in statuses.items() if s == 409]
    for n in refused:
        assert answers[n][1]["code"] == "edit_conflict"

    post.refresh_from_db()
    final = post.body
    for n in accepted:
        assert f"rewritten by editor {n}." in final, (n, final)
    for n in refused:
        assert f"rewritten by editor {n}." not in final
    # Line 0 went to exactly one of its five claimants; the other lines all merged.
    claimants_of_line_0 = [n for n in accepted if target_line(n) == 0]
    assert len(claimants_of_line_0) == 1
    assert sorted(n for n in accepted if n != claimants_of_line_0[0]) == list(range(1, 8))

    history = Revision.objects.filter(page_id=post.page_id, status=RevisionStatus.LIVE)
    assert history.count() == 1 + len(accepted)
    assert set(history.exclude(parent=None).values_list("summary", flat=True)) == {
        f"e{n}" for n in accepted
    }
    # One chain: each live revision has at most one live child, ending at the head.
    parents = list(history.exclude(parent=None).values_list("parent_id", flat=True))
    assert len(parents) == len(set(parents))
