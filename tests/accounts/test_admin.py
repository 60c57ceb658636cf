"""Staff's admin for access: the mode, admitting from the line, invitations."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import MemberFactory
from tribune.accounts.invitations import invitation_create
from tribune.accounts.models import Access, AccessMode, AccessSettings, Invitation, Member
from tribune.accounts.waitlist import (
    access_mode,
    member_email_verified,
    waitlist_in_order,
    waitlist_position,
)

pytestmark = pytest.mark.django_db

MEMBERS = reverse("admin:accounts_member_changelist")
ADMIT_NEXT = reverse("admin:accounts_member_admit_next")
SETTINGS_CHANGE = reverse("admin:accounts_accesssettings_change", args=[1])


@pytest.fixture(autouse=True)
def _waitlist_site(settings) -> None:
    settings.TRIBUNE_ACCESS_MODE = AccessMode.WAITLIST
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def in_line(count: int) -> list[Member]:
    members = [MemberFactory.create(access=Access.WAITLISTED) for _ in range(count)]
    for member in members:
        member_email_verified(member=member)
    return members


def places(members: list[Member]) -> list[int | None]:
    return [waitlist_position(Member.objects.get(pk=m.pk)) for m in members]


def fresh(member: Member) -> Member:
    return Member.objects.get(pk=member.pk)


# --- The access mode ----------------------------------------------------------------


def test_the_access_settings_list_opens_the_one_row(admin_client):
    response = admin_client.get(reverse("admin:accounts_accesssettings_changelist"))

    assert response.status_code == 302
    assert response["Location"] == SETTINGS_CHANGE
    page = admin_client.get(SETTINGS_CHANGE)
    assert page.status_code == 200
    assert "Changing the mode never moves anyone already waiting." in page.content.decode()


def test_the_one_row_can_be_neither_added_nor_deleted(admin_client):
    AccessSettings.objects.get_or_create(pk=1)

    assert admin_client.get(reverse("admin:accounts_accesssettings_add")).status_code == 403
    delete = reverse("admin:accounts_accesssettings_delete", args=[1])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert AccessSettings.objects.filter(pk=1).exists()


@pytest.mark.parametrize("mode", [AccessMode.OPEN, AccessMode.INVITE_ONLY, ""])
def test_changing_the_mode_takes_effect_at_once_and_moves_nobody(admin_client, mode):
    members = in_line(4)
    line_before = [m.pk for m in waitlist_in_order()]
    assert access_mode() == AccessMode.WAITLIST  # cached from here on

    response = admin_client.post(SETTINGS_CHANGE, {"mode": mode})

    assert response.status_code == 302
    assert access_mode() == (mode or AccessMode.WAITLIST)
    assert [m.pk for m in waitlist_in_order()] == line_before
    assert places(members) == [1, 2, 3, 4]
    assert all(fresh(m).access == Access.WAITLISTED for m in members)


def test_after_the_mode_opens_the_next_to_confirm_is_admitted_and_the_line_stays(
    admin_client,
):
    members = in_line(2)
    admin_client.post(SETTINGS_CHANGE, {"mode": AccessMode.OPEN})

    newcomer = MemberFactory.create(access=Access.WAITLISTED)
    member_email_verified(member=newcomer)

    assert fresh(newcomer).access == Access.ADMITTED
    assert places(members) == [1, 2]


# --- Admitting ------------------------------------------------------------------------


def test_the_action_admits_the_selected_waitlisted_members_only(
    admin_client, member, django_capture_on_commit_callbacks
):
    first, second, third = in_line(3)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            MEMBERS,
            {"action": "admit_selected", "_selected_action": [second.pk, member.pk]},
            follow=True,
        )

    assert "Admitted 1 member." in response.content.decode()
    assert fresh(second).access == Access.ADMITTED
    assert fresh(member).access == Access.ADMITTED
    assert places([first, third]) == [1, 2]
    assert [m.to for m in mail.outbox] == [[second.email]]


def test_the_action_says_when_nobody_selected_was_waitlisted(admin_client, member):
    response = admin_client.post(
        MEMBERS, {"action": "admit_selected", "_selected_action": [member.pk]}, follow=True
    )

    assert "None of the selected members was waitlisted." in response.content.decode()


def test_the_member_list_links_to_admitting_the_next(admin_client):
    assert f'href="{ADMIT_NEXT}"' in admin_client.get(MEMBERS).content.decode()


def test_the_admit_next_page_shows_the_line(admin_client):
    members = in_line(3)

    html = admin_client.get(ADMIT_NEXT).content.decode()

    assert "3 members are waiting in line." in html
    listed = re.findall(r"<li>(\S+) &lt;", html)
    assert listed == [m.username for m in members]


def test_admitting_the_next_n_admits_the_front_of_the_line(
    admin_client, django_capture_on_commit_callbacks
):
    first, second, third = in_line(3)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADMIT_NEXT, {"count": "2"})

    assert response.status_code == 302
    assert response["Location"] == MEMBERS
    assert [fresh(m).access for m in (first, second, third)] == [
        Access.ADMITTED,
        Access.ADMITTED,
        Access.WAITLISTED,
    ]
    assert places([third]) == [1]
    assert len(mail.outbox) == 2
    shown = admin_client.get(MEMBERS).content.decode()
    assert f"Admitted 2 members: {first.username}, {second.username}." in shown


@pytest.mark.parametrize("count", ["0", "-1", "lots", ""])
def test_a_bad_count_is_refused_on_the_form(admin_client, count):
    (member,) = in_line(1)

    response = admin_client.post(ADMIT_NEXT, {"count": count})

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert fresh(member).access == Access.WAITLISTED


def test_admitting_with_nobody_in_line_says_so(admin_client):
    response = admin_client.post(ADMIT_NEXT, {"count": "5"}, follow=True)

    assert "Nobody is waiting in line." in response.content.decode()


def test_the_line_filter_lists_members_in_line_in_order_with_their_place(admin_client, member):
    members = in_line(3)
    # Move the last to the front, so that the order is not the order of sign-up.
    Member.objects.filter(pk=members[2].pk).update(waitlist_key=0)

    html = admin_client.get(f"{MEMBERS}?line=waiting").content.decode()

    listed = re.findall(r'<th class="field-username"><a href="[^"]+">([^<]+)</a>', html)
    assert listed == [members[2].username, members[0].username, members[1].username]
    places_shown = re.findall(r'<td class="field-place_in_line">(\d+)</td>', html)
    assert places_shown == ["1", "2", "3"]
    assert member.username not in listed


# --- Editing a member --------------------------------------------------------------------


def change_data(member: Member, **overrides: str) -> dict[str, str]:
    data = {
        "username": member.username,
        "display_name": member.display_name,
        "email": member.email,
        "bio": "",
        "time_zone": "",
        "access": member.access,
        "trust_level": "0",
        "show_supporter_badge": "on",
        "is_active": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00",
        "created_at_0": "2024-01-01",
        "created_at_1": "00:00:00",
    }
    data.update(overrides)
    return data


def test_admitting_through_the_change_form_takes_the_member_out_of_line(admin_client):
    first, second, third = in_line(3)
    url = reverse("admin:accounts_member_change", args=[second.pk])

    response = admin_client.post(url, change_data(second, access=Access.ADMITTED))

    assert response.status_code == 302, response.content.decode()[:2000]
    second = fresh(second)
    assert (second.access, second.waitlist_key) == (Access.ADMITTED, None)
    assert second.admitted_at is not None
    assert places([first, third]) == [1, 2]


def test_saving_a_member_never_puts_back_an_old_place_in_line(admin_client):
    first, second = in_line(2)
    url = reverse("admin:accounts_member_change", args=[second.pk])
    form_page = admin_client.get(url)
    assert form_page.status_code == 200
    # Meanwhile the member moves to the front (an invited friend confirmed).
    Member.objects.filter(pk=second.pk).update(waitlist_key=0)

    admin_client.post(url, change_data(second, display_name="Renamed"))

    assert fresh(second).display_name == "Renamed"
    assert places([second, first]) == [1, 2]


# --- Invitations ------------------------------------------------------------------------------


def test_invitations_are_listed_with_their_state_and_cannot_be_added(admin_client, member):
    invitation = invitation_create(actor=member)

    html = admin_client.get(reverse("admin:accounts_invitation_changelist")).content.decode()

    assert invitation.code in html
    assert '<td class="field-state">Open</td>' in html
    assert admin_client.get(reverse("admin:accounts_invitation_add")).status_code == 403
    change = admin_client.get(reverse("admin:accounts_invitation_change", args=[invitation.pk]))
    assert change.status_code == 200
    assert Invitation.objects.count() == 1
