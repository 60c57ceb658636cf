"""Community notes can be reported ("note:ID") and removed or restored like posts and
comments: a removed note leaves its post, the lists, the API and the scoring, and stays
visible to the post's moderators, who may restore it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.moderation import places
from tests.moderation.places import ROLES, Place
from tribune.core.exceptions import Conflict, Forbidden, NotFound, ServiceError
from tribune.moderation.models import Report, ReportState
from tribune.moderation.permissions import can_act
from tribune.moderation.selectors.queue import moderation_queue
from tribune.moderation.services.actions import moderation_act
from tribune.moderation.services.reports import report_create
from tribune.moderation.targets import target_get
from tribune.notes.models import CommunityNote, NoteStatus
from tribune.notes.services import note_create, note_rate, notes_score

pytestmark = pytest.mark.django_db

place = places.place  # the fixture (pytest finds it by name)

BODY = "The figure is from 2019, not this year: https://example.org/source"


def client_for(member) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member)
    return client


@pytest.fixture
def note(place: Place) -> CommunityNote:
    """`member`'s note on the open post of the square, rated by a trusted member."""
    note = note_create(
        actor=place.member, post_id=place.post.pk, classification="misleading", body=BODY
    )
    note_rate(actor=place.trusted, note_id=note.pk, helpful="yes")
    return note


def test_a_note_is_reported_to_its_posts_moderators(place: Place, note: CommunityNote):
    target = f"note:{note.pk}"
    page = client_for(place.author).get(f"/notes/{note.pk}/").content.decode()
    assert f"/moderation/report/?target={target}" in page
    # Its author has nothing to report about their own note.
    own = client_for(place.member).get(f"/notes/{note.pk}/").content.decode()
    assert "/moderation/report/" not in own
    form = client_for(place.author).get("/moderation/report/", {"target": target})
    assert form.status_code == 200
    assert "a community note by" in form.content.decode()

    report = report_create(reporter=place.author, target=target, reason="misleading")
    assert (report.target, report.subwiki, report.target_member) == (
        target,
        place.square,
        place.member,
    )
    (item,) = moderation_queue(viewer=place.submod, kinds=frozenset({"report"})).items
    assert item.target == target
    assert item.report is not None and item.report.url == f"/notes/{note.pk}/"
    assert "remove" in item.actions and "dismiss" in item.actions
    queue = client_for(place.submod).get("/moderation/").content.decode()
    assert "A community note" in queue and f"/notes/{note.pk}/" in queue


def test_removing_a_note_takes_it_off_the_post_the_api_and_the_scoring(
    place: Place, note: CommunityNote, api_client
):
    assert notes_score().scored == 1
    # As if the scorer had found it helpful: the post shows it.
    CommunityNote.objects.filter(pk=note.pk).update(status=NoteStatus.HELPFUL)
    post_url = f"/p/{place.post.pk}/"
    assert "Readers added context" in client_for(place.author).get(post_url).content.decode()
    report_create(reporter=place.author, target=f"note:{note.pk}", reason="misleading")

    line = moderation_act(
        actor=place.submod, action="remove", target=f"note:{note.pk}", reason="Wrong date."
    )
    assert (line.action, line.target, line.affected, line.subwiki) == (
        "remove",
        f"note:{note.pk}",
        place.member,
        place.square,
    )
    assert CommunityNote.objects.get(pk=note.pk).is_removed
    assert Report.objects.get().state == ReportState.UPHELD

    for viewer in (place.author, place.member, None):
        client = client_for(viewer)
        assert BODY not in client.get(post_url).content.decode()
        assert BODY not in client.get(f"/p/{place.post.pk}/notes/").content.decode()
        assert client.get(f"/notes/{note.pk}/").status_code == 404
    for viewer in (place.author, place.submod, place.staff, None):
        api = api_client(viewer)
        assert api.get(f"/api/v1/notes/{note.pk}").status_code == 404
        assert api.get(f"/api/v1/posts/{place.post.pk}/notes").json()["items"] == []
    rated = api_client(place.trusted).post(f"/api/v1/notes/{note.pk}/ratings", {"helpful": "no"})
    assert rated.status_code == 404
    assert notes_score().scored == 0

    # Its moderators still read it, marked removed, and the log links to it.
    for moderator in (place.submod, place.sitemod, place.staff):
        page = client_for(moderator).get(f"/notes/{note.pk}/")
        assert page.status_code == 200
        assert "Moderators removed this note" in page.content.decode()
    log = client_for(place.author).get("/moderation/log/").content.decode()
    assert "Wrong date." in log and f"/notes/{note.pk}/" in log

    with pytest.raises(Conflict):
        moderation_act(actor=place.submod, action="remove", target=f"note:{note.pk}", reason="x")
    moderation_act(actor=place.submod, action="restore", target=f"note:{note.pk}", reason="Ok.")
    assert BODY in client_for(place.author).get(post_url).content.decode()
    assert api_client(None).get(f"/api/v1/notes/{note.pk}").status_code == 200
    assert notes_score().scored == 1


def test_the_rule_for_every_role(place: Place, note: CommunityNote):
    found = target_get(viewer=place.staff, target=f"note:{note.pk}")
    moderators = {"submod", "sitemod", "staff"}
    for action in ("remove", "restore", "dismiss"):
        allowed = {role: can_act(place.roles[role], action, found) for role in ROLES}
        assert allowed == {role: role in moderators for role in ROLES}


def test_only_the_posts_moderators_remove_a_note(place: Place, note: CommunityNote):
    target = f"note:{note.pk}"
    for actor in (place.member, place.trusted, place.othermod, place.author):
        with pytest.raises(Forbidden):
            moderation_act(actor=actor, action="remove", target=target, reason="No.")
    with pytest.raises(ServiceError) as refused:  # a lock is for posts
        moderation_act(actor=place.submod, action="lock", target=target, reason="No.")
    assert refused.value.code == "invalid_target"
    moderation_act(actor=place.sitemod, action="remove", target=target, reason="Spam.")
    # What moderators removed is not found by the others, so not reported again.
    with pytest.raises(NotFound):
        report_create(reporter=place.author, target=target, reason="spam")


def test_notes_of_a_private_subwiki_are_not_found_by_outsiders(place: Place):
    place.author.trust_level = 1
    note = note_create(
        actor=place.author, post_id=place.private_post.pk, classification="misleading", body="x"
    )
    for outsider in (place.member, place.sitemod, place.submod):
        with pytest.raises(NotFound):
            report_create(reporter=outsider, target=f"note:{note.pk}", reason="spam")


def test_the_api_reports_and_removes_notes(place: Place, note: CommunityNote, api_client):
    reported = api_client(place.author).post(
        "/api/v1/reports", {"target": f"note:{note.pk}", "reason": "misleading"}
    )
    assert reported.status_code == 201 and reported.json()["target"] == f"note:{note.pk}"
    removed = api_client(place.submod).post(
        "/api/v1/moderation/actions",
        {"action": "remove", "target": f"note:{note.pk}", "reason": "Wrong date."},
    )
    assert removed.status_code == 201
    assert (removed.json()["target"], removed.json()["title"]) == (f"note:{note.pk}", "Open post")
    refused = api_client(place.submod).post(
        "/api/v1/moderation/actions",
        {"action": "protect", "target": f"note:{note.pk}", "reason": "x"},
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_target")
