"""`tribune accounts create`: make an admitted member from the command line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tribune.accounts.services import ROLES, member_create
from tribune.core.exceptions import ServiceError


class Command(BaseCommand):
    help = "Manage members from the command line."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", metavar="ACTION", required=True, title="actions"
        )
        create = actions.add_parser(
            "create",
            help="Create an admitted member and print its generated password.",
            description=(
                "Create an admitted member. The generated password is printed on the "
                "last line, as 'password: <value>'."
            ),
        )
        create.add_argument("username", metavar="USERNAME", help="The handle, as in /u/USERNAME/.")
        create.add_argument("--email", required=True, help="The member's e-mail address.")
        create.add_argument("--name", default="", help="Display name (default: the username).")
        create.add_argument(
            "--confirmed",
            action="store_true",
            help="Mark the e-mail address as verified, so the member can log in at once.",
        )
        # No argparse `choices`: member_create checks the role and names the error
        # alongside any other, in one message.
        create.add_argument(
            "--role",
            default="member",
            metavar="|".join(ROLES),
            help="member (default), moderator (site moderator) or staff (runs the site).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            self.create(options)

    def create(self, options: dict[str, Any]) -> None:
        try:
            member, password = member_create(
                username=options["username"],
                email=options["email"],
                display_name=options["name"],
                confirmed=options["confirmed"],
                role=options["role"],
            )
        except ServiceError as e:
            lines = [str(e.detail)]
            for field, messages in (e.errors or {}).items():
                lines.extend(f"  {field}: {message}" for message in messages)
            raise CommandError("\n".join(lines)) from None
        verified = "verified" if options["confirmed"] else "not verified"
        self.stdout.write(
            f"Created {options['role']} {member.username} <{member.email}> "
            f"(admitted, e-mail {verified})."
        )
        self.stdout.write(f"password: {password}")
