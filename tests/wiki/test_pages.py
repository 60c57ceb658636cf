"""The revision pages of subwiki descriptions, for visitors, members, outsiders and
moderators: edit (with conflicts), history, diff, revert, and a subwiki's recent changes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import MemberFactory, make_post, make_subwiki
from tests.posts.test_pages import assert_well_formed, client_for, private_subwiki_with
from tribune.accounts.models import Member
from tribune.communities import services as communities
from tribune.communities.models import Subwiki
from tribune.posts.services import post_edit
from tribune.wiki.models import Revision

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
TEXT = "About tides.\nAnd waves.\nAnd the moon.\n"


def head(subwiki: Subwiki) -> int:
    subwiki.page.refresh_from_db()
    revision_id = subwiki.page.current_revision_id
    assert revision_id is not None
    return revision_id


def describe(subwiki: Subwiki, member: Member, text: str) -> Revision:
    result = communities.subwiki_description_edit(
        actor=member, subwiki=subwiki, description=text, base_revision=head(subwiki)
    )
    return result.revision


# Each page's name, with the app that serves it.
PAGES = {
    "description_edit": "communities",
    "description_history": "communities",
    "description_diff": "communities",
    "description_revert": "communities",
    "subwiki_changes": "posts",
}


def url(name: str, subwiki: Subwiki) -> str:
    return reverse(f"{PAGES[name]}:{name}", args=[subwiki.slug])


@pytest.fixture
def subwiki(member) -> Subwiki:
    return make_subwiki(member, description=TEXT)


# --- Editing the description ----------------------------------------------------------------


def test_owner_edits_the_description(member, subwiki):
    client = client_for(member)
    page = client.get(url("description_edit", subwiki)).content.decode()
    assert "About tides." in page and f'name="base_revision" value="{head(subwiki)}"' in page
    response = client.post(
        url("description_edit", subwiki),
        {
            "description": TEXT + "And storms.\n",
            "summary": "storms",
            "base_revision": head(subwiki),
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == subwiki.get_absolute_url()
    assert "Your edit is saved." in response.content.decode()
    subwiki.refresh_from_db()
    assert subwiki.description.endswith("And storms.\n")


def test_description_policy_keeps_outsiders_out(subwiki, other_member):
    # The default policy lets the subwiki's members edit its description.
    response = client_for(other_member).get(url("description_edit", subwiki))
    assert response.status_code == 403
    assert b"You may not edit this subwiki" in response.content
    response = client_for(other_member).post(
        url("description_edit", subwiki),
        {"description": "Mine now", "base_revision": head(subwiki)},
    )
    assert response.status_code == 403
    subwiki.refresh_from_db()
    assert subwiki.description == TEXT


def test_visitors_are_sent_to_log_in_to_edit_a_description(subwiki):
    response = Client().get(url("description_edit", subwiki))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_member_of_the_subwiki_may_edit_its_description(subwiki, other_member):
    communities.subwiki_join(actor=other_member, subwiki=subwiki)
    response = client_for(other_member).post(
        url("description_edit", subwiki),
        {"description": "New words.\n", "base_revision": head(subwiki)},
    )
    assert response.status_code == 302
    subwiki.refresh_from_db()
    assert subwiki.description == "New words.\n"


def test_description_conflict_keeps_the_text_and_answers_409(member, subwiki):
    base = head(subwiki)
    describe(subwiki, member, TEXT.replace("waves", "ripples"))
    mine = TEXT.replace("waves", "swells")
    response = client_for(member).post(
        url("description_edit", subwiki),
        {"description": mine, "summary": "swells", "base_revision": base},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed the same part" in html
    assert "And swells." in html and "<del>ripples</del>" in html and "<ins>swells</ins>" in html
    assert f'name="base_revision" value="{head(subwiki)}"' in html
    assert_well_formed(response.content)
    subwiki.refresh_from_db()
    assert "ripples" in subwiki.description


def test_description_preview_without_javascript(member, subwiki):
    response = client_for(member).post(
        url("description_edit", subwiki),
        {"description": "**Bold** claim", "base_revision": head(subwiki), "preview": "1"},
    )
    html = response.content.decode()
    assert "<strong>Bold</strong>" in html and "**Bold** claim" in html
    assert Revision.objects.filter(page=subwiki.page).count() == 1


def test_description_preview_with_htmx_reads_the_description_field(member, subwiki):
    response = client_for(member).post(
        reverse("posts:preview"), {"description": "<b>x</b> _y_"}, headers=HTMX
    )
    assert b"<em>y</em>" in response.content and b"<b>" not in response.content


# --- History and diff -----------------------------------------------------------------------


def test_description_history_for_each_kind_of_viewer(member, other_member, subwiki):
    describe(subwiki, member, TEXT + "More.\n")
    for viewer in (None, other_member, member):
        response = client_for(viewer).get(url("description_history", subwiki))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Created the subwiki" in html and "current" in html
        assert ("Restore this version" in html) is (viewer == member)
    assert_well_formed(response.content)


@pytest.mark.parametrize("edits", [2, 30])
def test_description_history_queries_stay_bounded(
    member, subwiki, edits, django_assert_max_num_queries
):
    for i in range(edits):
        describe(subwiki, member, TEXT + f"Edit {i}.\n")
    client = client_for(member)
    with django_assert_max_num_queries(9):
        response = client.get(url("description_history", subwiki))
    assert response.status_code == 200


def test_description_diff_escapes_html(member, subwiki):
    describe(subwiki, member, TEXT + "<script>alert(1)</script>\n")
    response = Client().get(url("description_diff", subwiki))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<ins>" in html


@pytest.mark.parametrize("query", ["?from=zzz", "?to=999999", "?from=1&to=999999"])
def test_description_diff_with_bad_ids_is_not_found(subwiki, query):
    assert Client().get(url("description_diff", subwiki) + query).status_code == 404


def test_description_diff_refuses_a_post_revision(member, subwiki):
    post = make_post(member, subwiki=subwiki)
    post.page.refresh_from_db()
    query = f"?to={post.page.current_revision_id}"
    assert Client().get(url("description_diff", subwiki) + query).status_code == 404


def test_description_revert(member, other_member, subwiki):
    first = head(subwiki)
    describe(subwiki, member, "Vandalised.\n")
    refused = client_for(other_member).post(url("description_revert", subwiki), {"revision": first})
    assert refused.status_code == 403
    response = client_for(member).post(
        url("description_revert", subwiki), {"revision": first}, follow=True
    )
    assert "The earlier description is restored." in response.content.decode()
    subwiki.refresh_from_db()
    assert subwiki.description == TEXT
    assert Client().post(url("description_revert", subwiki), {"revision": first}).status_code == 302


def test_private_descriptions_are_not_found_by_outsiders(member, other_member):
    insider = MemberFactory.create()
    subwiki = private_subwiki_with(member, insider)
    for name in ("description_history", "description_diff", "subwiki_changes", "description_edit"):
        response = client_for(other_member).get(url(name, subwiki))
        assert response.status_code == 404, name
    revert = client_for(other_member).post(url("description_revert", subwiki), {"revision": 1})
    assert revert.status_code == 404
    assert client_for(insider).get(url("description_history", subwiki)).status_code == 200


def test_unknown_subwiki_is_not_found():
    assert Client().get(reverse("posts:subwiki_changes", args=["no-such-place"])).status_code == 404


# --- A subwiki's recent changes ---------------------------------------------------------------


def test_subwiki_changes_list_its_posts_and_description_only(member, other_member, subwiki):
    post = make_post(member, subwiki=subwiki, title="Inside")
    post_edit(actor=other_member, post_id=post.pk, base_revision=None, changes={"title": "Inside!"})
    make_post(member, title="Elsewhere")
    describe(subwiki, member, TEXT + "x\n")
    response = Client().get(url("subwiki_changes", subwiki))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Inside!" in html and "Elsewhere" not in html
    assert f"Description of {subwiki.name}" in html
    assert url("description_diff", subwiki) in html


@pytest.mark.parametrize("count", [2, 25])
def test_subwiki_changes_queries_stay_bounded(
    member, subwiki, count, django_assert_max_num_queries
):
    for i in range(count):
        post = make_post(member, subwiki=subwiki, title=f"Post {i}")
        post_edit(
            actor=MemberFactory.create(),
            post_id=post.pk,
            base_revision=None,
            changes={"title": f"P{i}"},
        )
    client = client_for(MemberFactory.create())
    with django_assert_max_num_queries(7):
        response = client.get(url("subwiki_changes", subwiki))
    assert response.status_code == 200
    if count > 20:
        assert b"Load older changes" in response.content
