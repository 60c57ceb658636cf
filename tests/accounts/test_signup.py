"""Signing up: the age gate, mandatory e-mail confirmation, and answers that never tell
anyone whether an address is registered (allauth's ACCOUNT_PREVENT_ENUMERATION)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, MemberFactory
from tribune.accounts.models import Member

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
VERIFICATION_SENT = reverse("account_email_verification_sent")


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for a 29 February that did not exist)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "display_name": "Ada Lovelace",
        "username": "ada",
        "email": "ada@example.org",
        "date_of_birth": "1990-12-10",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def mailbox(settings) -> list[EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(Path(settings.EMAIL_FILE_PATH).glob("*.eml"))
    ]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def main_text(response) -> str:
    """The words of the page's <main>, without the CSRF token and spacing that differ."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def test_sign_up_page_asks_name_username_email_birth_date_password_and_invitation_in_that_order(
    client,
):
    html = client.get(SIGNUP).content.decode()
    names = re.findall(r'<input[^>]+name="(\w+)"', html)
    visible = [n for n in names if n not in {"csrfmiddlewaretoken", "next", "language"}]
    assert visible == [
        "display_name",
        "username",
        "email",
        "date_of_birth",
        "password1",
        "password2",
        "invite",
    ]
    for label in ["Name", "Username", "Email", "Date of birth", "Password", "Password (again)"]:
        assert f">{label}</label>" in html
    assert ">Invitation code <span" in html  # optional, and marked so


def test_sign_up_stores_the_member_and_mails_a_confirmation_link(client, settings):
    response = client.post(SIGNUP, signup_data())

    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT
    member = Member.objects.get(username="ada")
    assert member.display_name == "Ada Lovelace"
    assert member.date_of_birth == dt.date(1990, 12, 10)
    address = EmailAddress.objects.get(user=member)
    assert (address.email, address.verified) == ("ada@example.org", False)
    (message,) = mailbox(settings)
    assert message["To"] == "ada@example.org"
    assert re.search(r"http://testserver/accounts/confirm-email/\S+/", text_of(message))


def test_following_the_confirmation_link_confirms_the_address(client, settings):
    client.post(SIGNUP, signup_data())
    (message,) = mailbox(settings)
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", text_of(message))
    assert link is not None

    page = client.get(link.group(1))
    assert "ada@example.org" in main_text(page)
    client.post(link.group(1))

    assert EmailAddress.objects.get(email="ada@example.org").verified


def test_an_unconfirmed_member_cannot_log_in_yet(client):
    client.post(SIGNUP, signup_data())
    client.logout()

    response = client.post("/accounts/login/", {"login": "ada", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT
    assert "_auth_user_id" not in client.session


def test_exactly_the_minimum_age_today_may_join(client, settings):
    born = years_before(timezone.localdate(), settings.TRIBUNE_MIN_AGE)

    response = client.post(SIGNUP, signup_data(date_of_birth=born.isoformat()))

    assert response.status_code == 302
    assert Member.objects.filter(username="ada").exists()


@pytest.mark.parametrize(
    ("born", "message"),
    [
        pytest.param(
            lambda today, age: years_before(today + dt.timedelta(days=1), age),
            "You must be at least 16 years old to join.",
            id="birthday-tomorrow",
        ),
        pytest.param(
            lambda today, age: years_before(today, 10),
            "You must be at least 16 years old to join.",
            id="ten-years-old",
        ),
        pytest.param(
            lambda today, age: today + dt.timedelta(days=1),
            "Your date of birth cannot be in the future.",
            id="future-date",
        ),
    ],
)
def test_refused_birth_dates_say_why_and_store_nothing(client, settings, born, message):
    today = timezone.localdate()
    data = signup_data(date_of_birth=born(today, settings.TRIBUNE_MIN_AGE).isoformat())

    response = client.post(SIGNUP, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Member.objects.exists()
    assert not EmailAddress.objects.exists()
    assert mailbox(settings) == []


def test_minimum_age_follows_the_setting(client, settings):
    settings.TRIBUNE_MIN_AGE = 18
    born = years_before(timezone.localdate(), 17)

    response = client.post(SIGNUP, signup_data(date_of_birth=born.isoformat()))

    assert "You must be at least 18 years old to join." in response.content.decode()
    assert not Member.objects.exists()


def test_missing_fields_are_named_and_what_was_typed_is_kept(client):
    data = signup_data(email="", date_of_birth="")

    response = client.post(SIGNUP, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Ada Lovelace"' in html
    assert 'value="ada"' in html
    assert "Email: This field is required." in main_text(response)
    assert "Date of birth: This field is required." in main_text(response)
    assert not Member.objects.exists()


def test_a_malformed_birth_date_is_an_error_not_a_crash(client):
    response = client.post(SIGNUP, signup_data(date_of_birth="31/31/1990"))

    assert response.status_code == 200
    assert "Date of birth: Enter a valid date." in main_text(response)


def test_a_taken_username_is_said_plainly(client):
    MemberFactory.create(username="ada", email="someone@example.org")

    response = client.post(SIGNUP, signup_data())

    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert Member.objects.count() == 1


def test_a_taken_email_gets_the_same_answer_and_the_owner_is_told(client, settings):
    owner = MemberFactory.create(username="owner", email="ada@example.org")
    fresh = client.post(SIGNUP, signup_data(username="ada2", email="new@example.org"))
    fresh_page = client.get(fresh["Location"])
    client.logout()
    for path in Path(settings.EMAIL_FILE_PATH).glob("*.eml"):
        path.unlink()

    taken = client.post(SIGNUP, signup_data(username="ada3", email="ada@example.org"))
    taken_page = client.get(taken["Location"])

    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    # Word for word the same page, but for the address each person typed.
    assert main_text(taken_page).replace("ada@example.org", "ADDRESS") == main_text(
        fresh_page
    ).replace("new@example.org", "ADDRESS")
    assert not Member.objects.filter(username="ada3").exists()
    assert EmailAddress.objects.filter(email__iexact="ada@example.org").count() == 1
    (message,) = mailbox(settings)
    assert message["To"] == owner.email
    assert "already exists" in text_of(message)


def test_password_reset_answers_the_same_for_unknown_addresses(client, settings):
    MemberFactory.create(email="known@example.org")

    known = client.post("/accounts/password/reset/", {"email": "known@example.org"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert main_text(client.get(known["Location"])) == main_text(client.get(unknown["Location"]))
    to_known, to_unknown = mailbox(settings)
    assert to_known["To"] == "known@example.org"
    assert "/accounts/password/reset/key/" in text_of(to_known)
    assert to_unknown["To"] == "nobody@example.org"
    assert "/accounts/password/reset/key/" not in text_of(to_unknown)
