"""A post's history in the API (API.md): revisions, diff, revert, rollback and review."""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.posts.models import Post
from tribune.posts.services import post_edit
from tribune.wiki.models import Revision, RevisionStatus

pytestmark = pytest.mark.django_db

BODY = "First line.\nSecond line.\nThird line.\n"


def current_revision(post: Post) -> int:
    post.page.refresh_from_db()
    revision_id = post.page.current_revision_id
    assert revision_id is not None
    return revision_id


def edit(post: Post, actor, **changes) -> Revision:
    _post, result = post_edit(
        actor=actor,
        post_id=post.pk,
        changes=changes,
        base_revision=current_revision(post),
        summary=f"edit by {actor.username}",
    )
    return result.revision


@pytest.fixture
def history(member, other_member):
    """A post with three revisions: created by `member`, then edited by `other_member` twice."""
    post = make_post(member, body=BODY)
    first = current_revision(post)
    second = edit(post, other_member, body=BODY.replace("Second", "2nd"))
    third = edit(post, other_member, title="A better title")
    return post, [first, second.pk, third.pk]


@pytest.fixture
def private_post(member):
    subwiki = make_subwiki(member, slug="backroom", visibility="private")
    post = make_post(member, subwiki=subwiki, body=BODY)
    edit(post, member, body=BODY + "More.\n")
    return post


# --- History --------------------------------------------------------------------------


def test_history_is_newest_first(api_client, history, member, other_member):
    post, ids = history
    response = api_client(None).get(f"/api/v1/posts/{post.pk}/revisions")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [r["id"] for r in items] == [str(i) for i in reversed(ids)]
    newest = items[0]
    assert newest["author"]["username"] == other_member.username
    assert newest["summary"] == f"edit by {other_member.username}"
    assert newest["status"] == "live"
    assert newest["parent"] == str(ids[1])
    assert newest["size_delta"] == len("A better title") - len("A title")
    assert items[-1]["author"]["username"] == member.username
    assert items[-1]["parent"] is None


def test_history_pages_by_cursor(api_client, history):
    post, ids = history
    client = api_client(None)
    first = client.get(f"/api/v1/posts/{post.pk}/revisions", {"limit": 2}).json()
    assert [r["id"] for r in first["items"]] == [str(ids[2]), str(ids[1])]
    rest = client.get(
        f"/api/v1/posts/{post.pk}/revisions", {"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [r["id"] for r in rest["items"]] == [str(ids[0])]
    assert rest["next_cursor"] is None


def test_history_refuses_a_bad_limit_or_cursor(api_client, history):
    post, _ids = history
    client = api_client(None)
    limit = client.get(f"/api/v1/posts/{post.pk}/revisions", {"limit": 0})
    assert limit.json()["code"] == "invalid_limit"
    cursor = client.get(f"/api/v1/posts/{post.pk}/revisions", {"cursor": "%%%"})
    assert cursor.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("count", [3, 30])
def test_history_costs_the_same_queries_however_long(
    api_client, member, django_assert_max_num_queries, count
):
    post = make_post(member, body="0\n")
    for n in range(count):
        edit(post, MemberFactory.create(), body=f"{n + 1}\n")
    client = api_client(member)
    with django_assert_max_num_queries(5):
        response = client.get(f"/api/v1/posts/{post.pk}/revisions", {"limit": 100})
    assert len(response.json()["items"]) == count + 1


def test_one_revision_has_its_full_content(api_client, history):
    post, ids = history
    response = api_client(None).get(f"/api/v1/posts/{post.pk}/revisions/{ids[0]}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(ids[0])
    assert body["post"] == str(post.pk)
    assert body["content"] == {"title": "A title", "body": BODY, "url": "", "image_alt": ""}
    assert body["body_html"].startswith("<p>First line.")


def test_a_revision_of_another_post_is_not_found(api_client, history, member):
    post, _ids = history
    other = make_post(member)
    response = api_client(None).get(f"/api/v1/posts/{post.pk}/revisions/{current_revision(other)}")
    assert response.status_code == 404
    assert api_client(None).get(f"/api/v1/posts/{post.pk}/revisions/abc").status_code == 404


# --- Diff -----------------------------------------------------------------------------


def test_diff_marks_the_changed_words(api_client, history):
    post, ids = history
    response = api_client(None).get(f"/api/v1/posts/{post.pk}/diff", {"from": ids[0], "to": ids[2]})
    assert response.status_code == 200
    body = response.json()
    assert body["from_revision"]["id"] == str(ids[0])
    assert body["to_revision"]["id"] == str(ids[2])
    assert set(body["fields"]) == {"title", "body"}
    changed = [line for line in body["fields"]["body"] if line["op"] != "equal"]
    assert changed == [
        {
            "op": "replace",
            "old": "<del>Second</del> line.",
            "new": "<ins>2nd</ins> line.",
            "old_text": "Second line.",
            "new_text": "2nd line.",
        }
    ]
    assert body["fields"]["title"][0]["new"] == "A <ins>better </ins>title"


def test_diff_defaults_to_the_latest_change(api_client, history):
    post, ids = history
    body = api_client(None).get(f"/api/v1/posts/{post.pk}/diff").json()
    assert body["from_revision"]["id"] == str(ids[1])
    assert body["to_revision"]["id"] == str(ids[2])
    assert set(body["fields"]) == {"title"}


def test_diff_escapes_what_members_wrote(api_client, member, other_member):
    post = make_post(member, body="Plain.\n")
    edit(post, other_member, body="<script>alert(1)</script>\n")
    lines = api_client(None).get(f"/api/v1/posts/{post.pk}/diff").json()["fields"]["body"]
    assert "<script>" not in lines[0]["new"]
    assert "&lt;script&gt;" in lines[0]["new"]
    assert lines[0]["new_text"] == "<script>alert(1)</script>"


@pytest.mark.parametrize("params", [{"from": "abc"}, {"to": "0"}, {"from": "99999999"}])
def test_diff_of_unknown_revisions_names_the_parameter(api_client, history, params):
    post, _ids = history
    response = api_client(None).get(f"/api/v1/posts/{post.pk}/diff", params)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(params)


# --- Private posts --------------------------------------------------------------------


@pytest.mark.parametrize("what", ["revisions", "revision", "diff"])
def test_a_private_posts_history_is_for_members_only(
    api_client, member, other_member, private_post, what
):
    rev = current_revision(private_post)
    path = {
        "revisions": f"/api/v1/posts/{private_post.pk}/revisions",
        "revision": f"/api/v1/posts/{private_post.pk}/revisions/{rev}",
        "diff": f"/api/v1/posts/{private_post.pk}/diff",
    }[what]
    for outsider in (api_client(None), api_client(other_member)):
        response = outsider.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert api_client(member).get(path).status_code == 200


def test_outsiders_cannot_revert_a_private_post(api_client, other_member, private_post):
    first = Revision.objects.filter(page=private_post.page).earliest("id")
    response = api_client(other_member).post(
        f"/api/v1/posts/{private_post.pk}/revert", {"revision": first.pk}
    )
    assert response.status_code == 404


# --- Revert ---------------------------------------------------------------------------


def test_revert_makes_a_new_revision_with_the_old_content(api_client, history, member):
    post, ids = history
    response = api_client(member).post(
        f"/api/v1/posts/{post.pk}/revert", {"revision": str(ids[0]), "summary": "back"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["changed"] is True
    assert body["title"] == "A title"
    assert body["body"] == BODY
    revision = Revision.objects.get(pk=body["revision"])
    assert revision.reverted_to_id == ids[0]
    assert revision.parent_id == ids[2]
    assert revision.summary == "back"


def test_revert_to_the_current_content_changes_nothing(api_client, history, member):
    post, ids = history
    response = api_client(member).post(f"/api/v1/posts/{post.pk}/revert", {"revision": ids[2]})
    assert response.status_code == 200
    assert response.json()["changed"] is False
    assert response.json()["revision"] == str(ids[2])


@pytest.mark.parametrize("revision", ["abc", "0", 1.5, None])
def test_revert_to_an_unknown_revision_names_the_field(api_client, history, member, revision):
    post, ids = history
    response = api_client(member).post(f"/api/v1/posts/{post.pk}/revert", {"revision": revision})
    assert response.status_code == 400
    assert "revision" in response.json()["errors"]
    assert current_revision(post) == ids[2]


def test_revert_follows_the_edit_policy(api_client, member, other_member):
    post = make_post(member, body=BODY, edit_policy="locked")
    first = current_revision(post)
    edit(post, member, body="Changed.\n")
    response = api_client(other_member).post(f"/api/v1/posts/{post.pk}/revert", {"revision": first})
    assert response.status_code == 403


def test_revert_needs_an_admitted_member(api_client, history, waitlisted):
    post, ids = history
    assert (
        api_client(None).post(f"/api/v1/posts/{post.pk}/revert", {"revision": ids[0]}).status_code
        == 401
    )
    response = api_client(waitlisted).post(f"/api/v1/posts/{post.pk}/revert", {"revision": ids[0]})
    assert response.status_code == 403
    assert response.json()["code"] == "waitlisted"


# --- Rollback -------------------------------------------------------------------------


def test_a_moderator_rolls_back_a_members_consecutive_edits(
    api_client, history, moderator, other_member
):
    post, ids = history
    response = api_client(moderator).post(
        f"/api/v1/posts/{post.pk}/rollback", {"username": other_member.username}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["body"]) == ("A title", BODY)
    assert Revision.objects.get(pk=body["revision"]).reverted_to_id == ids[0]


def test_rollback_is_for_moderators(api_client, history, member, other_member):
    post, _ids = history
    response = api_client(member).post(
        f"/api/v1/posts/{post.pk}/rollback", {"username": other_member.username}
    )
    assert response.status_code == 403


def test_rollback_of_an_unknown_member_names_the_field(api_client, history, moderator):
    post, _ids = history
    response = api_client(moderator).post(
        f"/api/v1/posts/{post.pk}/rollback", {"username": "nobody-here"}
    )
    assert response.status_code == 400
    assert "username" in response.json()["errors"]


# --- Review ---------------------------------------------------------------------------


@pytest.fixture
def pending(member, other_member):
    post = make_post(member, body=BODY, edit_policy="reviewed")
    revision = edit(post, other_member, body=BODY + "Fourth.\n")
    assert revision.status == RevisionStatus.PENDING
    return post, revision


def test_pending_revisions_show_in_the_history(api_client, pending):
    post, revision = pending
    items = api_client(None).get(f"/api/v1/posts/{post.pk}/revisions").json()["items"]
    assert (items[0]["id"], items[0]["status"]) == (str(revision.pk), "pending")
    diff = api_client(None).get(f"/api/v1/posts/{post.pk}/diff", {"to": revision.pk}).json()
    assert diff["fields"]["body"][-2]["new_text"] == "Fourth."


def test_the_author_approves_a_pending_revision(api_client, pending, member):
    post, revision = pending
    response = api_client(member).post(f"/api/v1/posts/{post.pk}/revisions/{revision.pk}/approve")
    assert response.status_code == 200
    assert response.json()["status"] == "live"
    read = api_client(None).get(f"/api/v1/posts/{post.pk}").json()
    assert read["body"] == BODY + "Fourth.\n"
    assert read["revision"] == str(revision.pk)
    assert read["pending_revisions"] == 0


def test_the_author_rejects_a_pending_revision(api_client, pending, member):
    post, revision = pending
    response = api_client(member).post(f"/api/v1/posts/{post.pk}/revisions/{revision.pk}/reject")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert api_client(None).get(f"/api/v1/posts/{post.pk}").json()["body"] == BODY


def test_untrusted_members_cannot_review(api_client, pending):
    post, revision = pending
    stranger = api_client(MemberFactory.create())
    for action in ("approve", "reject"):
        response = stranger.post(f"/api/v1/posts/{post.pk}/revisions/{revision.pk}/{action}")
        assert response.status_code == 403


def test_approving_what_is_not_pending_is_a_400(api_client, pending, member):
    post, revision = pending
    live = revision.parent_id
    response = api_client(member).post(f"/api/v1/posts/{post.pk}/revisions/{live}/approve")
    assert response.status_code == 400
    assert response.json()["code"] == "not_pending"


def test_reviewing_another_posts_revision_is_not_found(api_client, pending, member):
    _post, revision = pending
    other = make_post(member)
    response = api_client(member).post(f"/api/v1/posts/{other.pk}/revisions/{revision.pk}/approve")
    assert response.status_code == 404


def test_approving_a_revision_that_conflicts_is_a_409(api_client, member, other_member):
    post = make_post(member, body=BODY, edit_policy="reviewed")
    base = current_revision(post)
    _post, waiting = post_edit(
        actor=other_member,
        post_id=post.pk,
        changes={"body": BODY.replace("Second", "Zweite")},
        base_revision=base,
    )
    edit(post, member, body=BODY.replace("Second", "2nd"))
    response = api_client(member).post(
        f"/api/v1/posts/{post.pk}/revisions/{waiting.revision.pk}/approve"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "edit_conflict"
    assert body["current"]["body"] == BODY.replace("Second", "2nd")
    assert body["yours"]["body"] == BODY.replace("Second", "Zweite")
    assert Revision.objects.get(pk=waiting.revision.pk).status == RevisionStatus.PENDING
