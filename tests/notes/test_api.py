"""Community notes in the API (API.md): a post's notes, adding one, rating one (201 then
200), one note and its edit as additions; the same rules as the pages."""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.notes.models import CommunityNote, NoteRating, NoteStatus
from tribune.notes.services import note_create, note_rate, notes_score

pytestmark = pytest.mark.django_db

BODY = "The photo is from 2015: https://example.org/archive"


@pytest.fixture
def writer():
    return MemberFactory.create(trust_level=1)


@pytest.fixture
def post(member):
    return make_post(member, subwiki=make_subwiki(member), title="A striking photo")


@pytest.fixture
def note(writer, post):
    return note_create(actor=writer, post_id=post.pk, classification="misleading", body=BODY)


def notes_url(post) -> str:
    return f"/api/v1/posts/{post.pk}/notes"


def test_a_level_one_member_adds_a_note_as_api_md_says(api_client, writer, post):
    answer = api_client(writer).post(
        notes_url(post), {"body": BODY, "classification": "misleading"}
    )
    assert answer.status_code == 201, answer.content
    data = answer.json()
    assert data["post"] == str(post.pk) and data["author"]["username"] == writer.username
    assert data["classification"] == "misleading" and data["status"] == "needs_more_ratings"
    assert data["body"] == BODY and "<p>" in data["body_html"]
    assert data["sources"] == ["https://example.org/archive"]
    assert data["rating_count"] == 0 and data["my_rating"] is None
    assert set(data) >= {"id", "created_at"}


def test_sources_may_be_given(api_client, writer, post):
    answer = api_client(writer).post(
        notes_url(post),
        {
            "body": "No link here.",
            "classification": "not_misleading",
            "sources": ["https://a.example/"],
        },
    )
    assert answer.status_code == 201 and answer.json()["sources"] == ["https://a.example/"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "", "classification": "misleading"}, "body"),
        ({"body": "x" * 2001, "classification": "misleading"}, "body"),
        ({"body": "Hi.", "classification": "maybe"}, "classification"),
        ({"body": "Hi.", "classification": "misleading", "sources": ["javascript:x"]}, "sources"),
        (
            {"body": "Hi.", "classification": "misleading", "sources": ["https://a.b/"] * 6},
            "sources",
        ),
        ({"classification": "misleading"}, "body"),
    ],
)
def test_bad_notes_answer_400_with_the_field(api_client, writer, post, payload, field):
    answer = api_client(writer).post(notes_url(post), payload)
    assert answer.status_code == 400
    assert field in answer.json()["errors"]
    assert not CommunityNote.objects.exists()


def test_new_members_are_told_they_need_trust_level_one(api_client, member, post):
    answer = api_client(MemberFactory.create()).post(
        notes_url(post), {"body": BODY, "classification": "misleading"}
    )
    assert answer.status_code == 403 and answer.json()["code"] == "trust_level_too_low"


def test_a_second_note_answers_409(api_client, note, writer, post):
    answer = api_client(writer).post(
        notes_url(post), {"body": "Again.", "classification": "misleading"}
    )
    assert answer.status_code == 409 and answer.json()["code"] == "note_exists"


def test_rate_limited_notes_answer_429_with_retry_after(settings, api_client, writer, post):
    settings.TRIBUNE_RATE_LIMITS = {"note": {"member": "1/h"}}
    client = api_client(writer)
    assert (
        client.post(
            notes_url(make_post()), {"body": "One.", "classification": "misleading"}
        ).status_code
        == 201
    )
    answer = client.post(notes_url(post), {"body": "Two.", "classification": "misleading"})
    assert answer.status_code == 429 and answer.json()["code"] == "rate_limited"
    assert int(answer["Retry-After"]) > 0


def test_the_list_shows_each_note_with_its_status_and_my_rating(
    api_client, note, post, other_member
):
    note_rate(actor=other_member, note_id=note.pk, helpful="somewhat")
    data = api_client(other_member).get(notes_url(post)).json()
    (item,) = data["items"]
    assert item["id"] == str(note.pk) and item["status"] == "needs_more_ratings"
    assert item["my_rating"] == "somewhat" and item["rating_count"] == 1
    assert item["ratings"] == {"yes": 0, "somewhat": 1, "no": 0}
    assert data["next_cursor"] is None
    # Visitors read public notes too.
    assert api_client(None).get(notes_url(post)).json()["items"][0]["my_rating"] is None


def test_the_list_pages_by_cursor(api_client, post):
    for i in range(3):
        note_create(
            actor=MemberFactory.create(trust_level=1),
            post_id=post.pk,
            classification="misleading",
            body=f"Note {i}.",
        )
    client = api_client(None)
    first = client.get(notes_url(post), {"limit": 2}).json()
    assert [n["body"] for n in first["items"]] == ["Note 2.", "Note 1."]
    rest = client.get(notes_url(post), {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [n["body"] for n in rest["items"]] == ["Note 0."] and rest["next_cursor"] is None
    assert client.get(notes_url(post), {"cursor": "nope"}).status_code == 400


def test_a_rating_is_201_then_200_when_changed(api_client, note, other_member):
    client = api_client(other_member)
    url = f"/api/v1/notes/{note.pk}/ratings"
    first = client.post(url, {"helpful": "yes"})
    assert first.status_code == 201 and first.json()["helpful"] == "yes"
    changed = client.post(url, {"helpful": "no"})
    assert changed.status_code == 200 and changed.json()["helpful"] == "no"
    assert NoteRating.objects.get(note=note).helpful == "no"
    assert client.get(f"/api/v1/notes/{note.pk}").json()["my_rating"] == "no"


def test_ratings_refused(api_client, note, writer, waitlisted):
    url = f"/api/v1/notes/{note.pk}/ratings"
    own = api_client(writer).post(url, {"helpful": "yes"})
    assert own.status_code == 403 and own.json()["code"] == "own_note"
    wrong = api_client(MemberFactory.create()).post(url, {"helpful": "maybe"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_rating"
    assert api_client(None).post(url, {"helpful": "yes"}).status_code == 401
    assert api_client(waitlisted).post(url, {"helpful": "yes"}).json()["code"] == "waitlisted"
    assert (
        api_client(writer).post("/api/v1/notes/999999/ratings", {"helpful": "yes"}).status_code
        == 404
    )
    assert not NoteRating.objects.exists()


def test_its_author_edits_a_note(api_client, note, writer, other_member):
    url = f"/api/v1/notes/{note.pk}"
    answer = api_client(writer).patch(url, {"body": "From 2014.", "summary": "Year"})
    assert answer.status_code == 200
    data = answer.json()
    assert data["body"] == "From 2014." and data["edited_at"] is not None
    assert data["classification"] == "misleading"  # left out: unchanged
    assert api_client(other_member).patch(url, {"body": "Mine now."}).status_code == 403
    assert api_client(writer).patch(url, {"nonsense": 1}).status_code == 400


def test_a_helpful_note_after_scoring(api_client, note, post):
    """The scorer's end-to-end run is in test_notes.py; here, what the API shows of it."""
    CommunityNote.objects.filter(pk=note.pk).update(status=NoteStatus.HELPFUL, intercept=0.5)
    assert api_client(None).get(f"/api/v1/notes/{note.pk}").json()["status"] == "helpful"
    notes_score()  # no ratings at all: it stays as it was
    assert api_client(None).get(notes_url(post)).json()["items"][0]["status"] == "helpful"


def test_notes_of_a_private_subwiki_never_leak(api_client, member):
    room = make_subwiki(member, visibility="private")
    secret = make_post(member, subwiki=room)
    member.trust_level = 1
    member.save(update_fields=["trust_level"])
    note = note_create(actor=member, post_id=secret.pk, classification="misleading", body="Shh.")
    outsider = MemberFactory.create(trust_level=2)
    for client in (api_client(None), api_client(outsider)):
        assert client.get(notes_url(secret)).status_code == 404
        assert client.get(f"/api/v1/notes/{note.pk}").status_code == 404
    outside = api_client(outsider)
    assert (
        outside.post(notes_url(secret), {"body": "Hi.", "classification": "misleading"}).status_code
        == 404
    )
    assert outside.post(f"/api/v1/notes/{note.pk}/ratings", {"helpful": "yes"}).status_code == 404
    assert outside.patch(f"/api/v1/notes/{note.pk}", {"body": "x"}).status_code == 404
    assert api_client(member).get(notes_url(secret)).json()["items"][0]["body"] == "Shh."


def test_the_list_costs_a_few_queries_however_many_notes(
    api_client, post, other_member, django_assert_max_num_queries
):
    for i in range(30):
        n = note_create(
            actor=MemberFactory.create(trust_level=1),
            post_id=post.pk,
            classification="misleading",
            body=f"Note {i}.",
        )
        note_rate(actor=other_member, note_id=n.pk, helpful="yes")
    client = api_client(other_member)
    # The token (and its last use), the post, the notes with their counts.
    with django_assert_max_num_queries(5):
        answer = client.get(notes_url(post), {"limit": 100})
    assert len(answer.json()["items"]) == 30
