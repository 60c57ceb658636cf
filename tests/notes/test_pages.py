"""Community notes on pages: the post's page (a helpful note with "Why is this shown?",
the notes with their status, rating buttons, the form), the notes and note pages, feed
cards, and privacy. Everything works without JavaScript; htmx swaps the rating in place."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import MemberFactory, make_post, make_subwiki
from tests.posts.test_pages import assert_well_formed, client_for
from tribune.notes.models import CommunityNote, NoteRating, NoteStatus
from tribune.notes.services import note_create, note_edit, note_rate, notes_score
from tribune.talk.services import comment_create

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
BODY = "The photo is from **2015**, see https://example.org/archive."


@pytest.fixture
def writer():
    return MemberFactory.create(trust_level=1, display_name="Nora Writer")


@pytest.fixture
def post(member):
    return make_post(member, subwiki=make_subwiki(member), title="A striking photo")


@pytest.fixture
def note(writer, post):
    return note_create(actor=writer, post_id=post.pk, classification="misleading", body=BODY)


def make_helpful(note: CommunityNote) -> None:
    """What the scorer does for a note both camps like (tested in test_notes.py)."""
    CommunityNote.objects.filter(pk=note.pk).update(status=NoteStatus.HELPFUL, intercept=0.6)


def html_of(url: str, viewer=None, *, status: int = 200) -> str:
    response = client_for(viewer).get(url)
    assert response.status_code == status, response.content[:500]
    assert_well_formed(response.content)
    return response.content.decode()


def notes_of(html: str) -> str:
    start = html.index('<section id="notes"')
    return html[start : html.index('<section id="talk"', start)]


# --- The post's page ------------------------------------------------------------------------


def test_the_post_page_lists_notes_with_their_status_and_rating_buttons(note, post, other_member):
    html = notes_of(html_of(post.get_absolute_url(), other_member))
    assert "Community notes" in html and "Needs more ratings" in html
    assert "<strong>2015</strong>" in html  # Markdown, rendered
    assert 'href="https://example.org/archive" rel="nofollow ugc noopener"' in html
    for value in ("yes", "somewhat", "no"):
        assert f'name="helpful" value="{value}"' in html
    assert "Readers added context" not in html  # not helpful yet: not shown as context


def test_a_helpful_note_is_shown_prominently_with_why(note, post):
    make_helpful(note)
    html = notes_of(html_of(post.get_absolute_url()))
    assert "Readers added context" in html
    assert "<summary>Why is this shown?</summary>" in html
    assert "members who usually disagree" in html
    assert reverse("notes:note", args=[note.pk]) in html
    # Shown once: as context, not again in the list below.
    assert html.count(f'id="note-{note.pk}"') == 1


def test_visitors_read_notes_and_are_asked_to_log_in(note, post):
    html = notes_of(html_of(post.get_absolute_url()))
    assert "Log in to rate notes or add one" in html
    assert 'name="helpful"' not in html


def test_who_gets_the_form_to_add_a_note(note, post, writer, other_member):
    form = f'action="{reverse("notes:note_create", args=[post.pk])}"'
    newcomer_html = notes_of(html_of(post.get_absolute_url(), other_member))
    assert form not in newcomer_html and "trust level 1 or more" in newcomer_html
    assert form in notes_of(html_of(post.get_absolute_url(), MemberFactory.create(trust_level=1)))
    # Its author has written theirs: a link to it instead, and no buttons to rate it.
    mine = notes_of(html_of(post.get_absolute_url(), writer))
    assert form not in mine and "You wrote" in mine and 'name="helpful"' not in mine
    assert "This is your note" in mine


@pytest.mark.parametrize("notes", [0, 12])
def test_the_post_page_costs_the_same_queries_with_notes(
    post, other_member, notes, django_assert_max_num_queries
):
    comment_create(author=other_member, post_id=post.pk, body="A thought.")
    for i in range(notes):
        n = note_create(
            actor=MemberFactory.create(trust_level=1),
            post_id=post.pk,
            classification="misleading",
            body=f"Note {i} https://example.org/{i}",
        )
        note_rate(actor=other_member, note_id=n.pk, helpful="yes")
        if i == 0:
            make_helpful(n)
    for viewer in (None, other_member):
        client = client_for(viewer)
        # As tests/talk's bound for the post page: the notes are one query of it.
        with django_assert_max_num_queries(8):
            response = client.get(post.get_absolute_url())
        html = response.content.decode()
        assert html.count('class="note"') == max(0, notes - 1)
        assert ("Readers added context" in html) == bool(notes)


# --- Writing a note -------------------------------------------------------------------------


def test_a_level_one_member_adds_a_note_from_the_form(post):
    author = MemberFactory.create(trust_level=1)
    url = reverse("notes:note_create", args=[post.pk])
    assert "Add a note to" in html_of(url, author)
    client = client_for(author)
    response = client.post(
        url,
        {"classification": "misleading", "body": BODY, "sources": "https://example.org/a\n\n"},
    )
    note = CommunityNote.objects.get(author=author)
    assert response.status_code == 302
    assert response["Location"] == reverse("notes:note", args=[note.pk])
    assert note.sources == ["https://example.org/a"]
    assert "Your note is added" in client.get(response["Location"]).content.decode()


def test_a_form_with_mistakes_comes_back_with_them_and_what_was_typed(post):
    author = MemberFactory.create(trust_level=1)
    response = client_for(author).post(
        reverse("notes:note_create", args=[post.pk]),
        {"classification": "", "body": "Kept text.", "sources": "javascript:alert(1)"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert_well_formed(response.content)
    assert "Say whether the post is misleading" in html
    assert "is not a web address" in html
    assert "Kept text." in html and "javascript:alert(1)" in html
    assert not CommunityNote.objects.exists()


def test_a_second_note_is_refused_with_a_clear_message(note, post, writer):
    form = client_for(writer).get(reverse("notes:note_create", args=[post.pk]))
    assert form["Location"] == reverse("notes:note_edit", args=[note.pk])
    response = client_for(writer).post(
        reverse("notes:note_create", args=[post.pk]),
        {"classification": "not_misleading", "body": "Another one."},
    )
    assert response.status_code == 409
    assert "already written a note on this post" in response.content.decode()


def test_a_new_member_is_told_why_they_cannot_add_a_note(post, other_member):
    response = client_for(other_member).get(reverse("notes:note_create", args=[post.pk]))
    assert response.status_code == 403
    assert "trust level 1 or more" in response.content.decode()


def test_rate_limited_notes_get_a_clear_message(settings, post):
    settings.TRIBUNE_RATE_LIMITS = {"note": {"member": "1/h"}}
    author = MemberFactory.create(trust_level=1)
    note_create(actor=author, post_id=make_post().pk, classification="misleading", body="One.")
    response = client_for(author).post(
        reverse("notes:note_create", args=[post.pk]),
        {"classification": "misleading", "body": "Two."},
    )
    assert response.status_code == 429
    assert "Please wait" in response.content.decode()


# --- Editing and the history ---------------------------------------------------------------


def test_its_author_edits_a_note_and_the_history_shows_the_change(note, writer, other_member):
    url = reverse("notes:note_edit", args=[note.pk])
    assert "2015" in html_of(url, writer)
    assert client_for(other_member).get(url).status_code == 403
    response = client_for(writer).post(
        url,
        {
            "classification": "misleading",
            "body": "The photo is from 2014.",
            "sources": "https://example.org/b",
            "summary": "Right year",
        },
    )
    assert response.status_code == 302
    history = html_of(reverse("notes:note_history", args=[note.pk]))
    assert "Right year" in history and "<ins>2014</ins>" in history
    assert "Source added:" in history and "https://example.org/b" in history


# --- Rating ---------------------------------------------------------------------------------


def test_rating_without_javascript_comes_back_to_the_page(note, post, other_member):
    client = client_for(other_member)
    response = client.post(
        reverse("notes:note_rate", args=[note.pk]),
        {"helpful": "somewhat", "next": post.get_absolute_url()},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}#note-{note.pk}"
    html = notes_of(client.get(post.get_absolute_url()).content.decode())
    assert re.search(r'value="somewhat"[^>]*aria-pressed="true"', html)
    # Rated again: the rating changes, one per member.
    client.post(reverse("notes:note_rate", args=[note.pk]), {"helpful": "no"})
    assert NoteRating.objects.get(note=note, rater=other_member).helpful == "no"


def test_rating_with_htmx_swaps_the_rating_block(note, other_member):
    response = client_for(other_member).post(
        reverse("notes:note_rate", args=[note.pk]), {"helpful": "yes"}, headers=HTMX
    )
    assert response.status_code == 200
    assert_well_formed(response.content)
    html = response.content.decode()
    assert html.startswith('<div class="note-rating"')
    assert "Rated helpful: 1" in html and "Your rating is saved" in html


def test_refused_ratings_say_why(note, writer, other_member):
    own = client_for(writer).post(reverse("notes:note_rate", args=[note.pk]), {"helpful": "yes"})
    assert own.status_code == 403 and "your own note" in own.content.decode()
    wrong = client_for(other_member).post(
        reverse("notes:note_rate", args=[note.pk]), {"helpful": "maybe"}, headers=HTMX
    )
    assert wrong.status_code == 200 and 'role="alert"' in wrong.content.decode()
    visitor = Client().post(reverse("notes:note_rate", args=[note.pk]), {"helpful": "yes"})
    assert visitor.status_code == 302 and "/accounts/login/" in visitor["Location"]
    assert not NoteRating.objects.exists()


# --- The note's page and the post's notes page -----------------------------------------------


def test_the_note_page_shows_sources_status_counts_and_why(note, post, other_member):
    note_rate(actor=other_member, note_id=note.pk, helpful="yes")
    make_helpful(note)
    html = html_of(reverse("notes:note", args=[note.pk]))
    assert "A note on “A striking photo”" in html
    assert "https://example.org/archive" in html
    assert "Helpful" in html and "members who usually disagree" in html
    assert "Rated helpful: 1 · somewhat: 0 · not helpful: 0" in html
    assert "Not scored yet" in html
    notes_score()
    assert "Last scored" in html_of(reverse("notes:note", args=[note.pk]))


def test_the_notes_page_lists_every_note_with_older_ones_on_later_pages(post):
    for i in range(25):
        note_create(
            actor=MemberFactory.create(trust_level=1),
            post_id=post.pk,
            classification="not_misleading",
            body=f"Note number {i}.",
        )
    url = reverse("notes:post_notes", args=[post.pk])
    first = html_of(url)
    assert first.count('class="note"') == 20 and "Note number 24." in first
    link = re.search(r'href="([^"]+cursor=[^"]+)"', first)
    assert link is not None
    more = link.group(1).replace("&amp;", "&")
    second = html_of(more)
    assert second.count('class="note"') == 5 and "Note number 0." in second
    assert html_of(url + "?cursor=broken", status=400).count('class="note"') == 20


# --- Feed cards ---------------------------------------------------------------------------------


def test_a_helpful_note_shows_on_feed_cards_and_cards_follow_its_changes(note, post, writer):
    url = reverse("feeds:all")
    assert "Readers added context" not in html_of(url)
    make_helpful(note)
    html = html_of(url)
    assert "Readers added context" in html and "The photo is from 2015" in html
    assert reverse("notes:note", args=[note.pk]) in html
    # Cards are cached: an edit of the note, or its status, makes a new card.
    note_edit(actor=writer, note_id=note.pk, body="The photo is from 2013.")
    html = html_of(url)
    assert "from 2013" in html and "from 2015" not in html
    CommunityNote.objects.filter(pk=note.pk).update(status=NoteStatus.NOT_HELPFUL)
    assert "Readers added context" not in html_of(url)


def test_the_home_feed_shows_it_and_feeds_cost_no_query_more_for_notes(
    member, post, django_assert_max_num_queries
):
    for i in range(12):
        target = make_post(member, subwiki=post.subwiki, title=f"Claim {i}")
        made = note_create(
            actor=MemberFactory.create(trust_level=1),
            post_id=target.pk,
            classification="misleading",
            body=f"Context number {i}.",
        )
        if i % 2:
            make_helpful(made)
    client = client_for(member)
    # As tests/feeds' bounds: the helpful notes come with the posts, in the same query.
    with django_assert_max_num_queries(6):
        home = client.get(reverse("home")).content.decode()
    with django_assert_max_num_queries(5):
        everything = client.get(reverse("feeds:all")).content.decode()
    for html in (home, everything):
        assert html.count('class="note-card"') == 6
        assert "Context number 11." in html and "Context number 10." not in html


def test_the_subwiki_page_shows_the_helpful_note_too(note, post):
    make_helpful(note)
    html = html_of(reverse("feeds:subwiki", args=[post.subwiki.slug]))
    assert "Readers added context" in html


# --- Privacy ------------------------------------------------------------------------------------


def test_notes_of_a_private_subwiki_never_leak(member):
    room = make_subwiki(member, visibility="private")
    secret = make_post(member, subwiki=room, title="Among ourselves")
    member.trust_level = 1
    member.save(update_fields=["trust_level"])
    note = note_create(
        actor=member, post_id=secret.pk, classification="misleading", body="Secret context."
    )
    make_helpful(note)
    outsider = MemberFactory.create(trust_level=2)
    for viewer in (None, outsider):
        for url in (
            reverse("notes:note", args=[note.pk]),
            reverse("notes:note_history", args=[note.pk]),
            reverse("notes:post_notes", args=[secret.pk]),
        ):
            assert client_for(viewer).get(url).status_code == 404
        for url in (reverse("feeds:all"), reverse("home")):
            assert "Secret context" not in client_for(viewer).get(url).content.decode()
    assert (
        client_for(outsider)
        .post(reverse("notes:note_rate", args=[note.pk]), {"helpful": "yes"})
        .status_code
        == 404
    )
    assert client_for(outsider).get(reverse("notes:note_edit", args=[note.pk])).status_code == 404
    # Its members see it everywhere.
    assert "Secret context" in html_of(reverse("notes:note", args=[note.pk]), member)
    assert "Secret context" in html_of(reverse("feeds:all"), member)
