"""The invitations page: making an invitation, the allowance, and the list of one's own."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.accounts.test_signup import main_text
from tests.factories import MemberFactory
from tribune.accounts.invitations import invitation_create, invitation_redeem
from tribune.accounts.models import Access, AccessMode, Invitation, Member
from tribune.accounts.waitlist import member_email_verified

pytestmark = pytest.mark.django_db

INVITES = reverse("accounts:invitations")


def words(response) -> str:
    return re.sub(r" ([:.,])", r"\1", main_text(response))


def codes_listed(response) -> list[str]:
    return re.findall(r'<span class="monospace">([^<]+)</span>', response.content.decode())


def test_visitors_are_sent_to_log_in(client):
    for response in [client.get(INVITES), client.post(INVITES)]:
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={INVITES}"
    assert not Invitation.objects.exists()


def test_a_member_without_invitations_is_told_how_many_they_may_make(client, member, settings):
    settings.TRIBUNE_INVITES_PER_MONTH = 10
    client.force_login(member)

    text = words(client.get(INVITES))

    assert "You have not made any invitations yet." in text
    assert "You can make 10 more invitations this month." in text
    assert "is in as soon as they confirm their e-mail address" in text


def test_making_an_invitation_shows_its_address_to_copy(client, member, settings):
    settings.TRIBUNE_INVITES_PER_MONTH = 10
    client.force_login(member)

    response = client.post(INVITES)

    invitation = Invitation.objects.get(inviter=member)
    assert response.status_code == 302
    assert response["Location"] == f"{INVITES}#invitation-{invitation.pk}"
    page = client.get(INVITES)
    html = page.content.decode()
    url = f"http://testserver/accounts/signup/?invite={invitation.code}"
    field = re.search(rf'<input[^>]+id="invitation-url-{invitation.pk}"[^>]*>', html)
    assert field is not None
    assert f'value="{url}"' in field.group(0) and "readonly" in field.group(0)
    assert f'<label for="invitation-url-{invitation.pk}">' in html
    text = words(page)
    assert "Invitation made. Copy its address below and send it to a friend." in text
    assert "Open until" in text
    assert "You can make 9 more invitations this month." in text


def test_a_waitlisted_member_may_invite_and_is_told_it_moves_them_up(client, settings):
    settings.TRIBUNE_ACCESS_MODE = AccessMode.WAITLIST
    settings.TRIBUNE_WAITLIST_INVITE_PLACES = 100
    member = MemberFactory.create(access=Access.WAITLISTED)
    member_email_verified(member=member)
    client.force_login(member)

    assert client.post(INVITES).status_code == 302

    text = words(client.get(INVITES))
    assert "moves you up 100 places in line" in text
    assert Invitation.objects.filter(inviter=member).count() == 1


def test_a_suspended_member_is_refused_clearly(client, suspended):
    client.force_login(suspended)

    for response in [client.get(INVITES), client.post(INVITES)]:
        assert response.status_code == 403
        assert "A suspended account cannot make invitations." in words(response)
    assert not Invitation.objects.exists()


def test_past_the_allowance_the_refusal_says_when_the_next_one_is_possible(
    client, member, settings
):
    settings.TRIBUNE_INVITES_PER_MONTH = 2
    client.force_login(member)
    client.post(INVITES)
    client.post(INVITES)

    response = client.post(INVITES)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    text = words(response)
    assert "You have made 2 invitations in the last 30 days, the most allowed." in text
    assert "You have made all the invitations allowed this month." in text
    assert Invitation.objects.filter(inviter=member).count() == 2
    assert len(codes_listed(response)) == 2


def test_each_invitation_says_its_state_and_who_used_it(client, member, settings):
    settings.TRIBUNE_INVITES_PER_MONTH = 10
    settings.TRIBUNE_ACCESS_MODE = AccessMode.WAITLIST
    expired = invitation_create(actor=member)
    Invitation.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    used = invitation_create(actor=member)
    signed_up = MemberFactory.create(access=Access.WAITLISTED, display_name="Grace Hopper")
    invitation_redeem(code=used.code, member=signed_up)
    accepted = invitation_create(actor=member)
    confirmed = MemberFactory.create(access=Access.WAITLISTED, display_name="Alan Turing")
    invitation_redeem(code=accepted.code, member=confirmed)
    member_email_verified(member=confirmed)
    still_open = invitation_create(actor=member)
    client.force_login(member)

    response = client.get(INVITES)

    html = response.content.decode()

    def row(invitation: Invitation) -> str:
        start = html.index(f'id="invitation-{invitation.pk}"')
        return re.sub(r"<[^>]+>", " ", html[start : html.index("</li>", start)])

    assert "Open" in row(still_open) and "Open until" in row(still_open)
    assert "Expired" in row(expired) and "without being used" in row(expired)
    assert "Used" in row(used)
    assert "Grace Hopper" in row(used) and "has not confirmed" in row(used)
    assert "Accepted" in row(accepted)
    assert "Alan Turing" in row(accepted) and "confirmed their e-mail address on" in row(accepted)
    assert f'href="{confirmed.get_absolute_url()}"' in html
    # Only an open invitation has an address to copy.
    assert html.count('id="invitation-url-') == 1
    assert codes_listed(response) == [still_open.code, accepted.code, used.code, expired.code]


def make_invitations(member: Member, count: int) -> list[Invitation]:
    """`count` invitations a minute apart, oldest first."""
    start = timezone.now() - dt.timedelta(days=1)
    return [
        Invitation.objects.create(
            code=f"code-{member.pk}-{i}",
            inviter=member,
            created_at=start + dt.timedelta(minutes=i),
            expires_at=start + dt.timedelta(days=14),
        )
        for i in range(count)
    ]


def test_the_list_is_newest_first_and_loads_more(client, member):
    made = make_invitations(member, 25)
    newest_first = [i.code for i in reversed(made)]
    client.force_login(member)

    first = client.get(INVITES)
    assert codes_listed(first) == newest_first[:20]
    more = re.search(r'<a class="button button-secondary" href="([^"]+)"', first.content.decode())
    assert more is not None and "Show more invitations" in first.content.decode()

    second = client.get(more.group(1).replace("&amp;", "&"))
    assert codes_listed(second) == newest_first[20:]
    assert "Back to the newest" in words(second)

    fragment = client.get(more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert codes_listed(fragment) == newest_first[20:]
    assert "<html" not in fragment.content.decode()


def test_a_damaged_cursor_says_so_and_shows_the_first_page(client, member):
    made = make_invitations(member, 3)
    client.force_login(member)

    response = client.get(f"{INVITES}?cursor=not-a-cursor")

    assert response.status_code == 400  # as every list says it, with the first page
    assert "This cursor is not valid." in words(response)
    assert codes_listed(response) == [i.code for i in reversed(made)]


def test_nobody_sees_anyone_elses_invitations(client, member, other_member):
    make_invitations(other_member, 2)
    client.force_login(member)

    assert codes_listed(client.get(INVITES)) == []


@pytest.mark.parametrize("count", [3, 40])
def test_the_list_costs_the_same_few_queries_however_long(
    client, member, count, django_assert_max_num_queries
):
    made = make_invitations(member, count)
    friends = MemberFactory.create_batch(2)
    for invitation, friend in zip(made, friends, strict=False):
        Invitation.objects.filter(pk=invitation.pk).update(used_by=friend, used_at=timezone.now())
    client.force_login(member)

    # Session and member, the page of invitations (with who used them), the allowance.
    with django_assert_max_num_queries(5):
        response = client.get(INVITES)
    assert response.status_code == 200
