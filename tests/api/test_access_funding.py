"""Access and funding through the API (API.md): me, invites, the funding goal, donations.

What a client sees: a waitlisted member's place and what their token reaches,
invitations and their allowance, the public goal's numbers once a donation is
confirmed, and every wrong amount, currency and interval refused with a reason.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.factories import MemberFactory

# The local stand-in for Stripe's API (Stripe's own tests use it too).
from tribune.accounts.invitations import invitation_redeem
from tribune.accounts.models import Access, Invitation, Member
from tribune.accounts.waitlist import member_email_verified
from tribune.funding.models import Donation, Payment
from tribune.funding.services import donation_confirm

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
INVITES = "/api/v1/invites"
FUNDING = "/api/v1/funding"
DONATIONS = "/api/v1/donations"


def in_line(count: int, settings) -> list[Member]:
    """`count` members who confirmed their e-mail under the waitlist mode, first first."""
    settings.TRIBUNE_ACCESS_MODE = "waitlist"
    members = [MemberFactory.create(access=Access.WAITLISTED) for _ in range(count)]
    return [member_email_verified(member=m) for m in members]


def donate(client, amount: object = "13.00", currency: str = "EUR", interval: str = "once"):
    return client.post(DONATIONS, {"amount": amount, "currency": currency, "interval": interval})


def post_raw(client, path: str, body: str):
    """A body sent exactly as written: numbers no JSON encoder in Python would write."""
    return client.generic("POST", path, body, content_type="application/json")


def confirmed(donation_id: str, django_capture_on_commit_callbacks) -> Donation:
    """Staff confirm an offline donation; its commit hooks run (the goal's cache is cleared)."""
    with django_capture_on_commit_callbacks(execute=True):
        donation, newly = donation_confirm(actor=None, donation_id=int(donation_id))
    assert newly
    return donation


# --- me -------------------------------------------------------------------------------


def test_me_tells_a_waitlisted_member_their_place_in_line(api_client, settings):
    first, second = in_line(2, settings)
    body = api_client(second).get(ME).json()
    assert (body["access"], body["waitlist_position"]) == ("waitlisted", 2)
    assert api_client(first).get(ME).json()["waitlist_position"] == 1


def test_me_of_an_admitted_member_has_no_place_in_line(api_client, member):
    body = api_client(member).get(ME).json()
    assert body["access"] == "admitted"
    assert body["waitlist_position"] is None
    assert body["supporter"] is False
    assert body["supporter_until"] is None
    assert body["invitations_left"] == 10


def test_a_supporter_is_one_on_me_and_on_their_profile_unless_they_hide_the_badge(
    api_client, member, other_member, django_capture_on_commit_callbacks
):
    client = api_client(member)
    confirmed(donate(client, interval="month").json()["id"], django_capture_on_commit_callbacks)

    me = client.get(ME).json()
    assert me["supporter"] is True
    assert dt.datetime.fromisoformat(me["supporter_until"]) > timezone.now()
    profile = f"/api/v1/members/{member.username}"
    assert api_client(other_member).get(profile).json()["supporter"] is True

    Member.objects.filter(pk=member.pk).update(show_supporter_badge=False)
    assert api_client(other_member).get(profile).json()["supporter"] is False
    assert client.get(ME).json()["supporter"] is True  # they still know


# --- What a waitlisted token reaches ---------------------------------------------------


def test_a_waitlisted_token_reaches_me_invites_and_donations_and_nothing_else(
    api_client, waitlisted
):
    client = api_client(waitlisted)
    assert client.get(ME).status_code == 200
    assert client.post(INVITES).status_code == 201
    assert client.get(INVITES).status_code == 200
    assert donate(client).status_code == 201
    assert client.get(DONATIONS).status_code == 200
    assert client.get(FUNDING).status_code == 200

    refused = client.post("/api/v1/posts", {"subwiki": None, "kind": "text", "body": "Hi."})
    assert (refused.status_code, refused.json()["code"]) == (403, "waitlisted")
    assert "waitlist" in refused.json()["detail"]
    assert client.get("/api/v1/feed/all").json()["code"] == "waitlisted"


# --- Invitations ------------------------------------------------------------------------


def test_an_invitation_has_a_code_and_a_sign_up_address_that_fills_it_in(api_client, member):
    response = api_client(member).post(INVITES)
    assert response.status_code == 201
    body = response.json()
    url = urlsplit(body["url"])
    assert (url.scheme, url.netloc, url.path) == ("http", "testserver", "/accounts/signup/")
    assert url.query == f"invite={body['code']}"
    assert body["state"] == "open"
    assert body["used_by"] is None
    made = dt.datetime.fromisoformat(body["created_at"])
    assert dt.datetime.fromisoformat(body["expires_at"]) - made == dt.timedelta(days=14)
    assert Invitation.objects.get(code=body["code"]).inviter == member


def test_my_invitations_newest_first_with_their_state_and_who_used_them(
    api_client, member, other_member
):
    client = api_client(member)
    codes = [client.post(INVITES).json()["code"] for _ in range(3)]
    friend = MemberFactory.create(access=Access.WAITLISTED)
    invitation_redeem(code=codes[0], member=friend)
    Invitation.objects.filter(code=codes[1]).update(expires_at=timezone.now())
    client_of_someone_else = api_client(other_member)
    client_of_someone_else.post(INVITES)  # not mine: not listed

    items = client.get(INVITES).json()["items"]
    assert [i["code"] for i in items] == codes[::-1]
    assert [i["state"] for i in items] == ["open", "expired", "used"]
    assert [i["used_by"] for i in items] == [None, None, friend.username]

    member_email_verified(member=friend)  # the friend confirms their e-mail
    assert client.get(INVITES).json()["items"][-1]["state"] == "accepted"


def test_invitations_past_the_monthly_allowance_answer_429_with_retry_after(
    api_client, member, settings
):
    settings.TRIBUNE_INVITES_PER_MONTH = 2
    client = api_client(member)
    assert [client.post(INVITES).status_code for _ in range(2)] == [201, 201]

    refused = client.post(INVITES)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert "30 days" in refused.json()["detail"]
    wait = int(refused["Retry-After"])
    assert dt.timedelta(days=29) < dt.timedelta(seconds=wait) <= dt.timedelta(days=30)
    assert Invitation.objects.filter(inviter=member).count() == 2
    assert client.get(ME).json()["invitations_left"] == 0


def test_visitors_and_suspended_members_make_no_invitations(api_client, suspended):
    for client in (api_client(None), api_client(suspended)):
        for response in (client.post(INVITES), client.get(INVITES)):
            assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    assert not Invitation.objects.exists()


def test_listing_invitations_pages_with_a_cursor_in_bounded_queries(
    api_client, member, django_assert_max_num_queries
):
    client = api_client(member)
    for _ in range(5):
        client.post(INVITES)
    for invitation in Invitation.objects.filter(inviter=member)[:3]:
        invitation_redeem(code=invitation.code, member=MemberFactory.create())

    with django_assert_max_num_queries(4):
        first = client.get(INVITES, {"limit": 3}).json()
    second = client.get(INVITES, {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2
    assert second["next_cursor"] is None
    assert {i["code"] for i in first["items"] + second["items"]} == set(
        Invitation.objects.values_list("code", flat=True)
    )


# --- The funding goal --------------------------------------------------------------------


def test_funding_is_public_and_counts_a_donation_once_staff_confirm_it(
    api_client, member, waitlisted, settings, django_capture_on_commit_callbacks
):
    settings.TRIBUNE_FUNDING_GOAL = Decimal("2000.00")
    visitor = api_client(None)
    before = visitor.get(FUNDING)
    assert before.status_code == 200
    assert {k: before.json()[k] for k in ("goal", "raised", "currency", "supporters")} == {
        "goal": "2000.00",
        "raised": "0.00",
        "currency": "EUR",
        "supporters": 0,
    }
    assert before.json()["percent"] == 0

    pledged = donate(api_client(member), amount="500.50", interval="year").json()
    donate(api_client(member), amount="100.00", currency="USD")  # pledged, never confirmed
    assert visitor.get(FUNDING).json()["raised"] == "0.00"  # a pledge is not money

    confirmed(pledged["id"], django_capture_on_commit_callbacks)
    after = visitor.get(FUNDING).json()
    assert (after["raised"], after["supporters"], after["percent"]) == ("500.50", 1, 25)
    start = dt.datetime.fromisoformat(after["period_start"])
    end = dt.datetime.fromisoformat(after["period_end"])
    assert start <= timezone.now() < end
    # Any token, or a broken one, reads the same public numbers.
    assert api_client(waitlisted).get(FUNDING).json() == after
    broken = visitor.get(FUNDING, headers={"Authorization": "Bearer nonsense"})
    assert broken.json() == after


# --- Donations ---------------------------------------------------------------------------


@pytest.mark.parametrize("interval", ["once", "month", "year"])
def test_a_donation_of_every_interval_through_the_offline_provider(
    api_client, member, interval, django_capture_on_commit_callbacks
):
    client = api_client(member)
    response = donate(client, amount="13", currency="eur", interval=interval)
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["amount"], body["currency"], body["interval"]) == (
        "pending",
        "13.00",
        "EUR",
        interval,
    )
    assert body["checkout_url"] is None
    assert f"TRIBUNE-{body['id']}" in body["instructions"]
    assert body["reference"] == f"TRIBUNE-{body['id']}"
    assert client.get(ME).json()["supporter"] is False

    confirmed(body["id"], django_capture_on_commit_callbacks)
    shown = client.get(f"{DONATIONS}/{body['id']}").json()
    assert shown["status"] == "confirmed"
    assert shown["confirmed_at"] is not None
    assert client.get(ME).json()["supporter"] is True


def test_a_waitlisted_member_who_donates_is_admitted_once_staff_confirm(
    api_client, settings, django_capture_on_commit_callbacks
):
    _ahead, waiting = in_line(2, settings)
    client = api_client(waiting)
    assert client.get(ME).json()["waitlist_position"] == 2
    pledged = donate(client, interval="month").json()
    assert client.get(ME).json()["access"] == "waitlisted"  # a pledge admits nobody

    confirmed(pledged["id"], django_capture_on_commit_callbacks)
    me = client.get(ME).json()
    assert (me["access"], me["waitlist_position"], me["supporter"]) == ("admitted", None, True)
    assert client.post("/api/v1/subwikis", {"name": "Ours", "slug": "ours"}).status_code == 201


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("13.5", "13.50"),
        (13, "13.00"),
        (13.5, "13.50"),
        ("  100.00 ", "100.00"),
    ],
)
def test_amounts_as_strings_or_numbers(api_client, member, amount, reason):
    response = donate(api_client(member), amount=amount)
    assert response.status_code == 201
    assert response.json()["amount"] == reason


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (0, "Give from 1.00 to 10000.00 EUR."),
        ("0", "Give from 1.00 to 10000.00 EUR."),
        (-1, "Give from 1.00 to 10000.00 EUR."),
        ("0.99", "Give from 1.00 to 10000.00 EUR."),
        ("10000.01", "Give from 1.00 to 10000.00 EUR."),
        ("1e9", "Give from 1.00 to 10000.00 EUR."),
        ("9" * 200, "Give from 1.00 to 10000.00 EUR."),
        ("abc", "Enter the amount as a number, such as 13.00."),
        ("", "Enter the amount as a number, such as 13.00."),
        ("NaN", "Enter the amount as a number, such as 13.00."),
        ("Infinity", "Enter the amount as a number, such as 13.00."),
        ("13,00", "Enter the amount as a number, such as 13.00."),
        (None, "Enter the amount as a number, such as 13.00."),
        (True, "Enter the amount as a number, such as 13.00."),
        ([13], "Enter the amount as a number, such as 13.00."),
        ("1.234", "An amount has at most two decimal places."),
        (1.234, "An amount has at most two decimal places."),
    ],
)
def test_a_wrong_amount_is_refused_with_its_reason(api_client, member, amount, reason):
    response = donate(api_client(member), amount=amount)
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["detail"]) == ("invalid_amount", reason)
    assert list(body["errors"]) == ["amount"]
    assert not Donation.objects.exists()


@pytest.mark.parametrize(
    "amount",
    [
        "NaN",  # Python's JSON reader takes these, though JSON has no such numbers
        "Infinity",
        "-Infinity",
        "1e400",  # past a float's range
        "13.0000000000000001",  # a float would round this to 13.0
        "1" + "0" * 30,
    ],
)
def test_numbers_no_float_holds_are_refused_not_rounded(api_client, member, amount):
    body = f'{{"amount": {amount}, "currency": "EUR", "interval": "once"}}'
    response = post_raw(api_client(member), DONATIONS, body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_amount"
    assert not Donation.objects.exists()


def test_a_number_too_long_to_read_is_a_clear_400(api_client, member):
    body = '{"amount": ' + "9" * 5000 + ', "currency": "EUR", "interval": "once"}'
    response = post_raw(api_client(member), DONATIONS, body)
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid_amount", "malformed_body"}


@pytest.mark.parametrize("currency", ["XYZ", "", "eu", "EURO", 978, None])
def test_a_wrong_currency_is_refused_with_its_reason(api_client, member, currency):
    response = donate(api_client(member), currency=currency)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_currency"
    assert body["detail"] == "Choose one of the currencies offered: EUR, USD."
    assert list(body["errors"]) == ["currency"]


@pytest.mark.parametrize("interval", ["weekly", "", "ONCE", None])
def test_a_wrong_interval_is_refused_with_its_reason(api_client, member, interval):
    response = donate(api_client(member), interval=interval)
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["errors"]) == (
        "invalid_interval",
        {"interval": ["Choose once, month or year."]},
    )


def test_every_wrong_field_is_named_at_once(api_client, member):
    response = donate(api_client(member), amount="abc", interval="weekly")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"amount", "interval"}


def test_the_interval_defaults_to_once_and_missing_fields_are_named(api_client, member):
    client = api_client(member)
    made = client.post(DONATIONS, {"amount": "13.00", "currency": "USD"})
    assert (made.status_code, made.json()["interval"]) == (201, "once")
    missing = client.post(DONATIONS, {})
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"amount", "currency"}


@pytest.mark.usefixtures("stripe_api")
@pytest.mark.parametrize("interval", ["once", "month", "year"])
def test_with_stripe_a_donation_answers_the_checkout_page_to_pay_on(api_client, member, interval):
    client = api_client(member)
    response = donate(client, interval=interval)
    assert response.status_code == 201
    body = response.json()
    assert body["checkout_url"].startswith("https://checkout.stripe.com/")
    assert (body["instructions"], body["status"], body["provider"]) == (None, "pending", "stripe")
    assert client.get(f"{DONATIONS}/{body['id']}").json()["checkout_url"] == body["checkout_url"]


def test_stripe_sends_the_member_back_to_the_donate_page(api_client, member, request):
    stripe = request.getfixturevalue("stripe_api")
    donate(api_client(member))
    form = stripe.form()
    assert form["success_url"] == "http://testserver/donate/?paid=1"
    assert form["cancel_url"] == "http://testserver/donate/"


def test_an_unreachable_payment_provider_is_a_502_and_charges_nothing(api_client, member, settings):
    settings.TRIBUNE_PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_unreachable"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    response = donate(api_client(member))
    assert response.status_code == 502
    assert response.json()["code"] == "payment_provider_unavailable"
    assert not Payment.objects.exists()
    assert Donation.objects.get().status == "cancelled"


def test_visitors_and_suspended_members_may_not_donate(api_client, suspended):
    for client in (api_client(None), api_client(suspended)):
        assert donate(client).status_code == 401
        assert client.get(DONATIONS).status_code == 401
    assert not Donation.objects.exists()


def test_a_donation_is_seen_by_its_member_only(api_client, member, other_member):
    made = donate(api_client(member)).json()
    path = f"{DONATIONS}/{made['id']}"
    assert api_client(member).get(path).json() == {**made, "instructions": None}
    hidden = api_client(other_member).get(path)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found")
    assert api_client(other_member).get(DONATIONS).json()["items"] == []
    for missing in ("999999", "abc", "9" * 40, "-1"):
        assert api_client(member).get(f"{DONATIONS}/{missing}").status_code == 404


def test_listing_donations_newest_first_in_bounded_queries(
    api_client, member, django_assert_max_num_queries
):
    client = api_client(member)
    ids = [donate(client, amount=f"{n}.00").json()["id"] for n in range(13, 18)]
    with django_assert_max_num_queries(4):
        first = client.get(DONATIONS, {"limit": 3}).json()
    second = client.get(DONATIONS, {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [d["id"] for d in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None
    assert [d["amount"] for d in first["items"]] == ["17.00", "16.00", "15.00"]


@pytest.mark.parametrize("body", ['"13.00"', "[]", "null", "{not json", ""])
def test_a_donation_body_that_is_no_json_object_is_a_clear_400(api_client, member, body):
    response = post_raw(api_client(member), DONATIONS, body)
    assert response.status_code == 400
    assert set(json.loads(response.content)) >= {"detail", "code"}
    assert not Donation.objects.exists()


@pytest.mark.parametrize("path", [INVITES, DONATIONS])
@pytest.mark.parametrize("limit", ["", "0", "101", "many"])
def test_a_wrong_page_size_is_a_clear_400(api_client, member, path, limit):
    response = api_client(member).get(path, {"limit": limit})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_limit")
