"""The feed pages: home for members and visitors, the global stream, a member's posts on
their profile; "load more" with and without htmx; bad cursors; queries per page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from tests.factories import MemberFactory, make_post, make_subwiki
from tests.feeds.conftest import (
    bulk_members,
    bulk_posts,
    bulk_subwikis,
    follow_member,
    follow_subwiki,
    join_private,
)
from tribune.posts.models import Post
from tribune.posts.reactions import reaction_add
from tribune.posts.services import post_edit

pytestmark = pytest.mark.django_db


class Links(HTMLParser):
    """The <link rel="alternate"> of a page's head and the "load more" links of its body."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.alternates: list[dict[str, str | None]] = []
        self.load_more: list[dict[str, str | None]] = []
        self._in_load_more = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "link" and found.get("rel") == "alternate":
            self.alternates.append(found)
        if tag == "li" and "load-more" in (found.get("class") or ""):
            self._in_load_more = True
        elif tag == "a" and self._in_load_more:
            self.load_more.append(found)
            self._in_load_more = False


def text(response) -> str:
    html: str = response.content.decode()
    return html


def card_titles(html: str) -> list[str]:
    return re.findall(
        r'class="post-card-title" id="post-card-\d+"><a href="[^"]+">([^<]+)</a>', html
    )


# --- Home -----------------------------------------------------------------------------------


def test_a_member_sees_their_feed_at_home(client, reader, owner, square):
    follow_subwiki(reader, square)
    make_post(owner, subwiki=square, title="In the square")
    make_post(owner, subwiki=make_subwiki(owner), title="Not followed")
    client.force_login(reader)

    html = text(client.get("/"))

    assert "<h1>Your feed</h1>" in html
    assert card_titles(html) == ["In the square"]
    assert "Welcome to Tribune" not in html


def test_an_empty_feed_says_how_to_fill_it(client, reader):
    client.force_login(reader)
    html = text(client.get("/"))
    assert "Your feed is empty for now" in html
    assert 'href="/s/"' in html


def test_visitors_get_the_welcome_and_every_public_post(client, owner, square, back_room):
    make_post(owner, subwiki=square, title="Open to all")
    make_post(owner, subwiki=back_room, title="Members only")
    make_post(owner, subwiki=None, title="On a profile")

    html = text(client.get("/"))

    assert "Welcome to Tribune" in html
    assert card_titles(html) == ["On a profile", "Open to all"]


def test_load_more_without_javascript_is_a_link_to_the_next_page(client, reader, owner, square):
    follow_subwiki(reader, square)
    bulk_posts(45, authors=[owner], subwikis=[square])
    client.force_login(reader)

    first = text(client.get("/"))
    (more,) = Links(first).load_more
    second = text(client.get(more["href"]))
    (more_again,) = Links(second).load_more
    third = text(client.get(more_again["href"]))

    assert card_titles(first) == [f"Bulk post {i}" for i in range(20)]
    assert card_titles(second) == [f"Bulk post {i}" for i in range(20, 40)]
    assert card_titles(third) == [f"Bulk post {i}" for i in range(40, 45)]
    assert Links(third).load_more == []
    assert 'href="/">Back to the newest posts</a>' in third


def test_load_more_with_htmx_appends_the_next_cards_and_the_next_button(
    client, reader, owner, square
):
    follow_subwiki(reader, square)
    bulk_posts(45, authors=[owner], subwikis=[square])
    client.force_login(reader)
    (more,) = Links(text(client.get("/"))).load_more
    assert more["hx-get"] == more["href"]
    assert more["hx-target"] == "closest li" and more["hx-swap"] == "outerHTML"

    response = client.get(more["hx-get"], headers={"HX-Request": "true"})

    fragment = text(response)
    assert "<html" not in fragment and "<ol" not in fragment
    assert fragment.strip().startswith('<li class="post-item">')
    assert card_titles(fragment) == [f"Bulk post {i}" for i in range(20, 40)]
    assert len(Links(fragment).load_more) == 1
    assert "HX-Request" in response["Vary"]


def test_a_page_size_asked_for_is_kept_by_load_more(client, reader, owner, square):
    follow_subwiki(reader, square)
    bulk_posts(12, authors=[owner], subwikis=[square])
    client.force_login(reader)

    first = text(client.get("/", {"limit": 5}))
    (more,) = Links(first).load_more

    href = more["href"]
    assert href is not None and "limit=5" in href
    assert card_titles(text(client.get(href))) == [f"Bulk post {i}" for i in range(5, 10)]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"cursor": "broken"}, "This cursor is not valid"),
        ({"limit": "0"}, "limit must be a whole number from 1 to 100"),
        ({"limit": "1000"}, "limit must be a whole number from 1 to 100"),
    ],
)
def test_a_bad_cursor_or_limit_answers_400_with_a_message_and_the_first_page(
    client, reader, owner, square, query, message
):
    follow_subwiki(reader, square)
    make_post(owner, subwiki=square, title="The newest")
    client.force_login(reader)

    for path in ["/", "/all/", f"/u/{owner.username}/"]:
        response = client.get(path, query)
        assert response.status_code == 400, path
        assert message in text(response), path
        assert "The newest" in text(response), path


def test_the_card_shows_where_who_when_edits_upvotes_comments_and_the_preview(
    client, reader, owner, square
):
    link = make_post(
        owner, subwiki=square, kind="link", url="https://example.org/story", title="A link"
    )
    Post.objects.filter(pk=link.pk).update(
        preview_status="ready",
        preview_title="The story itself",
        preview_site_name="Example News",
        comment_count=2,
    )
    _edited, _result = post_edit(
        actor=owner,
        post_id=link.pk,
        changes={"title": "A link, edited"},
        base_revision=link.page.current_revision_id,
    )
    reaction_add(actor=reader, post_id=link.pk)
    follow_subwiki(reader, square)
    client.force_login(reader)

    html = text(client.get("/"))

    card = html[html.index('<article class="post-card"') : html.index("</article>")]
    assert 'href="/s/town-square/">Town square</a>' in card
    assert f'href="/u/{owner.username}/">Otto Owner</a>' in card
    assert "<time datetime=" in card
    assert f'href="/p/{link.pk}/history/">edited' in card
    assert "Example News" in card and "The story itself" in card
    assert 'href="https://example.org/story"' in card
    assert "1 upvote" in card and 'aria-pressed="true"' in card
    assert re.search(rf'href="/p/{link.pk}/#talk"[^>]*>2 comments</a>', card)


# --- The global stream ----------------------------------------------------------------------


def test_everything_shows_what_the_viewer_may_read(client, reader, owner, square, back_room):
    make_post(owner, subwiki=square, title="Public")
    make_post(owner, subwiki=back_room, title="Private")

    assert card_titles(text(client.get("/all/"))) == ["Public"]
    client.force_login(reader)
    assert card_titles(text(client.get("/all/"))) == ["Public"]
    join_private(reader, back_room)
    assert card_titles(text(client.get("/all/"))) == ["Private", "Public"]


# --- Profiles -------------------------------------------------------------------------------


def test_a_profile_lists_the_members_posts_with_load_more(client, owner, square, back_room):
    bulk_posts(25, authors=[owner], subwikis=[square])
    make_post(owner, subwiki=back_room, title="Members only")

    first = text(client.get(f"/u/{owner.username}/"))
    (more,) = Links(first).load_more
    fragment = text(client.get(more["hx-get"], headers={"HX-Request": "true"}))
    second = text(client.get(more["href"]))

    assert card_titles(first) == [f"Bulk post {i}" for i in range(20)]
    assert "Members only" not in first
    assert card_titles(fragment) == card_titles(second) == [f"Bulk post {i}" for i in range(20, 25)]
    assert "<html" not in fragment
    assert "Otto Owner" in second and "<h1" in second


def test_a_profile_without_posts_says_so(client, owner):
    assert "has not posted anything you can read yet" in text(client.get(f"/u/{owner.username}/"))


# --- Feeds named in the head ----------------------------------------------------------------


def test_pages_name_their_rss_and_atom_feeds(client, owner, square, back_room):
    def alternates(path):
        return {(a["type"], a["href"]) for a in Links(text(client.get(path))).alternates}

    assert alternates("/") == {
        ("application/rss+xml", "/all/feed/"),
        ("application/atom+xml", "/all/feed/atom/"),
    }
    assert alternates("/all/") == alternates("/")
    assert alternates("/s/town-square/") == {
        ("application/rss+xml", "/s/town-square/feed/"),
        ("application/atom+xml", "/s/town-square/feed/atom/"),
    }
    assert alternates(f"/u/{owner.username}/") == {
        ("application/rss+xml", f"/u/{owner.username}/feed/"),
        ("application/atom+xml", f"/u/{owner.username}/feed/atom/"),
    }
    # A private subwiki has no feed, and its page names none even to its members.
    client.force_login(owner)
    assert alternates("/s/back-room/") == set()


# --- Queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("follows", [10, 1000])
@pytest.mark.parametrize("items", [10, 200])
def test_the_home_page_costs_the_same_few_queries_however_much_is_followed(
    client, reader, follows, items, django_assert_max_num_queries
):
    subwikis = bulk_subwikis(follows // 10)
    members = bulk_members(follows - len(subwikis))
    for subwiki in subwikis:
        follow_subwiki(reader, subwiki)
    for member in members:
        follow_member(reader, member)
    posts = bulk_posts(items, authors=members, subwikis=[*subwikis, None])
    reaction_add(actor=reader, post_id=posts[0].pk)
    Post.objects.filter(pk__in=[p.pk for p in posts[:5]]).update(edited_at=timezone.now())
    client.force_login(reader)

    # The session, the member, the sources, the page of ids, the posts, the upvotes.
    with django_assert_max_num_queries(6):
        response = client.get("/")
    assert response.status_code == 200
    assert len(card_titles(text(response))) == min(items, 20)

    (more,) = Links(text(response)).load_more if items > 20 else (None,)
    if more is not None:
        with django_assert_max_num_queries(6):
            assert client.get(more["hx-get"], headers={"HX-Request": "true"}).status_code == 200


@pytest.mark.parametrize("items", [10, 200])
def test_everything_costs_the_same_few_queries_however_many_posts(
    client, reader, items, django_assert_max_num_queries
):
    authors = MemberFactory.create_batch(3)
    bulk_posts(items, authors=authors, subwikis=[*bulk_subwikis(5), None])
    client.force_login(reader)
    with django_assert_max_num_queries(5):
        response = client.get("/all/")
    assert len(card_titles(text(response))) == min(items, 20)
    client.logout()
    with django_assert_max_num_queries(3):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("items", [10, 200])
def test_a_profile_costs_the_same_few_queries_however_many_posts(
    client, reader, owner, square, items, django_assert_max_num_queries
):
    bulk_posts(items, authors=[owner], subwikis=[square, None])
    client.force_login(reader)
    # The session, the member, the profile, its follow counts, its trust panel, the posts,
    # the upvotes.
    with django_assert_max_num_queries(7):
        response = client.get(f"/u/{owner.username}/")
    assert len(card_titles(text(response))) == min(items, 20)


def test_cached_cards_follow_edits_previews_and_renames(client, reader, owner, square):
    from tribune.communities.services import subwiki_update_settings

    follow_subwiki(reader, square)
    post = make_post(owner, subwiki=square, kind="link", url="https://example.org/", title="Before")
    client.force_login(reader)
    assert "Before" in text(client.get("/"))  # rendered, and kept in the cache

    post_edit(
        actor=owner,
        post_id=post.pk,
        changes={"title": "After"},
        base_revision=post.page.current_revision_id,
    )
    Post.objects.filter(pk=post.pk).update(preview_status="ready", preview_title="Fetched")
    subwiki_update_settings(
        actor=owner,
        subwiki=square,
        name="Village green",
        visibility="public",
        description_edit_policy=square.description_edit_policy,
        min_post_edit_policy=square.min_post_edit_policy,
    )

    html = text(client.get("/"))
    assert card_titles(html) == ["After"]
    assert "Fetched" in html and "Village green" in html and "Town square" not in html


def test_kept_cards_show_each_reader_their_own_upvote_and_a_working_form(
    client, reader, owner, square
):
    from django.test import Client

    follow_subwiki(reader, square)
    other = MemberFactory.create()
    follow_subwiki(other, square)
    post = make_post(owner, subwiki=square, title="Vote on me")
    reaction_add(actor=reader, post_id=post.pk)
    client.force_login(reader)
    theirs = Client()
    theirs.force_login(other)

    for _ in range(2):  # rendered, then from the cache
        mine = text(client.get("/?limit=5"))
        assert 'aria-pressed="true"' in mine and "1 upvote" in mine
        assert 'name="next" value="/?limit=5"' in mine
        others = text(theirs.get("/"))
        assert 'aria-pressed="false"' in others and "1 upvote" in others
        assert 'name="next" value="/"' in others

    # The card's form carries the page's CSRF token: it works where CSRF is checked.
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(other)
    page = text(checked.get("/"))
    field = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert field is not None
    token = field.group(1)
    answer = checked.post(f"/p/{post.pk}/upvote/", {"csrfmiddlewaretoken": token, "next": "/"})
    assert answer.status_code in (200, 302)
    assert "2 upvotes" in text(theirs.get("/"))


def test_a_profile_answers_to_its_username_in_any_case(client, owner):
    # Looked up as written first (one seek on the username index), then in any case.
    assert client.get(f"/u/{owner.username}/").status_code == 200
    assert client.get(f"/u/{owner.username.upper()}/").status_code == 200
    assert client.get("/u/nobody_by_that_name/").status_code == 404
