"""`tribune serve`: migrate, collect static files, then run the web server and the task worker.

The web server is gunicorn (threaded workers) and the task worker is huey's
consumer, each a child process of this one, which supervises both: a signal to
this process stops both gracefully (a second one stops them at once), and when
either child stops on its own the other is stopped too and the command fails,
so that a service manager (systemd, Docker) sees it and restarts the whole.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

import tribune
from tribune.config import env_int, env_str

THREADS_PER_WORKER = 4
MAX_DEFAULT_WORKERS = 4
# gunicorn's and huey's own graceful timeouts; after them (plus a margin) the
# supervisor kills what is left.
GRACEFUL_SECONDS = 30
KILL_AFTER_SECONDS = GRACEFUL_SECONDS + 10
POLL_SECONDS = 0.2
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def default_web_workers() -> int:
    """TRIBUNE_WEB_WORKERS, or 2 * CPUs + 1 capped at 4 (SQLite gains little from more)."""
    configured = env_int("TRIBUNE_WEB_WORKERS", 0)
    if configured > 0:
        return configured
    try:
        cpus = len(os.sched_getaffinity(0))  # the CPUs this process may use (containers)
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return min(2 * cpus + 1, MAX_DEFAULT_WORKERS)


@dataclass
class Child:
    """A supervised process, with the signals that stop it gracefully and at once."""

    name: str
    args: list[str]
    graceful: signal.Signals
    immediate: signal.Signals
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, env: dict[str, str], preexec: Callable[[], None] | None) -> None:
        self.process = subprocess.Popen(  # noqa: S603  # our own argument list, no shell
            self.args,
            env=env,
            # A process group of its own: Ctrl-C in a terminal then reaches only the
            # supervisor, which sends each child exactly the signal it should get
            # (a second SIGINT would cut huey's graceful shutdown short).
            process_group=0,
            preexec_fn=preexec,  # only calls prctl(): see _die_with_parent
        )

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.process.poll() if self.process else None

    def send(self, signum: signal.Signals) -> None:
        if self.process is not None and self.running:
            # It may exit between the check and the signal.
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signum)


class Command(BaseCommand):
    help = (
        "Apply migrations, collect static files, then serve the site with gunicorn and "
        "run the task worker, until stopped with Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=(
                "Web server processes (default: TRIBUNE_WEB_WORKERS, or 2 * CPUs + 1 "
                f"up to {MAX_DEFAULT_WORKERS}), each with {THREADS_PER_WORKER} threads."
            ),
        )
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Load the demo data first if the database has no member yet.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity: int = options["verbosity"]
        host: str = options["host"]
        port: int = options["port"]
        workers: int = (
            options["workers"] if options["workers"] is not None else default_web_workers()
        )
        if workers < 1:
            raise CommandError("--workers must be 1 or more.")
        if not 0 < port < 65536:
            raise CommandError("--port must be between 1 and 65535.")

        call_command("migrate", interactive=False, verbosity=verbosity)
        call_command("collectstatic", interactive=False, verbosity=verbosity)
        if options["demo"] and not get_user_model().objects.exists():
            call_command("demo", verbosity=verbosity)
        # The children open their own connections; this process keeps none open.
        connections.close_all()

        web = Child(
            "web server",
            [*self.web_server_args(host, port, workers)],
            graceful=signal.SIGTERM,  # gunicorn: finish the requests in flight
            immediate=signal.SIGINT,
        )
        tasks = Child(
            "task worker",
            [
                sys.executable,
                "-m",
                "tribune.cli",
                "run_huey",
                "--graceful-signal",
                "INT",
                "--shutdown-timeout",
                str(GRACEFUL_SECONDS),
            ],
            graceful=signal.SIGINT,  # huey: finish the tasks in flight
            immediate=signal.SIGTERM,
        )
        code = self.supervise([web, tasks], host, port, workers)
        if code:
            raise CommandError("Tribune stopped after a failure (see above).", returncode=code)

    def web_server_args(self, host: str, port: int, workers: int) -> list[str]:
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "tribune.wsgi:application",
            f"--bind={bind}",
            f"--workers={workers}",
            "--worker-class=gthread",
            f"--threads={THREADS_PER_WORKER}",
            f"--graceful-timeout={GRACEFUL_SECONDS}",
            "--access-logfile=-",
            # Whose X-Forwarded-* headers to believe: a reverse proxy on this machine,
            # unless FORWARDED_ALLOW_IPS (gunicorn's own variable) names others.
            f"--forwarded-allow-ips={env_str('FORWARDED_ALLOW_IPS', '127.0.0.1,::1')}",
            # The control socket lives in ~/.gunicorn by default: two sites run by the
            # same user would fight over it, and nothing here uses it.
            "--no-control-socket",
        ]

    def supervise(self, children: list[Child], host: str, port: int, workers: int) -> int:
        """Run the children until a signal or one of them stops; returns the exit status."""
        received: list[int] = []

        def on_signal(signum: int, frame: FrameType | None) -> None:
            received.append(signum)

        previous = {
            signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)
        }
        env = self.child_environment()
        try:
            for child in children:
                child.start(env, _die_with_parent())
            self.announce(children, host, port, workers)
            return self.wait(children, received)
        finally:
            for child in children:
                if child.running and child.process is not None:
                    child.process.kill()
                    child.process.wait()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def wait(self, children: list[Child], received: list[int]) -> int:
        failed: Child | None = None
        killed = False
        stopping = 0  # signals handled so far: 1 = graceful stop sent, 2 = immediate
        deadline = float("inf")
        while any(child.running for child in children):
            if failed is None and not received:
                failed = next((child for child in children if not child.running), None)
                if failed is not None:
                    self.stderr.write(
                        f"The {failed.name} stopped (exit status {failed.returncode}); "
                        "stopping Tribune."
                    )
            wanted = max(len(received), 1 if failed else 0)
            if wanted > stopping:
                if stopping == 0:
                    self.stdout.write("Stopping: finishing the requests and tasks in flight...")
                    deadline = time.monotonic() + KILL_AFTER_SECONDS
                stopping = min(wanted, 2)
                for child in children:
                    child.send(child.graceful if stopping == 1 else child.immediate)
            if time.monotonic() > deadline:
                deadline = float("inf")  # once: SIGKILL cannot be ignored
                killed = self.kill_late(children)
            time.sleep(POLL_SECONDS)
        self.stdout.flush()

        # A child that stopped unasked failed, even with status 0: nothing serves now.
        if failed is None and not received:
            failed = children[0]  # they all stopped at once, between two looks
        if failed is not None:
            return _exit_status(failed.returncode) or 1
        return self.stopped_as_asked(children, killed=killed)

    def kill_late(self, children: list[Child]) -> bool:
        """Kill the children still running after the graceful timeouts; whether any was."""
        late = [child for child in children if child.running]
        for child in late:
            self.stderr.write(f"The {child.name} did not stop in time; killing it.")
            child.send(signal.SIGKILL)
        return bool(late)

    def stopped_as_asked(self, children: list[Child], *, killed: bool) -> int:
        """The exit status of a stop that was asked for: 0 unless a child had to be killed.

        A child still starting when the signal came ends with a status of its own
        (Python's KeyboardInterrupt, gunicorn's boot error): that is the stop, not a
        failure, and a service manager that asked for it must not see one.
        """
        for child in children:
            if child.returncode:
                self.stdout.write(f"The {child.name} ended with status {child.returncode}.")
        return 1 if killed else 0

    def child_environment(self) -> dict[str, str]:
        env = dict(os.environ)
        # The children import tribune as this process does, even from a checkout
        # run through manage.py (which puts src/ on sys.path, not on PYTHONPATH).
        source = str(Path(tribune.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH")) if p)
        env.setdefault("DJANGO_SETTINGS_MODULE", "tribune.settings")
        # One release for the web workers and the task worker: the fragments they cache
        # are shared among them, and a start of this command never serves those of the
        # code that ran before it (without TRIBUNE_RELEASE, each start is a release).
        env.setdefault("TRIBUNE_RELEASE", settings.TRIBUNE_RELEASE)
        # Logs reach the terminal or the journal as they happen, not in blocks.
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    def announce(self, children: list[Child], host: str, port: int, workers: int) -> None:
        shown = f"[{host}]" if ":" in host else host
        everywhere = " (every interface)" if host in {"0.0.0.0", "::"} else ""  # noqa: S104
        web, tasks = children
        self.stdout.write(f"Tribune is serving http://{shown}:{port}/{everywhere}")
        self.stdout.write(
            f"  web server: gunicorn, {workers} workers x {THREADS_PER_WORKER} threads "
            f"(pid {web.pid})"
        )
        self.stdout.write(f"  task worker: huey (pid {tasks.pid})")
        if settings.SECURE_SSL_REDIRECT:
            self.stdout.write(
                "  HTTPS is on: plain-HTTP requests are redirected to https://. Put a "
                "TLS proxy in front, or set TRIBUNE_HTTPS=0 to try it locally."
            )
        self.stdout.write("Press Ctrl-C to stop.")
        self.stdout.flush()


def _exit_status(returncode: int | None) -> int:
    # A child killed by a signal has a negative return code: report plain failure.
    if not returncode:
        return 0
    return returncode if returncode > 0 else 1


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, a function for Popen that makes the child get SIGTERM if we die.

    Signals reach the children through this process only (they have their own
    process group), so if it is killed outright (SIGKILL, the OOM killer) they
    would otherwise keep running and keep the port.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        # Looked up here, before the fork: the child may only call prctl itself.
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def set_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)

    return set_death_signal
