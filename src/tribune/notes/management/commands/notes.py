"""`tribune notes score`: score the community notes now rather than at the next run of
the periodic task."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tribune.notes.services import notes_score


class Command(BaseCommand):
    help = "Community notes: score them now (the periodic task does it every 15 minutes)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", metavar="ACTION", required=True, title="actions"
        )
        actions.add_parser(
            "score",
            help="Score every note from its ratings and print how many changed status.",
            description=(
                "Run the bridging scorer on every rating by members at trust level 1 or "
                "more, store each note's status, and print how many notes changed status."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "score":
            run = notes_score()
            changed = "note" if run.changed == 1 else "notes"
            self.stdout.write(
                f"{run.changed} {changed} changed status "
                f"({run.scored} rated, {run.helpful} helpful now)."
            )
