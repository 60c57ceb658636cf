"""`tribune trust recompute`: every member's trust level, now rather than on the hour."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tribune.trust.services import trust_recompute_all


class Command(BaseCommand):
    help = "Recompute members' trust levels (the hourly task does it too)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", metavar="ACTION", required=True, title="actions"
        )
        actions.add_parser(
            "recompute",
            help="Recompute every member's trust level and print who moved.",
            description=(
                "Recompute every active member's trust level from tenure, accepted edits, "
                "comments, vouches and upheld reports (docs/trust.md), with hysteresis. "
                "Prints one line per member promoted or demoted, then a total."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "recompute":
            self.recompute()

    def recompute(self) -> None:
        summary = trust_recompute_all()
        for username, old, new in summary.promoted:
            self.stdout.write(f"Promoted {username} from level {old} to {new}")
        for username, old, new in summary.demoted:
            self.stdout.write(f"Demoted {username} from level {old} to {new}")
        self.stdout.write(
            f"Recomputed the trust levels of {summary.members} "
            f"member{'' if summary.members == 1 else 's'}: "
            f"{len(summary.promoted)} promoted, {len(summary.demoted)} demoted."
        )
