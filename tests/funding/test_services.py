"""Donations through the offline provider: pledges, confirmations, supporter periods,
refusals with a reason, and the public totals."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import MemberFactory
from tribune.accounts.models import Access, Member
from tribune.accounts.waitlist import member_email_verified, waitlist_position
from tribune.core.exceptions import Forbidden, NotFound, ServiceError
from tribune.funding.models import Donation, DonationStatus, Payment
from tribune.funding.selectors import (
    MonthTotals,
    donation_get,
    financials_by_month,
    funding_summary,
)
from tribune.funding.services import (
    donation_cancel,
    donation_confirm,
    donation_create,
    payment_record,
)

UTC = dt.UTC


@pytest.fixture(autouse=True)
def _offline_in_euros(settings) -> None:
    settings.TRIBUNE_PAYMENT_PROVIDER = "offline"
    settings.TRIBUNE_DONATION_AMOUNTS = {
        "EUR": (Decimal("13"), Decimal("100")),
        "USD": (Decimal("13"), Decimal("100")),
    }
    settings.TRIBUNE_DONATION_MIN = Decimal("1.00")
    settings.TRIBUNE_DONATION_MAX = Decimal("10000.00")
    settings.TRIBUNE_FUNDING_GOAL = Decimal("2000.00")
    settings.TRIBUNE_FUNDING_CURRENCY = "EUR"
    settings.TRIBUNE_OFFLINE_INSTRUCTIONS = "Transfer to IBAN XX00 0000."


def give(
    member: Member, amount: object = "13", currency: object = "EUR", interval: object = "month"
) -> tuple[Donation, str]:
    return donation_create(
        member=member,
        amount=amount,
        currency=currency,
        interval=interval,
        success_url="http://testserver/donate/thanks/",
        cancel_url="http://testserver/donate/",
    )


def months_later(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` later, or the month's last day when it is shorter."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


def supporter_until(member: Member) -> dt.datetime | None:
    return Member.objects.values_list("supporter_until", flat=True).get(pk=member.pk)


def this_month(day: int = 1) -> dt.datetime:
    now = timezone.now().astimezone(UTC)
    return now.replace(day=day, hour=12, minute=0, second=0, microsecond=0)


def months_ago(count: int, day: int = 10) -> dt.datetime:
    return months_later(this_month(day), -count)


# --- Every interval through the offline provider ---------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("interval", "amount", "months"),
    [
        ("once", "5", 1),  # less than a suggested month still makes a month
        ("once", "13", 1),
        ("once", "26", 2),
        ("once", "99.99", 7),
        ("once", "100", 12),
        ("once", "5000", 12),  # a year at most
        ("month", "13", 1),
        ("month", "250", 1),
        ("year", "100", 12),
        ("year", "13", 12),
    ],
)
def test_a_confirmed_donation_makes_a_supporter_for_the_period_paid(
    member, staff, interval, amount, months
):
    donation, instructions = give(member, amount, interval=interval)

    assert donation.status == DonationStatus.PENDING
    assert donation.provider == "offline"
    assert "Transfer to IBAN XX00 0000." in instructions
    assert f"TRIBUNE-{donation.pk}" in instructions
    assert f"{Decimal(amount):.2f} EUR" in instructions
    assert supporter_until(member) is None  # a pledge alone supports nothing yet

    confirmed, newly = donation_confirm(actor=staff, donation_id=donation.pk)

    assert newly is True
    assert confirmed.status == DonationStatus.CONFIRMED
    assert confirmed.confirmed_at is not None
    (payment,) = Payment.objects.filter(donation=donation)
    assert (payment.amount, payment.currency) == (Decimal(amount), "EUR")
    assert payment.member_id == member.pk
    assert payment.period_end == months_later(payment.paid_at, months)
    assert supporter_until(member) == payment.period_end
    assert Member.objects.get(pk=member.pk).is_supporter


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("interval", "amount", "months"), [("month", "13", 1), ("year", "100", 12), ("once", "39", 3)]
)
def test_a_new_payment_adds_its_period_after_the_one_already_paid(
    member, staff, interval, amount, months
):
    paid_until = months_later(this_month(15), 1)
    Member.objects.filter(pk=member.pk).update(supporter_until=paid_until)
    donation, _ = give(member, amount, interval=interval)

    donation_confirm(actor=staff, donation_id=donation.pk)

    assert supporter_until(member) == months_later(paid_until, months)


@pytest.mark.django_db
def test_the_period_ends_on_the_last_day_of_a_shorter_month(member):
    donation, _ = give(member, "13", interval="month")
    paid = dt.datetime(2024, 1, 31, 9, 30, tzinfo=UTC)
    payment = payment_record(
        donation=donation, amount=Decimal("13"), currency="EUR", reference="r1", paid_at=paid
    )
    assert payment is not None
    assert payment.period_end == dt.datetime(2024, 2, 29, 9, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_a_provider_named_period_is_kept_and_never_shortens_a_longer_one(member):
    donation, _ = give(member, "13", interval="month")
    later = timezone.now() + dt.timedelta(days=200)
    Member.objects.filter(pk=member.pk).update(supporter_until=later)

    payment_record(
        donation=donation,
        amount=Decimal("13"),
        currency="EUR",
        reference="sub-period-1",
        period_end=timezone.now() + dt.timedelta(days=30),
    )

    assert supporter_until(member) == later


@pytest.mark.django_db
def test_lowercase_currency_and_spaces_around_the_amount_are_accepted(member):
    donation, _ = give(member, " 13.5 ", "usd", "once")
    assert (donation.amount, donation.currency) == (Decimal("13.50"), "USD")


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["1", "1.00", "10000", "10000.00"])
def test_the_limits_themselves_are_accepted(member, amount):
    assert give(member, amount)[0].amount == Decimal(amount)


# --- Refusals with a reason ----------------------------------------------------------


def assert_refused(member: Member, code: str, fields: set[str], **given: object) -> None:
    with pytest.raises(ServiceError) as refused:
        give(member, **given)
    assert refused.value.status == 400
    assert refused.value.code == code
    assert refused.value.errors is not None
    assert set(refused.value.errors) == fields
    assert all(refused.value.errors[f] for f in fields)  # each with a message
    assert str(refused.value.detail)
    assert not Donation.objects.exists()
    assert not Payment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "amount",
    [
        "0",
        "-1",
        "abc",
        "1.234",
        "0.001",
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "10000.01",
        "0.99",
        "1e100",
        "",
        None,
    ],
)
def test_a_bad_amount_is_refused_and_nothing_is_stored(member, amount):
    assert_refused(member, "invalid_amount", {"amount"}, amount=amount)


@pytest.mark.django_db
@pytest.mark.parametrize("currency", ["XYZ", "", "eu", "EURO", None])
def test_a_currency_not_offered_is_refused(member, currency):
    assert_refused(member, "invalid_currency", {"currency"}, currency=currency)


@pytest.mark.django_db
@pytest.mark.parametrize("interval", ["weekly", "", "ONCE", "monthly", None])
def test_an_unknown_interval_is_refused(member, interval):
    assert_refused(member, "invalid_interval", {"interval"}, interval=interval)


@pytest.mark.django_db
def test_every_problem_is_named_at_once(member):
    assert_refused(
        member, "invalid_amount", {"amount", "interval"}, amount="abc", interval="weekly"
    )


@pytest.mark.django_db
def test_a_suspended_member_cannot_donate(suspended):
    with pytest.raises(Forbidden):
        give(suspended)
    assert not Donation.objects.exists()


# --- Confirming ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_waitlisted_donor_is_admitted_when_the_donation_is_confirmed(settings, staff):
    settings.TRIBUNE_ACCESS_MODE = "waitlist"
    line = [MemberFactory.create(access=Access.WAITLISTED) for _ in range(3)]
    for member in line:
        member_email_verified(member=member)
    donor = line[1]
    donation, _ = give(donor, "100", interval="year")
    assert Member.objects.get(pk=donor.pk).access == Access.WAITLISTED  # pledged, not paid

    donation_confirm(actor=staff, donation_id=donation.pk)

    donor.refresh_from_db()
    assert donor.access == Access.ADMITTED
    assert donor.is_supporter
    assert waitlist_position(donor) is None
    assert [waitlist_position(Member.objects.get(pk=m.pk)) for m in (line[0], line[2])] == [1, 2]


@pytest.mark.django_db
def test_confirming_twice_records_one_payment_and_one_period(member, staff):
    donation, _ = give(member)
    donation_confirm(actor=staff, donation_id=donation.pk)
    until = supporter_until(member)

    again, newly = donation_confirm(actor=None, donation_id=donation.pk)

    assert newly is False
    assert again.status == DonationStatus.CONFIRMED
    assert Payment.objects.count() == 1
    assert supporter_until(member) == until


@pytest.mark.django_db
def test_only_staff_confirm(member, moderator):
    donation, _ = give(member)
    for actor in (member, moderator):
        with pytest.raises(Forbidden):
            donation_confirm(actor=actor, donation_id=donation.pk)
    assert Donation.objects.get(pk=donation.pk).status == DonationStatus.PENDING
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_confirming_an_unknown_donation_is_not_found(staff):
    with pytest.raises(NotFound):
        donation_confirm(actor=staff, donation_id=12345)


@pytest.mark.django_db
def test_a_cancelled_pledge_cannot_be_confirmed(member, staff):
    donation, _ = give(member, interval="once")
    assert donation_cancel(donation=donation) is True
    with pytest.raises(ServiceError) as refused:
        donation_confirm(actor=staff, donation_id=donation.pk)
    assert refused.value.code == "donation_cancelled"
    assert not Payment.objects.exists()
    assert supporter_until(member) is None


@pytest.mark.django_db
def test_the_same_payment_reported_twice_is_recorded_once(member):
    donation, _ = give(member, "13", interval="month")

    first = payment_record(
        donation=donation, amount=Decimal("13"), currency="EUR", reference="in_1"
    )
    until = supporter_until(member)
    second = payment_record(
        donation=donation, amount=Decimal("13"), currency="EUR", reference="in_1"
    )

    assert first is not None and second is None
    assert Payment.objects.count() == 1
    assert supporter_until(member) == until == first.period_end

    # The next month's payment is another reference, and adds another month.
    third = payment_record(
        donation=donation, amount=Decimal("13"), currency="EUR", reference="in_2"
    )
    assert third is not None
    assert supporter_until(member) == months_later(first.period_end, 1)


@pytest.mark.django_db
def test_cancelling_keeps_the_period_already_paid(member, staff):
    donation, _ = give(member, "13", interval="month")
    donation_confirm(actor=staff, donation_id=donation.pk)
    until = supporter_until(member)

    assert donation_cancel(donation=donation) is True
    assert donation_cancel(donation=donation) is False  # already cancelled

    donation.refresh_from_db()
    assert donation.status == DonationStatus.CANCELLED
    assert donation.cancelled_at is not None
    assert supporter_until(member) == until
    assert Member.objects.get(pk=member.pk).is_supporter
    assert Payment.objects.filter(donation=donation).count() == 1


@pytest.mark.django_db
def test_a_donation_is_seen_by_its_member_and_staff_only(member, other_member, staff):
    donation, _ = give(member)
    assert donation_get(viewer=member, donation_id=donation.pk) == donation
    assert donation_get(viewer=staff, donation_id=donation.pk) == donation
    with pytest.raises(NotFound):
        donation_get(viewer=other_member, donation_id=donation.pk)


# --- Two confirmations at the same moment --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_racing_record_one_payment_and_admit_once(settings):
    settings.TRIBUNE_ACCESS_MODE = "waitlist"
    staff = MemberFactory.create(is_staff=True)
    line = [MemberFactory.create(access=Access.WAITLISTED) for _ in range(3)]
    for member in line:
        member_email_verified(member=member)
    donor = line[0]
    donation, _ = give(donor, "13", interval="month")
    barrier = threading.Barrier(2)
    answers: list[bool] = []
    failures: list[BaseException] = []

    def confirm() -> None:
        try:
            barrier.wait(timeout=30)
            answers.append(donation_confirm(actor=staff, donation_id=donation.pk)[1])
        except BaseException as e:  # reported by the assertion below
            failures.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert sorted(answers) == [False, True]
    (payment,) = Payment.objects.all()
    assert supporter_until(donor) == months_later(payment.paid_at, 1)
    assert Member.objects.get(pk=donor.pk).access == Access.ADMITTED
    assert [waitlist_position(Member.objects.get(pk=m.pk)) for m in line] == [None, 1, 2]


# --- The public totals -----------------------------------------------------------------


def paid(member: Member, amount: str, currency: str, when: dt.datetime, ref: str) -> None:
    donation, _ = give(member, amount, currency, "once")
    payment_record(
        donation=donation, amount=Decimal(amount), currency=currency, reference=ref, paid_at=when
    )


@pytest.mark.django_db
def test_the_funding_bar_counts_this_months_money_in_the_goals_currency(
    member, other_member, django_capture_on_commit_callbacks
):
    before = funding_summary()
    assert (before.raised, before.supporters, before.percent) == (Decimal("0.00"), 0, 0)

    with django_capture_on_commit_callbacks(execute=True):
        paid(member, "400", "EUR", this_month(1), "a")
        paid(other_member, "100.50", "EUR", timezone.now(), "b")
        paid(other_member, "300", "USD", timezone.now(), "c")  # another currency
        paid(member, "900", "EUR", months_ago(1, day=28), "d")  # last month

    summary = funding_summary()
    assert summary.raised == Decimal("500.50")
    assert (summary.goal, summary.currency) == (Decimal("2000.00"), "EUR")
    assert summary.percent == 25
    assert summary.supporters == 2


@pytest.mark.django_db
def test_the_bar_is_full_at_the_goal_and_beyond(settings, member):
    settings.TRIBUNE_FUNDING_GOAL = Decimal("100")
    paid(member, "250", "EUR", timezone.now(), "a")
    assert funding_summary().percent == 100


@pytest.mark.django_db
def test_a_payment_clears_the_cached_summary(member, django_capture_on_commit_callbacks):
    assert funding_summary().raised == Decimal("0.00")
    with django_capture_on_commit_callbacks(execute=True):
        paid(member, "13", "EUR", timezone.now(), "a")
    assert funding_summary().raised == Decimal("13.00")


@pytest.mark.django_db
def test_financials_show_monthly_totals_per_currency_and_payers_without_names(member):
    other = MemberFactory.create()
    paid(member, "13", "EUR", this_month(2), "a")
    paid(member, "13", "EUR", this_month(3), "b")  # the same member twice: one supporter
    paid(other, "100", "USD", this_month(4), "c")
    paid(other, "26.50", "EUR", months_ago(2), "d")
    paid(other, "999", "EUR", months_ago(12), "e")  # before the twelve months shown

    months = financials_by_month()

    assert len(months) == 12
    assert months[-1].month == this_month(1).date()
    assert months[0].month == months_ago(11, day=1).date()
    assert [m.month for m in months] == sorted(m.month for m in months)
    assert months[-1].raised == {"EUR": Decimal("26.00"), "USD": Decimal("100.00")}
    assert months[-1].supporters == 2
    assert months[-3].raised == {"EUR": Decimal("26.50")}
    assert months[-3].supporters == 1
    assert all(m.raised == {} and m.supporters == 0 for m in [*months[:-3], months[-2]])
    assert {f.name for f in dataclasses.fields(MonthTotals)} == {"month", "raised", "supporters"}


@pytest.mark.django_db
def test_financials_for_fewer_months(member):
    paid(member, "13", "EUR", months_ago(3), "a")
    months = financials_by_month(months=3)
    assert [m.raised for m in months] == [{}, {}, {}]
    assert financials_by_month(months=4)[0].raised == {"EUR": Decimal("13.00")}
