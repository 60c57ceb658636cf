"""`tribune backup FILE`: the database and the media files in one .tar.gz archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tribune.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the database and the media files to FILE (.tar.gz). "
        "Safe while the site runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", type=Path, help="The archive to write.")
        parser.add_argument("--force", action="store_true", help="Replace FILE if it exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_create(destination=options["file"], force=options["force"])
        except BackupError as e:
            raise CommandError(str(e)) from None
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Backed up the {result.database.label} database and {result.media_files} "
                f"media files to {result.path} ({human_size(result.size)})."
            )


def human_size(size: float) -> str:
    """A byte count as a person reads it: 512 B, 3.4 MB."""
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")
