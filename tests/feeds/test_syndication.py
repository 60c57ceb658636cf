"""RSS and Atom feeds of a subwiki, a member and the whole site: they parse, they list the
newest public posts, and nothing private is ever in them, whoever asks."""

from __future__ import annotations

import feedparser
import pytest

from tests.factories import MemberFactory, make_post
from tests.feeds.conftest import bulk_posts, join_private
from tribune.feeds.selectors import SYNDICATION_ITEMS
from tribune.posts.models import Post

pytestmark = pytest.mark.django_db

FEEDS = ["/all/feed/", "/s/town-square/feed/", "/u/owner/feed/"]


def parse(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, path
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
    return response, parsed


@pytest.mark.parametrize("path", FEEDS)
def test_rss_feeds_parse_and_list_the_newest_public_posts(client, owner, square, path):
    make_post(owner, subwiki=square, title="Older")
    make_post(owner, subwiki=square, title="Newer", body="Some *emphasis*.")

    response, parsed = parse(client, path)

    assert response["Content-Type"].startswith("application/rss+xml")
    assert parsed.version == "rss20"
    assert [entry.title for entry in parsed.entries] == ["Newer", "Older"]
    newest = parsed.entries[0]
    assert newest.link.startswith("http://testserver/p/")
    assert newest.author == "Otto Owner"
    assert "<em>emphasis</em>" in newest.summary
    assert newest.published_parsed is not None
    assert [tag.term for tag in newest.tags] == ["Town square"]


@pytest.mark.parametrize("path", [f"{path}atom/" for path in FEEDS])
def test_atom_feeds_parse_too(client, owner, square, path):
    make_post(owner, subwiki=square, title="A post")

    response, parsed = parse(client, path)

    assert response["Content-Type"].startswith("application/atom+xml")
    assert parsed.version == "atom10"
    assert [entry.title for entry in parsed.entries] == ["A post"]
    assert parsed.entries[0].updated_parsed is not None


def test_a_link_post_carries_its_link_and_preview(client, owner, square):
    post = make_post(owner, subwiki=square, kind="link", url="https://example.org/a", title="Read")
    Post.objects.filter(pk=post.pk).update(
        preview_status="ready", preview_title="An article", preview_description="What it says."
    )
    _response, parsed = parse(client, "/s/town-square/feed/")
    (entry,) = parsed.entries
    assert 'href="https://example.org/a"' in entry.summary
    assert "An article" in entry.summary and "What it says." in entry.summary


def test_feeds_hold_the_newest_posts_only(client, owner, square):
    bulk_posts(SYNDICATION_ITEMS + 5, authors=[owner], subwikis=[square])
    _response, parsed = parse(client, "/s/town-square/feed/")
    assert len(parsed.entries) == SYNDICATION_ITEMS
    assert parsed.entries[0].title == "Bulk post 0"


def test_private_posts_are_in_no_feed_even_for_members_who_ask(client, owner, square, back_room):
    reader = MemberFactory.create()
    join_private(reader, back_room)
    make_post(owner, subwiki=back_room, title="Members only")
    make_post(owner, subwiki=square, title="Public")
    client.force_login(reader)  # a member of the private subwiki, with a session

    for path in [*FEEDS, *(f"{p}atom/" for p in FEEDS)]:
        _response, parsed = parse(client, path)
        assert [entry.title for entry in parsed.entries] == ["Public"], path

    # The private subwiki has no feed: as its page to outsiders, it does not exist.
    assert client.get("/s/back-room/feed/").status_code == 404
    assert client.get("/s/back-room/feed/atom/").status_code == 404


def test_unknown_subwikis_and_members_have_no_feed(client, db):
    assert client.get("/s/nowhere/feed/").status_code == 404
    assert client.get("/u/nobody/feed/atom/").status_code == 404


def test_an_instance_closed_to_visitors_publishes_no_feed(client, settings, owner, square):
    settings.TRIBUNE_PUBLIC_READ = False
    make_post(owner, subwiki=square, title="Public, but only to members here")
    for path in [*FEEDS, *(f"{p}atom/" for p in FEEDS)]:
        assert client.get(path).status_code == 404, path


def test_feeds_are_read_only(client, owner, square):
    for path in FEEDS:
        assert client.post(path).status_code == 405


def test_a_feed_costs_a_few_queries(client, owner, square, django_assert_max_num_queries):
    bulk_posts(SYNDICATION_ITEMS, authors=[owner], subwikis=[square, None])
    for path in FEEDS:
        with django_assert_max_num_queries(2):
            client.get(path)
