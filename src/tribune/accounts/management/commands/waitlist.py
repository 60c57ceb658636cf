"""`tribune waitlist show` and `tribune waitlist admit N`: the line from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tribune.accounts.waitlist import (
    access_mode,
    waitlist_admit_next,
    waitlist_in_order,
    waitlist_length,
)
from tribune.core.exceptions import ServiceError


def positive_count(raw: str) -> int:
    """N as argparse reads it: a whole number of at least 1, with a reason otherwise."""
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"N must be a whole number, not {raw!r}.") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"N must be at least 1, not {value}.")
    return value


class Command(BaseCommand):
    help = "Show the waitlist, or admit the members at its front."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", metavar="ACTION", required=True, title="actions"
        )
        show = actions.add_parser(
            "show",
            help="Print how many members wait in line, and the first of them.",
            description="Print the access mode, how many members wait, and the first in line.",
        )
        show.add_argument(
            "--first",
            type=positive_count,
            default=10,
            metavar="N",
            help="How many of the first members to list (default 10).",
        )
        admit = actions.add_parser(
            "admit",
            help="Admit the next N members in line and print who they are.",
            description=(
                "Admit the N members at the front of the line; each is sent an e-mail. "
                "Prints one line per member admitted."
            ),
        )
        admit.add_argument("count", type=positive_count, metavar="N", help="How many to admit.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "show":
            self.show(options["first"])
        elif options["action"] == "admit":
            self.admit(options["count"])

    def show(self, first: int) -> None:
        length = waitlist_length()
        self.stdout.write(f"Access mode: {access_mode()}.")
        self.stdout.write(f"{length} member{'' if length == 1 else 's'} waiting in line.")
        for place, member in enumerate(waitlist_in_order(limit=first), start=1):
            self.stdout.write(f"{place}. {member.username} <{member.email}>")

    def admit(self, count: int) -> None:
        try:
            admitted = waitlist_admit_next(actor=None, count=count)
        except ServiceError as e:
            raise CommandError(str(e.detail)) from None
        if not admitted:
            self.stdout.write("Nobody is waiting in line: nobody was admitted.")
            return
        for member in admitted:
            self.stdout.write(f"Admitted {member.username} <{member.email}>")
        left = waitlist_length()
        self.stdout.write(
            f"Admitted {len(admitted)} member{'' if len(admitted) == 1 else 's'}; "
            f"{left} still waiting."
        )
