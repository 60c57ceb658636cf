"""`tribune demo`: load the demo data of every app (idempotent), with a progress bar."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from tqdm import tqdm

from tribune.core.demo import DEMO_ADMIN, DEMO_PASSWORD, DemoStep, demo_run, demo_steps


class Command(BaseCommand):
    help = (
        "Load demo data: members, and what the other apps contribute. Running it again "
        "creates nothing new. Never run it on a public site: every demo member, staff "
        "included, shares a published password."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity: int = options["verbosity"]
        steps = demo_steps()
        created = 0
        # Printed once the bar is done: a line written meanwhile would break it in two.
        skipped: list[str] = []

        def on_skip(_step: DemoStep, reason: str) -> None:
            skipped.append(reason)

        # tqdm writes to the real stderr: Django's OutputWrapper would end each of its
        # carriage-return updates with a newline.
        with tqdm(
            total=len(steps),
            desc="Demo data",
            unit="step",
            file=sys.stderr,
            disable=verbosity == 0,
            leave=True,
        ) as bar:
            for step, made in demo_run(steps, on_skip=on_skip):
                created += made
                bar.set_postfix_str(step.label, refresh=False)
                bar.update()
        if verbosity >= 1:
            for reason in skipped:
                self.stdout.write(reason)
            counts = {
                "created": created,
                "present": len(steps) - created - len(skipped),
                "skipped": len(skipped),
            }
            if skipped:
                summary = _(
                    "Demo data: %(created)d created, %(present)d already present, "
                    "%(skipped)d left alone."
                )
            else:
                summary = _("Demo data: %(created)d created, %(present)d already present.")
            self.stdout.write(summary % counts)
            self.stdout.write(f"demo password: {DEMO_PASSWORD} (staff account: {DEMO_ADMIN})")
