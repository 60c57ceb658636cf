"""A private subwiki leaks nothing: not its name, description, posts, revisions or
diffs, through any page, list, search or API answer, to anyone but its members."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import ApiClient, issue_token
from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.accounts.models import Access
from tribune.communities.services import subwiki_description_edit
from tribune.posts.services import post_edit

pytestmark = pytest.mark.django_db

SECRET = "Zanzibar-7731"  # appears only inside the private subwiki


@pytest.fixture
def private_world():
    owner = MemberFactory.create(username="keeper")
    subwiki = make_subwiki(
        owner,
        name=f"Room {SECRET}",
        slug="backroom",
        visibility="private",
        description=f"About {SECRET}",
    )
    subwiki_description_edit(
        actor=owner,
        subwiki=subwiki,
        description=f"About {SECRET}, edited",
        base_revision=subwiki.page.current_revision_id,
        summary=f"summary {SECRET}",
    )
    post = make_post(owner, subwiki=subwiki, title=f"Title {SECRET}", body=f"Body {SECRET}\n")
    first = post.page.current_revision_id
    post, result = post_edit(
        actor=owner,
        post_id=post.pk,
        base_revision=first,
        changes={"body": f"Edited body {SECRET}\n"},
        summary=f"edit {SECRET}",
    )
    # Something public by the same member, so their lists are not empty.
    make_post(owner, title="A public note")
    return {
        "owner": owner,
        "subwiki": subwiki,
        "post": post,
        "first": first,
        "second": result.revision.pk,
    }


OUTSIDERS = ["visitor", "outsider", "waitlisted", "site_moderator"]


def outsider(role: str):
    if role == "visitor":
        return None
    return MemberFactory.create(
        access=Access.WAITLISTED if role == "waitlisted" else Access.ADMITTED,
        is_moderator=role == "site_moderator",
    )


def assert_no_private_content(response) -> None:
    """The answer neither shows nor confirms anything of the private subwiki."""
    assert SECRET not in response.content.decode(), response.request["PATH_INFO"]


@pytest.mark.parametrize("role", OUTSIDERS)
def test_lists_and_searches_show_nothing_private(private_world, role):
    viewer = outsider(role)
    client = Client()
    if viewer is not None:
        client.force_login(viewer)
    for path in [
        "/",
        "/s/",
        "/s/?q=Room",
        "/changes/",
        "/u/keeper/",
        "/u/keeper/contributions/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_no_private_content(response)


@pytest.mark.parametrize("role", OUTSIDERS)
def test_private_pages_answer_404(private_world, role):
    viewer = outsider(role)
    client = Client()
    if viewer is not None:
        client.force_login(viewer)
    post, first, second = private_world["post"], private_world["first"], private_world["second"]
    for path in [
        "/s/backroom/",
        "/s/backroom/members/",
        "/s/backroom/changes/",
        "/s/backroom/description/history/",
        "/s/backroom/description/edit/",
        f"/p/{post.pk}/",
        f"/p/{post.pk}/history/",
        f"/p/{post.pk}/edit/",
        f"/p/{post.pk}/diff/?from={first}&to={second}",
        f"/p/{post.pk}/revisions/{first}/",
    ]:
        response = client.get(path)
        if viewer is None and path.endswith("/edit/"):
            # Edit pages send every visitor to log in first, whatever the address:
            # that confirms nothing.
            assert response.status_code == 302
            continue
        assert response.status_code == 404, (path, response.status_code)
        assert_no_private_content(response)


@pytest.mark.parametrize("role", ["visitor", "outsider", "site_moderator"])
def test_the_api_shows_nothing_private(private_world, role):
    viewer = outsider(role)
    api = ApiClient(issue_token(viewer) if viewer is not None else None)
    post, first, second = private_world["post"], private_world["first"], private_world["second"]
    for path in [
        "/api/v1/subwikis",
        "/api/v1/subwikis?q=Room",
        "/api/v1/members/keeper/posts",
    ]:
        response = api.get(path)
        assert response.status_code == 200, path
        assert_no_private_content(response)
    for path in [
        "/api/v1/subwikis/backroom",
        "/api/v1/subwikis/backroom/posts",
        f"/api/v1/posts/{post.pk}",
        f"/api/v1/posts/{post.pk}/revisions",
        f"/api/v1/posts/{post.pk}/revisions/{first}",
        f"/api/v1/posts/{post.pk}/diff?from={first}&to={second}",
    ]:
        response = api.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert response.json()["code"] == "not_found"
        assert_no_private_content(response)


def test_members_see_it_all(private_world):
    client = Client()
    client.force_login(private_world["owner"])
    post = private_world["post"]
    assert SECRET in client.get(f"/p/{post.pk}/").content.decode()
    assert SECRET in client.get("/changes/").content.decode()
    assert SECRET in client.get("/s/").content.decode()
