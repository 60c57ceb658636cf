"""Run the real `tribune` command in child processes, each against a site in a temporary folder.

pytest-django's test database lives in memory (SQLite) or under another name
(PostgreSQL), so commands that copy, replace or serve the database run in a child
process with their own TRIBUNE_VAR_DIR, as an operator would run them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import tribune

SRC = Path(tribune.__file__).resolve().parent.parent
# Bounds on waits, so that a hang fails the test instead of blocking the run; they
# are generous on purpose and say nothing about speed.
COMMAND_TIMEOUT = 180


def site_env(var_dir: Path, *, database_url: str | None = None) -> dict[str, str]:
    """The environment of a site whose files live in `var_dir` (SQLite unless a URL is given)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "TRIBUNE_TESTING"}
    }
    env.update(
        TRIBUNE_VAR_DIR=str(var_dir),
        TRIBUNE_HTTPS="0",
        DJANGO_SETTINGS_MODULE="tribune.settings",
        PYTHONPATH=os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p),
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def tribune_args(*args: str) -> list[str]:
    """The command line of `tribune ARGS` with this Python."""
    return [sys.executable, "-m", "tribune.cli", *args]


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `tribune ARGS` to the end and return what it printed."""
    return subprocess.run(  # our own command line
        tribune_args(*args),
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def run_ok(*args: str, env: dict[str, str]) -> str:
    """Run `tribune ARGS`, fail the test with its output unless it succeeds; returns stdout."""
    result = run(*args, env=env)
    assert result.returncode == 0, (
        f"tribune {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def python_in_site(code: str, *, env: dict[str, str]) -> str:
    """Run Python code in the site (`tribune shell -c`) and return what it printed."""
    return run_ok("shell", "--no-imports", "-c", code, env=env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what} after {seconds} s")


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie has exited; only its parent has not collected it yet.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True
