"""`tribune restore FILE`: put back the database and media files of a backup."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tribune.core.backup import BackupError, backup_manifest, backup_restore


class Command(BaseCommand):
    help = (
        "Replace this site's database and media files with those of a backup made by "
        "`tribune backup`. Stop the site (tribune serve) first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", type=Path, help="The archive to restore.")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["file"]
        try:
            manifest = backup_manifest(source)
            # Only a person at a terminal is asked: scripts and cron jobs have no
            # one to answer and would hang.
            if options["interactive"] and sys.stdin.isatty():
                self.confirm(source, manifest)
            result = backup_restore(source=source)
        except BackupError as e:
            raise CommandError(str(e)) from None
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Restored the {result.database.label} database and {result.media_files} "
                f"media files from {source} (made {manifest.get('created_at', '?')} by "
                f"Tribune {manifest.get('tribune_version', '?')})."
            )
            self.stdout.write(
                "Start the site again with `tribune serve`; it applies any migrations "
                "this version adds."
            )

    def confirm(self, source: Path, manifest: dict[str, Any]) -> None:
        self.stdout.write(
            f"{source} was made {manifest.get('created_at', '?')} by Tribune "
            f"{manifest.get('tribune_version', '?')}.\n"
            "Restoring it replaces this site's database and media files. Stop the site "
            "first."
        )
        answer = input("Type 'yes' to restore: ")
        if answer.strip().lower() != "yes":
            raise CommandError("Restore cancelled; nothing changed.")
