"""Demo data: the registry of apps that contribute some, and how it is loaded.

Each app that has demo data provides a `demo` module with a function
`steps() -> list[DemoStep]`. `tribune demo` collects the steps of every module in
`DEMO_MODULES`, in that order, and runs them one by one. A step must be
idempotent: it looks for what it would create and leaves it alone when it is
there, so the command can run again (or resume after a failure) safely.

`steps()` is called for every module before any step runs, so it must not read
the data of earlier modules; a step reads it when it runs (posts look their
authors up by username, for example).

Demo data goes around what a site already has: a step whose place is taken by
something that is not the demo's (a subwiki at one of the demo's addresses, made
by someone else) raises DemoSkipped, saying what it left alone, and the demo
goes on with the next step.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction

from tribune.core.ratelimit import rate_limits_off

# In dependency order: a module may rely on what the ones before it created.
DEMO_MODULES: tuple[str, ...] = (
    "tribune.accounts.demo",
    "tribune.communities.demo",
    "tribune.posts.demo",
    "tribune.accounts.demo_follows",
    "tribune.posts.demo_reactions",
    "tribune.talk.demo",
    "tribune.accounts.demo_access",
    "tribune.funding.demo",
    "tribune.moderation.demo",
    # Levels computed once the rest is there, so that a later run changes none.
    "tribune.trust.demo",
    "tribune.notes.demo",
)

# Every demo member logs in with this password (docs/operations.md says so). It is
# long enough and uncommon enough to pass Django's password validators.
DEMO_PASSWORD = "tribune-demo-only"  # noqa: S105  # published on purpose, demo only

# The staff account of the demo, named in the command's output.
DEMO_ADMIN = "admin"


@dataclass(frozen=True)
class DemoStep:
    """One idempotent piece of demo data; `run` returns True when it created something."""

    label: str
    run: Callable[[], bool]


class DemoSkipped(Exception):
    """Raised by a step that leaves existing data alone; the message says what, for the operator.

    Whatever the step wrote before raising it is rolled back.
    """


def demo_steps(modules: Iterable[str] = DEMO_MODULES) -> list[DemoStep]:
    """Every step of the registered demo modules, in order."""
    steps: list[DemoStep] = []
    for name in modules:
        module = importlib.import_module(name)
        steps.extend(module.steps())
    return steps


def demo_run(
    steps: Iterable[DemoStep], *, on_skip: Callable[[DemoStep, str], None] | None = None
) -> Iterator[tuple[DemoStep, bool]]:
    """Run each step in its own transaction; yields it with whether it created something.

    A step that raises DemoSkipped created nothing; `on_skip` gets it with the reason.
    """
    for step in steps:
        # One transaction per step: a failure keeps what earlier steps made, and the
        # next run picks up where this one stopped.
        # Demo members write in bulk: rate limits would stop them half-way.
        try:
            with transaction.atomic(), rate_limits_off():
                created = step.run()
        except DemoSkipped as skipped:
            created = False
            if on_skip is not None:
                on_skip(step, str(skipped))
        yield step, created
