"""Run a command against a real PostgreSQL and Redis started for it.

    python -m tests.services -- pytest [args]

Starts a throwaway PostgreSQL cluster and a Redis server on loopback (free ports,
data in a temporary folder, durability off since it is thrown away), exports
DATABASE_URL and REDIS_URL to the command, and stops both afterwards. When
TEST_DATABASE_URL or TEST_REDIS_URL name servers that already run, those are used
instead; under pytest-xdist each worker takes the Redis database numbered after it
(tests/workers.py), so such a Redis needs as many databases as there are workers
(16 unless `databases` is set in its configuration). Without the server programs it
skips, unless CI or TRIBUNE_REQUIRE_SERVICES=1 asks for them, in which case it fails.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# One Redis database per pytest-xdist worker (tests/workers.py); Redis has 16 unless told.
REDIS_DATABASES = 256


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port} after {seconds} s")


def postgres_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    for found in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(found).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def as_postgres_user(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root, so step down to `postgres`.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    bindir = postgres_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL (initdb) is not installed")
    root = Path(tempfile.mkdtemp(prefix="tribune-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    subprocess.run(
        as_postgres_user(
            [str(bindir / "initdb"), "-D", str(data), "-U", "tribune", "-A", "trust", "--no-sync"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {root} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c max_connections=200"
    )
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", options]
    subprocess.run(
        as_postgres_user([*pg_ctl, "-w", "start"]), check=True, stdout=subprocess.DEVNULL
    )
    try:
        subprocess.run(
            as_postgres_user(
                [
                    str(bindir / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    "tribune",
                    "tribune",
                ]
            ),
            check=True,
        )
        yield f"postgres://tribune@127.0.0.1:{port}/tribune"
    finally:
        subprocess.run(
            as_postgres_user([*pg_ctl, "-m", "immediate", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def redis() -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        raise FileNotFoundError("Redis (redis-server) is not installed")
    port = free_port()
    process = subprocess.Popen(
        [
            server,
            *("--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no"),
            *("--databases", str(REDIS_DATABASES)),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print("usage: python -m tests.services -- COMMAND [ARGS]", file=sys.stderr)
        return 2
    required = os.environ.get("CI") == "true" or os.environ.get("TRIBUNE_REQUIRE_SERVICES") == "1"
    with contextlib.ExitStack() as stack:
        try:
            database_url = os.environ.get("TEST_DATABASE_URL") or stack.enter_context(postgres())
            redis_url = os.environ.get("TEST_REDIS_URL") or stack.enter_context(redis())
        except FileNotFoundError as missing:
            if required:
                print(f"tests.services: {missing}; it is required here.", file=sys.stderr)
                return 1
            print(f"tests.services: {missing}; skipping the PostgreSQL + Redis run.")
            return 0
        print(f"tests.services: running on {database_url} with {redis_url}", flush=True)
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
        return subprocess.run(argv, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
