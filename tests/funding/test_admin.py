"""Staff's admin for funding: donations (read only, confirmed by an action), payments and
the provider's events (read only)."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from tests.factories import MemberFactory
from tribune.accounts.models import Access
from tribune.funding.models import Donation, DonationStatus, Provider, ProviderEvent
from tribune.funding.services import donation_confirm, donation_create

pytestmark = pytest.mark.django_db

DONATIONS = reverse("admin:funding_donation_changelist")


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def pledge(member, amount: str = "13.00", interval: str = "month") -> Donation:
    donation, _instructions = donation_create(
        member=member,
        amount=amount,
        currency="EUR",
        interval=interval,
        success_url="http://testserver/donate/?paid=1",
        cancel_url="http://testserver/donate/",
    )
    return donation


def at_checkout(member) -> Donation:
    """A Stripe donation, as the Stripe provider leaves it until its webhook arrives."""
    return Donation.objects.create(
        member=member,
        amount=Decimal(13),
        currency="EUR",
        interval="once",
        provider=Provider.STRIPE,
        checkout_session="cs_test_admin",
    )


def page(response) -> str:
    html: str = response.content.decode()
    return unescape(html)


def listed(response) -> list[str]:
    """The references in a donation list, in its order."""
    return re.findall(r'class="field-reference_code"><a [^>]*>(TRIBUNE-\d+)</a>', page(response))


def test_the_list_filters_by_status_provider_and_interval(admin_client, member):
    monthly, yearly = pledge(member), pledge(member, amount="100.00", interval="year")
    stripe = at_checkout(member)
    donation_confirm(actor=None, donation_id=monthly.pk)

    assert listed(admin_client.get(DONATIONS)) == [
        stripe.reference,
        yearly.reference,
        monthly.reference,
    ]
    assert listed(admin_client.get(DONATIONS + "?status__exact=pending")) == [
        stripe.reference,
        yearly.reference,
    ]
    assert listed(admin_client.get(DONATIONS + "?provider__exact=stripe")) == [stripe.reference]
    assert listed(admin_client.get(DONATIONS + "?interval__exact=year")) == [yearly.reference]


def test_the_list_finds_a_donation_by_reference_or_member(admin_client):
    ada = MemberFactory.create(username="ada", email="ada@example.org")
    grace = MemberFactory.create(username="grace")
    mine, theirs = pledge(ada), pledge(grace)
    donation_confirm(actor=None, donation_id=theirs.pk)

    for term in (
        theirs.reference,
        theirs.reference.lower(),
        str(theirs.pk),
        f"offline:{theirs.pk}",
    ):
        assert listed(admin_client.get(DONATIONS, {"q": term})) == [theirs.reference], term
    assert listed(admin_client.get(DONATIONS, {"q": "ada"})) == [mine.reference]
    assert listed(admin_client.get(DONATIONS, {"q": "TRIBUNE-999999"})) == []


def test_the_action_confirms_the_offline_ones_and_says_what_happened(
    admin_client, django_capture_on_commit_callbacks
):
    waiting = MemberFactory.create(access=Access.WAITLISTED)
    first, second = (
        pledge(waiting),
        pledge(MemberFactory.create(), amount="100.00", interval="year"),
    )
    already = pledge(MemberFactory.create())
    donation_confirm(actor=None, donation_id=already.pk)
    stripe = at_checkout(MemberFactory.create())
    selected = [first.pk, second.pk, already.pk, stripe.pk]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            DONATIONS,
            {"action": "confirm_selected", "_selected_action": selected},
            follow=True,
        )

    text = page(response)
    assert "Confirmed 2 donations: their members are supporters now." in text
    assert "1 donation was already confirmed; nothing changed for it." in text
    assert f"Not confirmed: {stripe.reference}: Only offline donations" in text
    statuses = dict(Donation.objects.values_list("pk", "status"))
    assert [statuses[pk] for pk in selected] == ["confirmed"] * 3 + ["pending"]
    waiting.refresh_from_db()
    assert waiting.access == Access.ADMITTED and waiting.is_supporter


def test_a_donation_opens_read_only_with_its_payments(admin_client, member):
    donation = pledge(member)
    donation_confirm(actor=None, donation_id=donation.pk)
    response = admin_client.get(reverse("admin:funding_donation_change", args=[donation.pk]))
    assert response.status_code == 200
    text = page(response)
    assert f"offline:{donation.pk}" in text  # the payment, inline
    assert f'href="/donate/{donation.pk}/"' in text
    assert 'name="amount"' not in text  # nothing to edit
    assert 'name="_save"' not in text


@pytest.mark.parametrize("model", ["donation", "payment", "providerevent"])
def test_money_and_events_are_never_added_changed_or_deleted_by_hand(admin_client, member, model):
    donation = pledge(member)
    donation_confirm(actor=None, donation_id=donation.pk)
    ProviderEvent.objects.create(provider=Provider.STRIPE, event_id="evt_1", kind="invoice.paid")
    assert admin_client.get(reverse(f"admin:funding_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:funding_{model}_add")).status_code == 403
    obj = {
        "donation": donation,
        "payment": donation.payments.get(),
        "providerevent": ProviderEvent.objects.get(),
    }[model]
    assert (
        admin_client.get(reverse(f"admin:funding_{model}_delete", args=[obj.pk])).status_code == 403
    )
    response = admin_client.post(reverse(f"admin:funding_{model}_change", args=[obj.pk]), {})
    assert response.status_code == 403
    donation.refresh_from_db()
    assert donation.status == DonationStatus.CONFIRMED


def test_members_who_are_not_staff_get_the_admin_log_in(client, member):
    client.force_login(member)
    response = client.get(DONATIONS)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
