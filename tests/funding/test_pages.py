"""The funding pages: giving at /donate/, one's donations, the public financials, the goal's
bar on the home page, and the supporter badge on profiles and in settings."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import MemberFactory
from tribune.accounts.models import Access
from tribune.funding.models import Donation, DonationStatus, Interval
from tribune.funding.periods import add_months
from tribune.funding.selectors import funding_summary
from tribune.funding.services import donation_confirm, donation_create, payment_record

pytestmark = pytest.mark.django_db

# The local stand-in for Stripe's API, and Tribune set up to use it.

DONATE = "/donate/"
MINE = "/donate/mine/"
FINANCIALS = "/financials/"


def text(response) -> str:
    html: str = response.content.decode()
    return unescape(html)


def words(response) -> str:
    """What a person reads: the text without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def give(client, **fields: str):
    """Send the donate form as a person fills it in: monthly, in EUR, the suggested 13."""
    data = {"interval": "month", "currency": "EUR", "amount": "13", "other_amount": ""}
    return client.post(DONATE, {**data, **fields})


def pledge(member, amount: str = "13.00", currency: str = "EUR", interval: str = "once"):
    donation, _instructions = donation_create(
        member=member,
        amount=amount,
        currency=currency,
        interval=interval,
        success_url="http://testserver/donate/?paid=1",
        cancel_url="http://testserver/donate/",
    )
    return donation


def confirm(donation, django_capture_on_commit_callbacks) -> Donation:
    """Staff confirm it; its commit hooks run, as after a real request (the cache clears)."""
    with django_capture_on_commit_callbacks(execute=True):
        confirmed, newly = donation_confirm(actor=None, donation_id=donation.pk)
    assert newly
    return confirmed


def value_of(html: str, name: str) -> str | None:
    """The value an <input name=...> is filled in with."""
    tag = re.search(rf"<input[^>]*\bname=\"{name}\"[^>]*>", html)
    assert tag is not None, f"no input {name}"
    found = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return found.group(1) if found else None


def checked(html: str, name: str) -> list[str]:
    """The values of the ticked radio buttons or checkboxes called `name`."""
    tags = re.findall(rf"<input[^>]*\bname=\"{name}\"[^>]*>", html)
    return [
        value.group(1) if (value := re.search(r'\bvalue="([^"]*)"', tag)) else "on"
        for tag in tags
        if " checked" in tag
    ]


# --- The donate page ------------------------------------------------------------------------


def test_visitors_read_why_and_how_to_give_and_are_asked_to_log_in(client):
    response = client.get(DONATE)
    assert response.status_code == 200
    page = text(response)
    assert "nothing is behind a paywall" in page
    assert "A place off the waitlist." in page
    assert "A supporter badge on your profile," in page
    assert "which you can hide in your settings" in page
    assert 'class="funding-progress"' in page
    assert 'href="/accounts/login/?next=/donate/"' in page
    assert 'name="amount"' not in page
    # Sending the form anyway leads to the log-in page, and back here after it.
    answer = client.post(DONATE, {"interval": "month", "currency": "EUR", "amount": "13"})
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/login/?next=/donate/"
    assert not Donation.objects.exists()


def test_the_form_offers_every_interval_currency_and_suggested_amount(client, member):
    client.force_login(member)
    page = text(client.get(DONATE))
    assert re.findall(r'name="interval" value="(\w+)"', page) == ["once", "month", "year"]
    assert re.findall(r'<option value="([A-Z]{3})"', page) == ["EUR", "USD"]
    assert re.findall(r'name="amount" value="(\w+)"', page) == ["13", "100", "other"]
    assert "13 (suggested for a month)" in page
    assert "100 (suggested for a year)" in page
    # Monthly, in the goal's currency, the suggested monthly amount, unless changed.
    assert checked(page, "interval") == ["month"]
    assert checked(page, "amount") == ["13"]
    assert '<option value="EUR" selected>' in page


def test_suggestions_that_differ_by_currency_say_where_they_apply(client, member, settings):
    settings.TRIBUNE_DONATION_AMOUNTS = {
        "EUR": (Decimal(13), Decimal(100)),
        "USD": (Decimal(15), Decimal(100)),
    }
    client.force_login(member)
    page = text(client.get(DONATE))
    assert "13 (suggested for a month in EUR)" in page
    assert "15 (suggested for a month in USD)" in page
    assert "100 (suggested for a year)" in page


@pytest.mark.parametrize(
    ("interval", "amount", "shown"),
    [("once", "100", "One time"), ("month", "13", "Monthly"), ("year", "100", "Yearly")],
)
def test_each_interval_pledges_through_the_offline_provider(
    client, member, interval, amount, shown
):
    client.force_login(member)
    response = give(client, interval=interval, amount=amount, currency="USD")
    donation = Donation.objects.get(member=member)
    assert response.status_code == 303
    assert response["Location"] == f"/donate/{donation.pk}/"
    assert (donation.interval, donation.amount, donation.currency) == (
        interval,
        Decimal(amount),
        "USD",
    )
    assert (donation.provider, donation.status) == ("offline", DonationStatus.PENDING)

    page = text(client.get(response["Location"]))
    assert "Thank you! Your pledge is recorded: here is how to pay it." in page
    assert "How to pay" in page
    assert "Pay by bank transfer" in page  # TRIBUNE_OFFLINE_INSTRUCTIONS
    assert f"TRIBUNE-{donation.pk}" in page
    assert f"{amount}\u00a0USD" in page
    assert shown in page
    assert "Pending" in page


def test_a_typed_amount_is_the_one_given(client, member):
    client.force_login(member)
    response = give(client, amount="other", other_amount=" 7.50 ", interval="once")
    assert response.status_code == 303
    assert Donation.objects.get(member=member).amount == Decimal("7.50")
    # Typed beside a suggestion still ticked, the typed one wins too.
    give(client, amount="13", other_amount="42")
    assert Donation.objects.filter(member=member, amount=Decimal(42)).exists()


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("lots", "Enter a number, such as 13.00."),
        ("13.001", "Use at most two decimal places."),
        ("0.50", "Give from 1.00 to 10000.00 EUR."),
        ("20000", "Give from 1.00 to 10000.00 EUR."),
        ("-5", "Give from 1.00 to 10000.00 EUR."),
        ("NaN", "Enter a number, such as 13.00."),
    ],
)
def test_a_bad_amount_is_refused_with_its_reason_and_the_input_kept(client, member, typed, reason):
    client.force_login(member)
    response = give(client, amount="other", other_amount=typed, interval="year", currency="USD")
    assert response.status_code == 400
    page = text(response)
    assert reason.replace("EUR", "USD") in page
    assert 'class="error-summary"' in page
    assert value_of(page, "other_amount") == typed
    assert checked(page, "interval") == ["year"]
    assert '<option value="USD" selected>' in page
    assert not Donation.objects.exists()


@pytest.mark.parametrize("currency", ["GBP", "", "eur-", "€"])
def test_a_currency_not_offered_is_refused_with_the_ones_that_are(client, member, currency):
    client.force_login(member)
    response = give(client, currency=currency, amount="other", other_amount="21")
    assert response.status_code == 400
    page = text(response)
    expected = (
        "This field is required."
        if currency == ""
        else "Choose one of the currencies offered: EUR, USD."
    )
    assert expected in page
    assert value_of(page, "other_amount") == "21"
    assert not Donation.objects.exists()


def test_a_bad_interval_or_a_missing_amount_is_refused_with_a_reason(client, member):
    client.force_login(member)
    response = give(client, interval="weekly")
    assert response.status_code == 400
    assert "Choose once, month or year." in text(response)
    response = give(client, amount="other", other_amount="")
    assert response.status_code == 400
    assert "Type the amount you want to give." in text(response)
    response = give(client, amount="")
    assert response.status_code == 400
    assert "Choose an amount, or type your own." in text(response)
    response = give(client, amount="999")
    assert response.status_code == 400
    assert "Select a valid choice." in text(response)
    assert not Donation.objects.exists()


def test_waitlisted_members_may_give_and_are_told_it_lets_them_in(client, waitlisted):
    client.force_login(waitlisted)
    assert "You are on the waitlist." in text(client.get(DONATE))
    response = give(client)
    assert response.status_code == 303
    assert Donation.objects.filter(member=waitlisted).count() == 1


def test_suspended_members_are_refused_with_a_message(client, suspended):
    client.force_login(suspended)
    page = text(client.get(DONATE))
    assert "Your account is suspended, so it cannot make donations." in page
    assert 'name="amount"' not in page
    response = give(client)
    assert response.status_code == 403
    assert "cannot make donations" in text(response)
    assert not Donation.objects.exists()


@pytest.fixture
def fake_stripe(request):
    """Tribune taking payments through Stripe, whose API is a local stand-in."""
    return request.getfixturevalue("stripe_api")


def test_with_stripe_the_member_is_sent_to_its_checkout_page(client, member, fake_stripe):
    client.force_login(member)
    response = give(client, interval="year", amount="100")
    donation = Donation.objects.get(member=member)
    assert response.status_code == 303
    assert response["Location"] == donation.checkout_url
    assert response["Location"].startswith("https://checkout.stripe.com/")
    # Stripe sends the member back to the donate page, which thanks them.
    sent = fake_stripe.form()
    assert sent["success_url"] == "http://testserver/donate/?paid=1"
    assert sent["cancel_url"] == "http://testserver/donate/"


def test_when_stripe_cannot_be_reached_the_form_says_so_and_keeps_the_input(
    client, member, fake_stripe
):
    fake_stripe.behaviour = "error"
    client.force_login(member)
    response = give(client, amount="other", other_amount="42", interval="once")
    assert response.status_code == 502
    page = text(response)
    assert "The payment service could not be reached. Nothing was charged" in page
    assert value_of(page, "other_amount") == "42"
    assert checked(page, "interval") == ["once"]


def test_coming_back_from_the_payment_page_says_thank_you(client, member):
    client.force_login(member)
    page = text(client.get(DONATE + "?paid=1"))
    assert "Thank you! Your payment is on its way to us." in page
    assert 'href="/donate/mine/"' in page


# --- One donation, and one's list -----------------------------------------------------------


def test_a_donation_is_its_members_and_staffs_only(client, member, other_member, staff):
    donation = pledge(member)
    url = f"/donate/{donation.pk}/"
    assert client.get(url)["Location"] == f"/accounts/login/?next={url}"
    client.force_login(other_member)
    assert client.get(url).status_code == 404
    assert client.get("/donate/999999/").status_code == 404
    client.force_login(staff)
    page = text(client.get(url))
    assert f"Given by {member.name}." in page
    client.force_login(member)
    assert client.get(url).status_code == 200


def test_a_confirmed_donation_thanks_its_member(client, member, django_capture_on_commit_callbacks):
    donation = confirm(pledge(member, interval="month"), django_capture_on_commit_callbacks)
    client.force_login(member)
    page = words(client.get(f"/donate/{donation.pk}/"))
    assert "Thank you! Your donation is confirmed." in page
    assert "You are a supporter until" in page
    assert "How to pay" not in page
    assert "Confirmed" in page


def test_my_donations_list_mine_only_newest_first_with_older_ones_a_link_away(
    client, member, other_member, django_assert_max_num_queries
):
    mine = [pledge(member, amount=f"{n}.00") for n in range(1, 26)]
    pledge(other_member, amount="99.00")
    client.force_login(member)
    with django_assert_max_num_queries(3):  # the session, the member, the page of donations
        response = client.get(MINE)
    page = text(response)
    references = re.findall(r">(TRIBUNE-\d+)</a>", page)
    assert references == [d.reference for d in reversed(mine)][:20]
    older = re.search(r'href="(/donate/mine/\?cursor=[^"]+)"', page)
    assert older is not None
    page = text(client.get(older.group(1)))
    assert re.findall(r">(TRIBUNE-\d+)</a>", page) == [d.reference for d in reversed(mine[:5])]
    assert "99\u00a0EUR" not in page
    response = client.get(MINE + "?cursor=damaged")
    assert response.status_code == 400
    assert "This cursor is not valid." in text(response)


def test_the_donate_and_donation_pages_cost_a_few_queries(
    client, member, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for other in MemberFactory.create_batch(10):
        confirm(pledge(other), django_capture_on_commit_callbacks)
    donation = pledge(member)
    client.force_login(member)
    # The session, the member, this month's sum and the supporters (then cached).
    with django_assert_max_num_queries(4):
        assert client.get(DONATE).status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get(DONATE).status_code == 200
    # The session, the member, the donation.
    with django_assert_max_num_queries(3):
        assert client.get(f"/donate/{donation.pk}/").status_code == 200


def test_no_donations_yet_says_so(client, member):
    client.force_login(member)
    assert "You have not given yet." in text(client.get(MINE))


# --- Financials -----------------------------------------------------------------------------


def test_financials_show_sums_and_counts_and_never_a_name(
    client, django_capture_on_commit_callbacks, settings
):
    ada = MemberFactory.create(username="ada-lovelace", display_name="Ada Lovelace")
    grace = MemberFactory.create(username="grace-hopper", display_name="Grace Hopper")
    confirm(pledge(ada, amount="13.00", interval="month"), django_capture_on_commit_callbacks)
    confirm(pledge(grace, amount="100.00", interval="year"), django_capture_on_commit_callbacks)
    confirm(pledge(grace, amount="20.00", currency="USD"), django_capture_on_commit_callbacks)
    # A payment two months ago.
    earlier = pledge(ada, amount="50.00")
    with django_capture_on_commit_callbacks(execute=True):
        payment_record(
            donation=earlier,
            amount=Decimal("50.00"),
            currency="EUR",
            reference="earlier",
            paid_at=add_months(timezone.now(), -2),
        )

    response = client.get(FINANCIALS)
    assert response.status_code == 200
    page = text(response)
    for name in ("Ada", "Lovelace", "ada-lovelace", "Grace", "Hopper", "grace-hopper"):
        assert name not in page
    assert "113\u00a0EUR" in page  # this month's goal counts the EUR payments
    assert "2 supporters" in page
    # A chart per currency, each bar titled with its month and total, and the table.
    assert page.count('<svg class="funding-chart-svg"') == 2
    this_month = timezone.now().strftime("%B %Y")
    assert f"<title>{this_month}: 113\u00a0EUR</title>" in page
    assert f"<title>{this_month}: 20\u00a0USD</title>" in page
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", page, re.S)
    assert len(rows) == 12
    assert re.findall(r'<td class="numeric">([^<]+)</td>', rows[-1]) == ["113", "20", "2"]
    assert re.findall(r'<td class="numeric">([^<]+)</td>', rows[-3]) == ["50", "0", "1"]
    assert 'style="' not in page  # the Content-Security-Policy allows no inline style


def test_financials_cost_a_few_queries_however_many_payments(
    client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for member in MemberFactory.create_batch(15):
        confirm(pledge(member, interval="month"), django_capture_on_commit_callbacks)
    # The month's sum, the supporters, the totals per month and currency, the payers.
    with django_assert_max_num_queries(4):
        assert client.get(FINANCIALS).status_code == 200


def test_financials_list_a_currency_no_longer_offered(
    client, member, settings, django_capture_on_commit_callbacks
):
    confirm(pledge(member, currency="USD", amount="30.00"), django_capture_on_commit_callbacks)
    settings.TRIBUNE_DONATION_AMOUNTS = {"EUR": (Decimal(13), Decimal(100))}
    page = text(client.get(FINANCIALS))
    assert "Raised in USD" in page
    assert "Raised in EUR" in page


# --- The goal's bar -------------------------------------------------------------------------


def test_the_bar_shows_the_goal_raised_supporters_and_percent(
    client, member, settings, django_capture_on_commit_callbacks
):
    settings.TRIBUNE_FUNDING_GOAL = Decimal("200.00")
    confirm(pledge(member, amount="50.00"), django_capture_on_commit_callbacks)
    page = text(client.get(DONATE))
    assert "50\u00a0EUR raised of 200\u00a0EUR (25%)" in unescape(re.sub(r"</?strong>", "", page))
    assert "1 supporter" in page
    assert '<progress class="funding-progress" max="200.00" value="50.00"' in page
    assert 'href="/financials/"' in page


def test_the_home_page_waits_for_no_sums_and_fetches_the_bar_when_the_cache_is_cold(client, member):
    client.force_login(member)
    with CaptureQueriesContext(connection) as queries:
        page = text(client.get("/"))
    assert not [q for q in queries if "funding_payment" in q["sql"]]
    assert 'hx-get="/funding/bar/"' in page
    assert 'href="/donate/"' in page and 'href="/financials/"' in page
    # What htmx fetches: the filled bar, and from then on the home page has it at once.
    fragment = text(client.get("/funding/bar/", headers={"HX-Request": "true"}))
    assert 'class="funding-progress"' in fragment
    assert "<html" not in fragment
    with CaptureQueriesContext(connection) as queries:
        page = text(client.get("/"))
    assert 'class="funding-progress"' in page
    assert not [q for q in queries if "funding_payment" in q["sql"]]
    # Opened without htmx, the address leads to the financials.
    assert client.get("/funding/bar/")["Location"] == "/financials/"


def test_a_payment_shows_on_the_bar_at_once(client, member, django_capture_on_commit_callbacks):
    assert funding_summary().raised == 0  # now cached
    confirm(pledge(member, amount="40.00"), django_capture_on_commit_callbacks)
    bar = words(client.get("/funding/bar/", headers={"HX-Request": "true"}))
    assert "40 EUR raised of 2,000 EUR (2%)" in bar.replace("\u00a0", " ")


# --- The supporter badge --------------------------------------------------------------------


def test_supporters_wear_a_badge_they_can_hide_in_their_settings(
    client, member, other_member, django_capture_on_commit_callbacks
):
    profile = f"/u/{member.username}/"
    assert "badge-supporter" not in text(client.get(profile))
    confirm(pledge(member, interval="year", amount="100.00"), django_capture_on_commit_callbacks)
    assert "badge-supporter" in text(client.get(profile))

    client.force_login(member)
    settings_page = text(client.get("/settings/"))
    assert "Show my supporter badge" in settings_page
    assert checked(settings_page, "show_supporter_badge") == ["on"]
    response = client.post("/settings/", {"form": "supporter_badge"})  # unticked
    assert response.status_code == 302
    assert "Your supporter badge is hidden." in text(client.get("/settings/"))
    assert "badge-supporter" not in text(client.get(profile))
    member.refresh_from_db()
    assert member.is_supporter and not member.show_supporter_badge

    client.post("/settings/", {"form": "supporter_badge", "show_supporter_badge": "on"})
    assert "badge-supporter" in text(client.get(profile))


def test_the_profile_form_still_saves_beside_the_badge_form(client, member):
    client.force_login(member)
    response = client.post(
        "/settings/", {"display_name": "Ada L.", "bio": "Engines.", "time_zone": ""}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.display_name, member.show_supporter_badge) == ("Ada L.", True)


def test_a_lapsed_supporter_wears_no_badge(client, member):
    member.supporter_until = timezone.now() - dt.timedelta(days=1)
    member.save(update_fields=["supporter_until"])
    assert "badge-supporter" not in text(client.get(f"/u/{member.username}/"))


def test_a_waitlisted_member_is_admitted_once_their_gift_is_confirmed(
    client, settings, django_capture_on_commit_callbacks
):
    waiting = MemberFactory.create(access=Access.WAITLISTED)
    client.force_login(waiting)
    give(client, interval=Interval.ONCE, amount="100")
    confirm(Donation.objects.get(member=waiting), django_capture_on_commit_callbacks)
    waiting.refresh_from_db()
    assert waiting.access == Access.ADMITTED
    assert waiting.is_supporter
