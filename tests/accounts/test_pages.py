"""The pages a member sees: home, profile, settings, and the account pages in the site's shell."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


class PageParts(HTMLParser):
    """The parts of a page that accessibility and the Content-Security-Policy care about."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_targets: set[str] = set()
        self.landmarks: list[str] = []
        self.inline_scripts = 0
        self.style_attributes = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "style" in found:
            self.style_attributes += 1
        if tag in {"header", "nav", "main", "footer"}:
            self.landmarks.append(tag)
        if tag == "label" and found.get("for"):
            self.label_targets.add(str(found["for"]))
        if tag in {"input", "select", "textarea"} and found.get("type") not in {"hidden", "submit"}:
            self.controls.append(found)
        if tag == "script" and "src" not in found and found.get("type") != "application/json":
            self.inline_scripts += 1

    @property
    def unlabelled(self) -> list[dict[str, str | None]]:
        return [
            c
            for c in self.controls
            if c.get("id") not in self.label_targets and not c.get("aria-label")
        ]


def test_home_page_names_tribune_and_links_to_sign_up(client):
    html = client.get("/").content.decode()

    assert "<h1" in html
    assert "Welcome to Tribune" in html
    assert 'href="/accounts/signup/"' in html


def test_profile_shows_name_handle_and_bio(client):
    MemberFactory.create(username="grace", display_name="Grace Hopper", bio="Admiral.\nDebugger.")

    response = client.get("/u/grace/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Grace Hopper" in html
    assert "@grace" in html
    assert "Admiral.<br>Debugger." in html


def test_profile_escapes_what_members_write(client):
    MemberFactory.create(
        username="mallory", display_name="<b>Mallory</b>", bio="<script>x()</script>"
    )

    html = client.get("/u/mallory/").content.decode()

    assert "<script>x()" not in html
    assert "&lt;script&gt;x()" in html
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in html


@pytest.mark.parametrize("username", ["nobody", "gone"])
def test_profile_of_unknown_or_deactivated_member_is_404(client, username):
    MemberFactory.create(username="gone", is_active=False)

    response = client.get(f"/u/{username}/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_profiles_need_an_account_when_public_reading_is_off(client, settings, member):
    settings.TRIBUNE_PUBLIC_READ = False
    MemberFactory.create(username="grace")

    assert client.get("/u/grace/").status_code == 404
    client.force_login(member)
    assert client.get("/u/grace/").status_code == 200


def test_settings_requires_logging_in(client):
    response = client.get("/settings/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/settings/"


def test_settings_shows_the_profile_form_and_links_to_account_security(client, member):
    client.force_login(member)

    html = client.get("/settings/").content.decode()

    assert f'value="{member.display_name}"' in html
    for label in ["Name", "Bio", "Time zone"]:
        assert f">{label}" in html
    assert f'href="{reverse("account_email")}"' in html
    assert f'href="{reverse("account_change_password")}"' in html
    assert f'href="{reverse("mfa_index")}"' in html


def test_saving_the_profile_updates_it_everywhere(client, member):
    client.force_login(member)

    response = client.post(
        "/settings/",
        {
            "display_name": "  Ada King ",
            "bio": "Wrote the first program.",
            "time_zone": "Europe/London",
        },
        follow=True,
    )

    assert response.redirect_chain == [("/settings/", 302)]
    assert "Your profile has been saved." in response.content.decode()
    member.refresh_from_db()
    assert (member.display_name, member.bio, member.time_zone) == (
        "Ada King",
        "Wrote the first program.",
        "Europe/London",
    )
    profile = client.get(f"/u/{member.username}/").content.decode()
    assert "Ada King" in profile
    assert "Wrote the first program." in profile


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"display_name": "   ", "bio": "Kept", "time_zone": ""}, "Name: This field is required."),
        ({"display_name": "Ada", "bio": "Kept", "time_zone": "Mars/Olympus"}, "Time zone:"),
    ],
    ids=["blank-name", "unknown-time-zone"],
)
def test_a_refused_profile_says_why_keeps_the_text_and_saves_nothing(client, member, data, error):
    client.force_login(member)
    name_before = member.display_name

    response = client.post("/settings/", data)

    html = response.content.decode()
    assert response.status_code == 200
    assert error in html
    assert "Kept</textarea>" in html
    member.refresh_from_db()
    assert (member.display_name, member.bio) == (name_before, "")


def test_a_member_cannot_edit_another_members_profile(client, member, other_member):
    before = (other_member.display_name, other_member.bio)
    client.force_login(member)

    # The settings page only ever edits whoever is logged in.
    client.post("/settings/", {"display_name": "Hijacked", "bio": "Hijacked", "time_zone": ""})

    other_member.refresh_from_db()
    assert (other_member.display_name, other_member.bio) == before
    member.refresh_from_db()
    assert member.display_name == "Hijacked"
    their_profile = client.get(f"/u/{other_member.username}/").content.decode()
    assert "Edit your profile" not in their_profile
    own_profile = client.get(f"/u/{member.username}/").content.decode()
    assert "Edit your profile" in own_profile


def test_a_suspended_member_cannot_change_their_profile(client, suspended):
    client.force_login(suspended)
    name_before = suspended.display_name

    response = client.post("/settings/", {"display_name": "New", "bio": "", "time_zone": ""})

    assert response.status_code == 403
    assert "You may not do this." in response.content.decode()
    suspended.refresh_from_db()
    assert suspended.display_name == name_before


ANONYMOUS_PAGES = [
    "/",
    "/accounts/signup/",
    "/accounts/login/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/not-a-key/",
    "/u/grace/",
    "/u/nobody/",
]
MEMBER_PAGES = [
    "/settings/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/accounts/logout/",
]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES + MEMBER_PAGES)
def test_every_page_is_in_the_shell_with_labelled_fields_and_nothing_inline(client, path):
    grace = MemberFactory.create(username="grace")
    if path in MEMBER_PAGES:
        client.force_login(grace)

    response = client.get(path)

    assert response.status_code in {200, 404}
    parts = PageParts(response.content.decode())
    assert {"header", "nav", "main", "footer"} <= set(parts.landmarks)
    assert parts.unlabelled == []
    assert parts.inline_scripts == 0
    assert parts.style_attributes == 0
