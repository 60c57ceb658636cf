"""Without Redis, every process of a site shares one cache: what one changes, the others see.

Each test runs real processes on the embedded settings (tests/core/sites.py): the
test suite's own cache is per process, for speed.
"""

from __future__ import annotations

import json
import signal
import subprocess
import urllib.request

from tests.core.sites import (
    free_port,
    python_in_site,
    run_ok,
    tribune_args,
    wait_until,
)
from tribune.core.cache import SharedDiskCache


def _funding(port: int) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/funding", timeout=10) as r:
        data: dict[str, object] = json.loads(r.read())
        return data


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            status: int = r.status
            return status == 200
    except OSError:
        return False


def test_a_donation_confirmed_by_the_command_shows_at_once_on_the_served_site(
    sqlite_site, tmp_path
):
    run_ok(
        "accounts", "create", "ada", "--email", "ada@example.org", "--confirmed", env=sqlite_site
    )
    donation = python_in_site(
        "from tribune.accounts.models import Member\n"
        "from tribune.funding.services import donation_create\n"
        "d, _ = donation_create(member=Member.objects.get(username='ada'), amount='13.00',"
        " currency='EUR', interval='month', success_url='http://127.0.0.1/',"
        " cancel_url='http://127.0.0.1/')\n"
        "print(d.pk)",
        env=sqlite_site,
    ).strip()

    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            tribune_args("serve", "--port", str(port), "--workers", "1"),
            env=sqlite_site,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: server.poll() is not None or _answers(port), seconds=120, what="serve")
        assert server.poll() is None, log.read_text()
        assert _funding(port)["raised"] == "0.00"  # and the web process caches the summary

        confirmed = run_ok("donations", "confirm", donation, env=sqlite_site)
        assert confirmed.startswith("Confirmed now:")

        assert _funding(port)["raised"] == "13.00"
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=120) == 0, log.read_text()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_one_process_sets_and_clears_what_another_reads(sqlite_site):
    def in_site(code: str) -> str:
        return python_in_site(
            f"from django.core.cache import cache\n{code}", env=sqlite_site
        ).strip()

    assert (
        in_site("from django.core.cache import caches; print(type(caches['default']).__name__)")
        == "SharedDiskCache"
    )
    in_site("cache.set('shared', 'from the first process', 60)")
    assert in_site("print(cache.get('shared'))") == "from the first process"
    in_site("cache.delete('shared')")
    assert in_site("print(cache.get('shared'))") == "None"


def test_allauth_rate_limits_count_across_processes(sqlite_site):
    # Log-ins are limited to 30 a minute per address (settings.ACCOUNT_RATE_LIMITS):
    # the count must not restart in each web process.
    consume = (
        "from django.test import RequestFactory\n"
        "from allauth.core.ratelimit import consume\n"
        "request = RequestFactory().post('/accounts/login/', REMOTE_ADDR='203.0.113.9')\n"
        "print(sum(consume(request, action='login') for _ in range({n})))"
    )
    assert python_in_site(consume.format(n=20), env=sqlite_site).strip() == "20"
    assert python_in_site(consume.format(n=20), env=sqlite_site).strip() == "10"


def test_set_many_stores_every_value(tmp_path):
    cache = SharedDiskCache(str(tmp_path / "cache"), {})
    cache.set_many({f"card:{i}": f"<article>{i}</article>" for i in range(30)}, 60)
    cache.close()  # a request ends: the next one reads on
    assert cache.get_many([f"card:{i}" for i in range(30)]) == {
        f"card:{i}": f"<article>{i}</article>" for i in range(30)
    }
