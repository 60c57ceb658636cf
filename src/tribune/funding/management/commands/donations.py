"""`tribune donations`: confirm offline donations and list donations from the command line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tribune.core.exceptions import ServiceError
from tribune.funding.models import Donation
from tribune.funding.selectors import donations_for_staff
from tribune.funding.services import donation_confirm


def describe(donation: Donation) -> str:
    """TRIBUNE-12: 13.00 EUR monthly from ada (offline, pending)."""
    who = donation.member.username if donation.member else "a deleted member"
    return (
        f"{donation.reference}: {donation.amount} {donation.currency} "
        f"{donation.get_interval_display().lower()} from {who} "
        f"({donation.provider}, {donation.status})"
    )


class Command(BaseCommand):
    help = "Confirm offline donations and list donations."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", metavar="ACTION", required=True, title="actions"
        )
        confirm = actions.add_parser(
            "confirm",
            help="Confirm that an offline donation's money arrived.",
            description=(
                "Confirm an offline donation: its member becomes a supporter for the period "
                "paid, and is let in if waiting in line. Confirming twice changes nothing."
            ),
        )
        confirm.add_argument(
            "donation_id",
            metavar="ID",
            help="The donation's number, as in its reference TRIBUNE-ID (the prefix may be given).",
        )
        listing = actions.add_parser("list", help="List donations, newest first.")
        listing.add_argument(
            "--pending", action="store_true", help="Only those waiting for a payment."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "confirm":
            self.confirm(options["donation_id"])
        elif options["action"] == "list":
            self.list_donations(pending=options["pending"])

    def confirm(self, raw_id: str) -> None:
        number = raw_id.strip().upper().removeprefix("TRIBUNE-")
        if not number.isdigit():
            raise CommandError(f"{raw_id!r} is not a donation number (such as 12 or TRIBUNE-12).")
        try:
            donation, newly = donation_confirm(actor=None, donation_id=int(number))
        except ServiceError as error:
            raise CommandError(str(error.detail)) from None
        if not newly:
            self.stdout.write(f"Already confirmed, nothing changed: {describe(donation)}.")
            return
        line = f"Confirmed now: {describe(donation)}."
        member = donation.member
        if member is not None:
            member.refresh_from_db()
            if member.supporter_until is not None:
                until = timezone.localtime(member.supporter_until).date().isoformat()
                line += f" {member.username} is a supporter until {until} ({member.access})."
        self.stdout.write(line)

    def list_donations(self, *, pending: bool) -> None:
        count = 0
        for donation in donations_for_staff(pending_only=pending).iterator(chunk_size=500):
            created = timezone.localtime(donation.created_at).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{created}  {describe(donation)}")
            count += 1
        noun = "donation" if count == 1 else "donations"
        self.stdout.write(f"{count} pending {noun}." if pending else f"{count} {noun}.")
