"""Measure the feeds against the floor, with the production server, on loopback.

    python -m bench.feeds [--scale 1 | --database-url URL] [--duration 10] [--concurrency 8]
                          [--compare-scale 0.1 | --compare-database-url URL]

On a network made by `bench.generate`, this serves the site with `tribune serve`
(gunicorn, as in production) on a free loopback port, signs the heavy follower in,
and drives concurrent keep-alive clients at: the home feed page and API, first
page and at a cursor halfway back; the busiest subwiki's page; the post with 200
comments; a post save (PATCH from the current revision). In the same run it
measures the floor: a trivial view on the same server (/healthz), before and after
each of those, and the home feed's own SQL statement timed alone in-process.
Each result is printed as a ratio to the floor, with the query count and the
query plans of every list page (a scan of a whole large table is flagged), and is
written to bench/results/ as JSON and Markdown.

With --compare-scale (or --compare-database-url) a second, smaller network is
served beside the first, and the home feed is timed on both in alternating rounds:
its cost should follow the page size, not the table size.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import http.client
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from bench import (
    BIG_THREAD_TITLE,
    EDIT_POST_TITLE,
    HEAVY_PASSWORD,
    HEAVY_USERNAME,
    REPO_DIR,
    RESULTS_DIR,
    configure,
    default_var_dir,
    scale_label,
    sqlite_url,
    var_dir_for,
)

PAGE_SIZE = 20  # the feeds' default page
SAVE_MARK = "Benchmark save"
WARMUP_SECONDS = 2.0
# Each scenario is measured in rounds, the trivial view between them: load that drifts
# during a scenario then weighs on the floor it is set against too. Rounds after the
# first warm up for less (the caches are warm; only the connections are new).
ROUNDS = 3
ROUND_WARMUP_SECONDS = 0.5
# What a target compares side by side (page one and halfway back, the two scales) is
# measured in alternating rounds, short enough that a burst of load falls on both.
SIDE_BY_SIDE_ROUNDS = 6
HOST = "127.0.0.1"  # loopback only: the benchmark never leaves this machine

# The targets (docs/benchmarks.md says what each guards).
TARGET_SCALE_RATIO = 1.2  # home p50 at 200,000 posts / at 20,000 posts
TARGET_HALFWAY_RATIO = 1.25  # home p50 at a cursor halfway back / on page one
TARGET_HTML_SHARE = 0.10  # home page throughput / trivial view's
TARGET_API_SHARE = 0.15  # home API throughput / trivial view's
TARGET_FEED_QUERIES = 6
TARGET_POST_QUERIES = 8

# Rate limits of the served site (TRIBUNE_RATE_LIMITS): the saves' scope, raised.
BENCH_RATE_LIMITS = ",".join(
    f"edit.{part}=1000000/h" for part in ("member", "new_member", "address")
)

# Tables that grow with the network: reading one of them whole is the decay this
# benchmark looks for (subwikis stay in the hundreds). A table counts as large once
# it holds LARGE_ROWS rows: below that PostgreSQL rightly prefers reading it whole.
LARGE_ROWS = 5_000
LARGE_TABLES = (
    "accounts_member",
    "accounts_memberfollow",
    "account_emailaddress",
    "communities_membership",
    "communities_subwikifollow",
    "django_session",
    "posts_post",
    "posts_reaction",
    "talk_comment",
    "talk_commentrevision",
    "wiki_page",
    "wiki_revision",
)


# --- The probe: in-process, against the database ---------------------------------------
# Run as a child process (`--probe`), so that each database gets a Django of its own.


def probe(sql_seconds: float) -> dict[str, Any]:
    """What the load needs (token, ids, cursors), the SQL floor, query counts and plans."""
    from django.db import connection
    from django.db.models import Count

    from tribune.accounts.models import Member
    from tribune.communities.models import Subwiki
    from tribune.posts.models import Post

    heavy = Member.objects.get(username=HEAVY_USERNAME)
    posts = Post.objects.count()
    subwiki = Subwiki.objects.filter(visibility="public").order_by("-post_count", "pk").first()
    assert subwiki is not None  # noqa: S101  # a generated network has public subwikis
    big = Post.objects.get(title=BIG_THREAD_TITLE)
    edit_posts = sorted(
        Post.objects.filter(title__startswith=EDIT_POST_TITLE).select_related("page"),
        key=lambda p: int(p.title.rsplit("#", 1)[1]),
    )
    busiest_author = (
        Post.objects.values_list("author__username", flat=True)
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    feed_total, halfway = halfway_cursor(heavy)
    paths = {
        "trivial": "/healthz",
        "home_html": "/",
        "home_html_half": "/?" + urlencode({"cursor": halfway}),
        "home_api": "/api/v1/feed/home",
        "home_api_half": "/api/v1/feed/home?" + urlencode({"cursor": halfway}),
        "subwiki_html": f"/s/{subwiki.slug}/",
        "post_html": f"/p/{big.pk}/",
        "post_save": "/api/v1/posts/{id}",
        "all_html": "/all/",
        "member_html": f"/u/{busiest_author}/",
    }
    token = issue_token(heavy)
    rows = table_rows()
    return {
        "engine": connection.vendor,
        "engine_version": engine_version(),
        "posts": posts,
        "scale": round(posts / 200_000, 4),
        "rows": rows,
        "feed_total": feed_total,
        "heavy_id": heavy.pk,
        "token": token,
        "paths": paths,
        "edit_posts": [
            {"id": p.pk, "revision": p.page.current_revision_id, "body": unsaved(p.body)}
            for p in edit_posts
        ],
        "sql": time_sql(heavy, halfway, sql_seconds),
        "pages": inspect_pages(heavy, token, paths, rows),
    }


def unsaved(body: str) -> str:
    """A post's body without the line an earlier run's saves put first."""
    if body.startswith(SAVE_MARK):
        return body.split("\n\n", 1)[-1]
    return body


def issue_token(member: Any) -> str:
    """A personal access token for the bench, made directly (as an operator's script would)."""
    from tribune.api.models import PersonalAccessToken, hash_token
    from tribune.api.services import TOKEN_PREFIX

    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    PersonalAccessToken.objects.create(
        member=member, token_hash=hash_token(raw), prefix=raw[:12], name="bench"
    )
    return raw


def engine_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def table_rows() -> dict[str, int]:
    from django.apps import apps

    wanted = set(LARGE_TABLES) | {"communities_subwiki"}
    return {
        model._meta.db_table: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.db_table in wanted
    }


def feed_queryset(viewer: Any) -> Any:
    """The home feed as one plain query: what `subwiki IN (...) OR author IN (...)` reads.

    Not what the app runs; the benchmark uses it to find the halfway cursor and times
    it beside the app's statement, as the reference of a feed that decays with size.
    """
    from django.db.models import Q

    from tribune.accounts.models import MemberFollow
    from tribune.communities.models import SubwikiFollow
    from tribune.communities.selectors import subwiki_visibility_q
    from tribune.posts.models import Post
    from tribune.posts.selectors import post_visibility_q

    subwikis = list(
        SubwikiFollow.objects.filter(member=viewer)
        .filter(subwiki_visibility_q(viewer, prefix="subwiki__"))
        .values_list("subwiki_id", flat=True)
    )
    authors = [
        viewer.pk,
        *MemberFollow.objects.filter(follower=viewer).values_list("followed_id", flat=True),
    ]
    return (
        Post.objects.filter(post_visibility_q(viewer))
        .filter(Q(subwiki_id__in=subwikis) | Q(author_id__in=authors))
        .order_by("-created_at", "-id")
    )


def halfway_cursor(viewer: Any) -> tuple[int, str]:
    """The feed's length and the cursor of its middle post (as the feed's cursors are made)."""
    from tribune.core.pagination import encode_cursor

    feed = feed_queryset(viewer)
    total = feed.count()
    created_at, pk = feed.values_list("created_at", "id")[total // 2]
    return total, encode_cursor([created_at, pk])


def after(cursor: str) -> Any:
    from django.db.models import Q

    from tribune.core.pagination import decode_cursor

    created_at, pk = decode_cursor(cursor, size=2)
    return Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk)


def time_sql(viewer: Any, halfway: str, seconds: float) -> dict[str, Any]:
    """The home feed's statement (from the feeds app) timed alone, first page and halfway,
    run as the feed runs it (on PostgreSQL with its planner settings, prepared by psycopg
    after a few runs); and the reference statement, run plainly."""
    from tribune.feeds.home import home_feed_runner

    out: dict[str, Any] = {}
    for name, cursor in (("home_sql", None), ("home_sql_half", halfway)):
        runner = home_feed_runner(viewer.pk, cursor, PAGE_SIZE)
        out[name] = time_run(functools.partial(count_rows, runner), seconds)
        out[name]["plan"] = condense(explain_home_feed(viewer.pk, cursor))

    naive = feed_queryset(viewer).values_list("id", "created_at")
    for name, queryset in (
        ("naive_sql", naive),
        ("naive_sql_half", naive.filter(after(halfway))),
    ):
        sql, params = queryset[: PAGE_SIZE + 1].query.sql_with_params()
        out[name] = time_run(functools.partial(run_plain, sql, params), seconds)
        out[name]["plan"] = condense(explain(sql, list(params)))
    return out


def count_rows(run: Callable[[], list[Any]]) -> int:
    return len(run())


def run_plain(sql: str, params: Any) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


def time_run(run: Callable[[], int], seconds: float) -> dict[str, Any]:
    """How long `run` (a statement, returning its number of rows) takes, alone."""
    samples: list[float] = []
    rows = 0
    for _ in range(3):  # warm the page cache and the statement cache
        run()
    deadline = time.perf_counter() + seconds
    while (time.perf_counter() < deadline and len(samples) < 5_000) or len(samples) < 20:
        start = time.perf_counter()
        rows = run()
        samples.append(time.perf_counter() - start)
    return {"rows": rows, **summarise(samples, seconds=sum(samples))}


# A named placeholder of a statement, as psycopg numbers them ($1, $2... in the order the
# names first appear) when it binds the values on the server.
NAMED_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# The home feed's page statement: its merged sources are read `AS feed_page`.
FEED_PAGE = "feed_page"


def psycopg_prepared(sql: str) -> tuple[str, list[str]] | None:
    """The name PostgreSQL knows a statement by if psycopg has prepared it on this
    connection, with its placeholders' names in the order of their numbers."""
    from django.db import connection

    order = list(dict.fromkeys(NAMED_PLACEHOLDER.findall(sql)))
    text = NAMED_PLACEHOLDER.sub(lambda m: f"${order.index(m.group(1)) + 1}", sql)
    with connection.cursor() as cursor:
        query = "SELECT name FROM pg_prepared_statements WHERE statement = %s"
        cursor.execute(query, [text.replace("%%", "%")])
        found = cursor.fetchone()
    return (str(found[0]), order) if found else None


def explain_home_feed(viewer_id: int, cursor: str | None) -> list[str]:
    """The plan of the home feed's statement as it runs: on PostgreSQL, the plan of the
    statement psycopg prepared (EXPLAIN EXECUTE: the generic plan, once PostgreSQL keeps
    one), or of its text with the values where it is not prepared (yet)."""
    from django.db import connection

    from tribune.feeds.home import home_feed_sql

    sql, params = home_feed_sql(viewer_id, cursor, PAGE_SIZE)
    prepared = psycopg_prepared(sql) if connection.vendor == "postgresql" else None
    if prepared is None:
        return explain(sql, params)
    name, order = prepared
    compose = connection.ops.compose_sql  # type: ignore[attr-defined]
    values = ", ".join(compose("%s", [params[key]]) for key in order)
    with connection.cursor() as db:
        db.execute(f"EXPLAIN EXECUTE {name}({values})")
        return [str(row[0]) for row in db.fetchall()]


def explain(sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[str]:
    """The plan of a statement, one line per step (SQLite's tree is indented)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            depth: dict[int, int] = {0: -1}
            lines = []
            for node, parent, _unused, detail in cursor.fetchall():
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            return lines
        cursor.execute(f"EXPLAIN {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def inspect_pages(
    viewer: Any, token: str, paths: dict[str, str], rows: dict[str, int]
) -> dict[str, Any]:
    """Each list page's queries (counted in-process, the second time it is asked) and plans."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME=HOST)
    client.force_login(viewer)
    api = {"Authorization": f"Bearer {token}"}
    out: dict[str, Any] = {}
    for name in (
        "home_html",
        "home_html_half",
        "home_api",
        "home_api_half",
        "subwiki_html",
        "post_html",
        "all_html",
        "member_html",
    ):
        headers = api if "_api" in name else {}
        client.get(paths[name], headers=headers)  # warm caches, as the server's would be
        with CaptureQueriesContext(connection) as queries:
            response = client.get(paths[name], headers=headers)
        selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
        cursor = parse_qs(urlsplit(paths[name]).query).get("cursor", [None])[0]
        plans = []
        for sql in dict.fromkeys(selects):
            if FEED_PAGE in sql and name.startswith("home_"):
                lines = explain_home_feed(viewer.pk, cursor)  # as it runs
            else:
                lines = explain(sql)
            found = findings(lines, sql, rows)
            plans.append({"sql": shorten(sql), "plan": condense(lines), "findings": found})
        items = None
        if "_api" in name and response.status_code == 200:
            items = len(response.json()["items"])
        out[name] = {
            "status": response.status_code,
            "queries": len(queries.captured_queries),
            "items": items,
            "plans": plans,
        }
    return out


SQLITE_SCAN = re.compile(r"^\s*SCAN (\w+)(?: AS \w+)?(?: USING (?:COVERING )?INDEX (\w+))?")
POSTGRES_SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
# A bitmap scan reads every row that matches before any LIMIT: of the posts of a busy
# source, thousands where a page needs twenty.
POSTGRES_BITMAP_SCAN = re.compile(r"Bitmap Heap Scan on (posts_post)\b")
SQL_ALIAS = re.compile(r'"(\w+)" (?:AS )?"?([A-Z]\d+)"?')


def findings(plan: list[str], sql: str, rows: dict[str, int]) -> list[str]:
    """What in a plan reads a large table whole: a full scan, or a scan of a whole index;
    or every matching post before the LIMIT (a bitmap scan)."""
    # SQLite names a table by its alias in the statement (Django's subqueries use U0...).
    aliases = {alias: table for table, alias in SQL_ALIAS.findall(sql)}

    def large(name: str) -> str | None:
        table = aliases.get(name, name)
        return table if table in LARGE_TABLES and rows.get(table, 0) >= LARGE_ROWS else None

    found = []
    for line in plan:
        sqlite = SQLITE_SCAN.match(line)
        if sqlite and (table := large(sqlite.group(1))):
            if sqlite.group(2) is None:
                found.append(f"FULL SCAN of {table}")
            else:
                # Fine under a LIMIT that stops it early; a full read if few rows match.
                found.append(f"index-order scan of {table} (via {sqlite.group(2)})")
        postgres = POSTGRES_SEQ_SCAN.search(line)
        if postgres and (table := large(postgres.group(1))):
            found.append(f"FULL SCAN of {table}")
        bitmap = POSTGRES_BITMAP_SCAN.search(line)
        if bitmap and (table := large(bitmap.group(1))):
            found.append(f"bitmap scan of {table} (every matching row, before the LIMIT)")
    return found


def probe_main(database_url: str, var_dir: Path, sql_seconds: float) -> int:
    configure(database_url=database_url, var_dir=var_dir)
    from django.core.management import call_command

    # The schema and the static files as `tribune serve` will have them (it migrates and
    # collects them too): the probe reads the database first.
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    print(json.dumps(probe(sql_seconds), default=str))
    return 0


# --- The server ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """`tribune serve` on a free loopback port, against one database, until stopped."""

    def __init__(self, database_url: str, var_dir: Path, workers: int | None) -> None:
        self.database_url = database_url
        self.var_dir = var_dir
        self.workers = workers
        self.port = free_port()
        self.log = var_dir / "bench-server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "TRIBUNE_VAR_DIR": str(self.var_dir.resolve()),
            "TRIBUNE_HTTPS": "0",
            "DEBUG": "0",
            "ALLOWED_HOSTS": HOST,
            "LOG_LEVEL": "WARNING",
            # No link previews or other outbound fetches: only loopback traffic.
            "TRIBUNE_LINK_PREVIEWS": "0",
            # The save benchmark edits a post many times a second: limits high enough
            # that it is never refused, still counted (a save pays for its count).
            "TRIBUNE_RATE_LIMITS": os.environ.get("TRIBUNE_RATE_LIMITS", BENCH_RATE_LIMITS),
        }
        args = [sys.executable, "-m", "tribune.cli", "serve", "--host", HOST]
        args += ["--port", str(self.port)]
        if self.workers:
            args += ["--workers", str(self.workers)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_ready()
        return self

    def wait_ready(self, seconds: float = 300) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the server stopped; see {self.log}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            time.sleep(0.5)
        raise RuntimeError(f"the server did not answer in {seconds} s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # the supervisor stops its children
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def description(self) -> str:
        """ "gunicorn, N workers x M threads", as the server announced it."""
        found = re.search(r"web server: (.*?) \(pid", self.log.read_text(errors="replace"))
        return found.group(1) if found else "gunicorn"


def sign_in(port: int) -> str:
    """The heavy follower's session cookie, from the sign-in page as a browser gets it."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    cookies = cookies_of(response)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None or "csrftoken" not in cookies:
        raise RuntimeError("the sign-in page has no CSRF token")
    form = urlencode(
        {"csrfmiddlewaretoken": token.group(1), "login": HEAVY_USERNAME, "password": HEAVY_PASSWORD}
    )
    conn.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
        },
    )
    response = conn.getresponse()
    response.read()
    session = cookies_of(response).get("sessionid")
    conn.close()
    if response.status != 302 or not session:
        raise RuntimeError(f"signing in as {HEAVY_USERNAME} failed (HTTP {response.status})")
    return f"sessionid={session}; csrftoken={cookies['csrftoken']}"


def cookies_of(response: http.client.HTTPResponse) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


# --- The load -----------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Client:
    """One simulated client's requests: the same one again, unless a subclass says otherwise."""

    def __init__(self, request: Request) -> None:
        self.request = request

    def next(self) -> Request:
        return self.request

    def done(self, status: int, body: bytes) -> None:
        pass


class Saver(Client):
    """Saves one post over and over, each time from the revision the last save made."""

    def __init__(self, post: dict[str, Any], token: str, number: int) -> None:
        super().__init__(Request("PATCH", f"/api/v1/posts/{post['id']}"))
        self.post, self.token, self.number = post, token, number
        self.revision = post["revision"]
        self.saves = 0

    def next(self) -> Request:
        self.saves += 1
        body = f"{SAVE_MARK} {self.saves} by client {self.number}.\n\n{self.post['body']}"
        payload = {"body": body, "summary": "Benchmark save", "base_revision": str(self.revision)}
        return Request(
            "PATCH",
            self.request.path,
            json.dumps(payload).encode(),
            {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )

    def done(self, status: int, body: bytes) -> None:
        if status == 200:
            self.revision = json.loads(body)["revision"]


@dataclass
class Measured:
    samples: list[float]
    seconds: float
    errors: Counter[str]
    # CPU time per measured request, in ms: the server's processes, and the clients'.
    cpu: dict[str, float] | None = None


def process_tree_cpu(pid: int) -> float | None:
    """CPU seconds (user and system) used so far by a process and all its descendants,
    from /proc (Linux); None where there is no /proc to read."""
    total = 0.0
    pending = [pid]
    tick = os.sysconf("SC_CLK_TCK")
    try:
        while pending:
            current = pending.pop()
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
                for task in Path(f"/proc/{current}/task").iterdir():
                    children = (task / "children").read_text().split()
                    pending.extend(int(child) for child in children)
    except OSError:
        return None
    return total


def measure(
    port: int,
    clients: list[Client],
    *,
    seconds: float,
    warmup: float = WARMUP_SECONDS,
    server_pid: int | None = None,
) -> Measured:
    """Run the clients concurrently, each on one keep-alive connection; time what follows
    the warm-up, and with `server_pid` count the CPU time the server and the clients use
    for it (load from other work on the machine slows requests, but costs them no CPU)."""
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    results: list[tuple[list[float], float, Counter[str]]] = []
    lock = threading.Lock()

    def run(client: Client) -> None:
        samples: list[float] = []
        errors: Counter[str] = Counter()
        last_end = measure_from
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        # Past the deadline, a client still finishes one measured request: a page that
        # takes longer than the whole measurement still gets a time.
        while time.perf_counter() < stop_at or (
            not samples and not errors and time.perf_counter() < stop_at + 120
        ):
            request = client.next()
            began = time.perf_counter()
            try:
                conn.request(request.method, request.path, request.body, request.headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=120)
                errors[type(error).__name__] += 1
                continue
            ended = time.perf_counter()
            client.done(response.status, body)
            if began >= measure_from:
                if 200 <= response.status < 300:
                    samples.append(ended - began)
                    last_end = ended
                else:
                    errors[f"HTTP {response.status}"] += 1
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=120)
        conn.close()
        with lock:
            results.append((samples, last_end, errors))

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, measure_from - time.perf_counter()))
    server_before = process_tree_cpu(server_pid) if server_pid else None
    clients_before = time.process_time()
    for thread in threads:
        thread.join()
    server_after = process_tree_cpu(server_pid) if server_pid else None
    clients_after = time.process_time()
    samples = [s for found, _end, _errors in results for s in found]
    errors: Counter[str] = Counter()
    for _samples, _end, found_errors in results:
        errors.update(found_errors)
    ended = max(end for _samples, end, _errors in results)
    cpu = None
    if server_before is not None and server_after is not None and samples:
        cpu = {
            "server_ms": (server_after - server_before) / len(samples) * 1000,
            "client_ms": (clients_after - clients_before) / len(samples) * 1000,
        }
    return Measured(
        samples=samples, seconds=max(ended - measure_from, 1e-9), errors=errors, cpu=cpu
    )


def percentile(sorted_samples: list[float], q: float) -> float:
    if not sorted_samples:
        return float("nan")
    return sorted_samples[min(len(sorted_samples) - 1, int(q * len(sorted_samples)))]


def summarise(samples: list[float], *, seconds: float) -> dict[str, Any]:
    ordered = sorted(samples)
    return {
        "requests": len(ordered),
        "throughput": len(ordered) / seconds if seconds > 0 else 0.0,
        "p50_ms": percentile(ordered, 0.50) * 1000,
        "p90_ms": percentile(ordered, 0.90) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
        "mean_ms": (sum(ordered) / len(ordered) * 1000) if ordered else float("nan"),
    }


# --- A run --------------------------------------------------------------------------


@dataclass
class Site:
    """A generated network, served: what the probe found, and the server's session."""

    label: str
    database_url: str
    var_dir: Path
    info: dict[str, Any] = field(default_factory=dict)
    server: Server | None = None
    cookie: str = ""

    @property
    def port(self) -> int:
        assert self.server is not None  # noqa: S101  # only used while served
        return self.server.port

    def clients(self, name: str, concurrency: int) -> list[Client]:
        paths, token = self.info["paths"], self.info["token"]
        if name == "post_save":
            posts = self.info["edit_posts"]
            # One post per client: saves from the same base would merge, not measure a save.
            return [Saver(posts[i], token, i) for i in range(min(concurrency, len(posts)))]
        if "_api" in name:
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        elif name == "trivial":
            headers = {}
        else:
            headers = {"Cookie": self.cookie}
        return [Client(Request("GET", paths[name], headers=headers)) for _ in range(concurrency)]


def run_probe(site: Site, sql_seconds: float) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.feeds", "--probe", "--database-url", site.database_url]
    args += ["--var-dir", str(site.var_dir), "--sql-seconds", str(sql_seconds)]
    path = os.pathsep.join(p for p in (str(REPO_DIR), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the probe of {site.label} failed:\n{done.stderr[-4000:]}")
    info: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return info


SCENARIOS = (
    ("trivial", "trivial view (/healthz): the floor"),
    ("home_html", "home feed page, page one"),
    ("home_html_half", "home feed page, halfway back"),
    ("home_api", "home feed API, page one"),
    ("home_api_half", "home feed API, halfway back"),
    ("subwiki_html", "busiest subwiki's page"),
    ("post_html", "post page with 200 comments"),
    ("post_save", "post save (PATCH from the current revision)"),
)


def run(args: argparse.Namespace) -> dict[str, Any]:
    main_site = site_for(args.database_url, args.scale, "main")
    sites = [main_site]
    if args.compare_database_url or args.compare_scale:
        sites.append(site_for(args.compare_database_url, args.compare_scale, "compare"))
    load_before = os.getloadavg()
    started = time.monotonic()
    for site in sites:
        log(f"Probing {site.label} ({redact(site.database_url)}): plans, query counts, SQL…")
        site.info = run_probe(site, args.sql_seconds)
    with contextlib.ExitStack() as stack:
        for site in sites:
            log(f"Starting tribune serve for {site.label}…")
            site.server = stack.enter_context(Server(site.database_url, site.var_dir, args.workers))
            site.cookie = sign_in(site.port)
        http_results = measure_scenarios(main_site, args)
        depth = compare_depth(main_site, args)
        comparison = compare_scales(sites, args) if len(sites) > 1 else None
        server = main_site.server.description if main_site.server else ""
    load_after = os.getloadavg()
    return {
        "engine": main_site.info["engine"],
        "engine_version": main_site.info["engine_version"],
        "scale": main_site.info["scale"],
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in load_after],
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "server": server,
        "cache": "Redis" if os.environ.get("REDIS_URL") else "files under var/cache (diskcache)",
        "concurrency": args.concurrency,
        "duration": args.duration,
        "seconds": round(time.monotonic() - started),
        "rows": main_site.info["rows"],
        "feed_total": main_site.info["feed_total"],
        "http": http_results,
        "sql": strip_plans(main_site.info["sql"]),
        "sql_plans": {name: v["plan"] for name, v in main_site.info["sql"].items()},
        "pages": main_site.info["pages"],
        "depth": depth,
        "comparison": comparison,
    }


def measure_scenarios(site: Site, args: argparse.Namespace) -> dict[str, Any]:
    """Each scenario in ROUNDS rounds, the trivial view measured before, between and after
    them: the machine's load drifts, so each scenario is set against the floor of its own
    minutes, taken through them."""
    floor_seconds = max(3.0, args.duration / 2) / ROUNDS
    pid = site.server.pid if site.server else None

    def run(clients: list[Client], seconds: float, warmup: float) -> Measured:
        return measure(site.port, clients, seconds=seconds, warmup=warmup, server_pid=pid)

    def trivial(warmup: float) -> Measured:
        return run(site.clients("trivial", args.concurrency), floor_seconds, warmup)

    log(f"  trivial for {floor_seconds:g} s…")
    floors = [trivial(WARMUP_SECONDS)]
    out: dict[str, Any] = {}
    for name, _label in SCENARIOS[1:]:
        log(f"  {name} for {args.duration:g} s, in {ROUNDS} rounds, the trivial view between…")
        # The same clients in every round: a saver goes on from the revision it made.
        clients = site.clients(name, args.concurrency)
        rounds: list[Measured] = []
        around = [floors[-1]]
        for number in range(ROUNDS):
            warmup = WARMUP_SECONDS if number == 0 else ROUND_WARMUP_SECONDS
            rounds.append(run(clients, args.duration / ROUNDS, warmup))
            around.append(trivial(ROUND_WARMUP_SECONDS))
        floors += around[1:]
        done, floor = pooled(rounds), pooled(around)
        floor_summary = summarise(floor.samples, seconds=floor.seconds)
        out[name] = {
            **summarise(done.samples, seconds=done.seconds),
            "errors": dict(done.errors),
            "cpu": done.cpu,
            "floor": {
                "throughput": floor_summary["throughput"],
                "p50_ms": floor_summary["p50_ms"],
                "cpu": floor.cpu,
            },
        }
    each = [summarise(f.samples, seconds=f.seconds) for f in floors]
    everything = pooled(floors)
    whole = summarise(everything.samples, seconds=everything.seconds)
    trivial_row = {
        **whole,
        "errors": dict(everything.errors),
        "cpu": everything.cpu,
        "floor": {
            "throughput": whole["throughput"],
            "p50_ms": whole["p50_ms"],
            "cpu": everything.cpu,
        },
        "runs": each,
    }
    return {"trivial": trivial_row, **out}


def pooled(measured: list[Measured]) -> Measured:
    """Several measurements of one thing as one: their samples, time, errors and CPU."""
    errors: Counter[str] = Counter()
    for found in measured:
        errors.update(found.errors)
    samples = [sample for found in measured for sample in found.samples]
    cpu = None
    if samples and all(found.cpu is not None for found in measured):
        cpu = {
            key: sum(found.cpu[key] * len(found.samples) for found in measured if found.cpu)
            / len(samples)
            for key in ("server_ms", "client_ms")
        }
    return Measured(
        samples=samples, seconds=sum(found.seconds for found in measured), errors=errors, cpu=cpu
    )


def compare_depth(site: Site, args: argparse.Namespace) -> dict[str, Any]:
    """The home feed's first page and its page halfway back, in alternating rounds (load
    drifts): what a deep cursor costs beside the first page, under the same load."""
    out: dict[str, Any] = {}
    for first, half in (("home_html", "home_html_half"), ("home_api", "home_api_half")):
        log(f"  {first} and {half}, in {SIDE_BY_SIDE_ROUNDS} alternating rounds…")
        found: dict[str, list[Measured]] = {first: [], half: []}
        for number in range(SIDE_BY_SIDE_ROUNDS):
            warmup = WARMUP_SECONDS if number == 0 else ROUND_WARMUP_SECONDS
            for name in (first, half):
                clients = site.clients(name, args.concurrency)
                seconds = args.duration / SIDE_BY_SIDE_ROUNDS
                found[name].append(measure(site.port, clients, seconds=seconds, warmup=warmup))
        summaries = {}
        for name, measured in found.items():
            both = pooled(measured)
            summaries[name] = summarise(both.samples, seconds=both.seconds)
        out[first] = {"first": summaries[first], "half": summaries[half]}
    return out


def compare_scales(sites: list[Site], args: argparse.Namespace) -> dict[str, Any]:
    """The home feed's first page on both networks, in alternating rounds (load drifts)."""
    out: dict[str, Any] = {}
    for name in ("home_html", "home_api"):
        log(f"  {name} on both networks, in {SIDE_BY_SIDE_ROUNDS} alternating rounds…")
        samples: dict[str, list[float]] = {site.label: [] for site in sites}
        seconds: dict[str, float] = {site.label: 0.0 for site in sites}
        for number in range(SIDE_BY_SIDE_ROUNDS):
            warmup = WARMUP_SECONDS if number == 0 else ROUND_WARMUP_SECONDS
            for site in sites:
                done = measure(
                    site.port,
                    site.clients(name, args.concurrency),
                    seconds=args.duration / SIDE_BY_SIDE_ROUNDS,
                    warmup=warmup,
                )
                samples[site.label] += done.samples
                seconds[site.label] += done.seconds
        out[name] = {
            label: {**summarise(samples[label], seconds=seconds[label])} for label in samples
        }
    main, small = sites
    out["scales"] = {"main": main.info["scale"], "compare": small.info["scale"]}
    out["posts"] = {"main": main.info["posts"], "compare": small.info["posts"]}
    out["sql"] = {
        label: {k: site.info["sql"][k]["p50_ms"] for k in ("home_sql", "naive_sql")}
        for label, site in (("main", main), ("compare", small))
    }
    return out


def strip_plans(sql: dict[str, Any]) -> dict[str, Any]:
    return {name: {k: v for k, v in found.items() if k != "plan"} for name, found in sql.items()}


def site_for(database_url: str, scale: float | None, label: str) -> Site:
    """The network to serve: a database URL, or the SQLite file `bench.generate` made."""
    if database_url:
        return Site(label, database_url, var_dir_for(database_url, 1.0))
    assert scale is not None  # noqa: S101  # argparse gives a default
    var_dir = default_var_dir(scale)
    path = var_dir / "tribune.sqlite3"
    if not path.exists():
        raise SystemExit(
            f"No network at scale {scale:g}: run python -m bench.generate --scale {scale:g}"
        )
    return Site(label, sqlite_url(path), var_dir)


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def git_commit() -> str | None:
    """The commit measured, marked when the working tree has changes on top of it."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=REPO_DIR,
            check=False,
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain"],
            capture_output=True,
            text=True,
            cwd=REPO_DIR,
            check=False,
        )
        dirty = " with uncommitted changes" if status.stdout.strip() else ""
        return head.stdout.strip() + dirty
    return None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- The report ---------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    key: str
    name: str
    measured: float
    goal: float
    at_least: bool = False  # the measure must reach the goal (else: stay within it)
    unit: str = "x"
    # The SQL alone is timed for diagnosis: the targets are the pages' times.
    informative: bool = False

    @property
    def met(self) -> bool:
        return self.measured >= self.goal if self.at_least else self.measured <= self.goal

    def show(self, value: float) -> str:
        if self.unit == "%":
            return f"{value:.1%}"
        if self.unit == "n":
            return f"{value:.0f}"
        return f"{value:.2f}x"

    def shown(self) -> str:
        return self.show(self.measured)

    def goal_shown(self) -> str:
        return (">= " if self.at_least else "<= ") + self.show(self.goal)


def targets(result: dict[str, Any]) -> list[Target]:
    """The targets, as one run measured them."""
    http_, sql, pages = result["http"], result["sql"], result["pages"]
    out = [
        Target(
            "html_share",
            "home page throughput / trivial view's",
            share(http_["home_html"]),
            TARGET_HTML_SHARE,
            at_least=True,
            unit="%",
        ),
        Target(
            "api_share",
            "home API throughput / trivial view's",
            share(http_["home_api"]),
            TARGET_API_SHARE,
            at_least=True,
            unit="%",
        ),
    ]
    for key, name, found, goal in (
        ("html_cpu_share", "home page CPU share (trivial view's CPU / page's)", "home_html", 0),
        ("api_cpu_share", "home API CPU share (trivial view's CPU / API's)", "home_api", 1),
    ):
        value = cpu_share(http_[found])
        if value is not None:
            limit = (TARGET_HTML_SHARE, TARGET_API_SHARE)[goal]
            out.append(Target(key, name, value, limit, at_least=True, unit="%", informative=True))
    # The pages' depth measured side by side where the run did (compare_depth); runs
    # from before that set the two rows apart.
    depth = result.get("depth") or {
        page: {"first": http_[page], "half": http_[f"{page}_half"]}
        for page in ("home_html", "home_api")
    }
    for key, kind, first, half in (
        ("html_halfway", "page", depth["home_html"]["first"], depth["home_html"]["half"]),
        ("api_halfway", "API", depth["home_api"]["first"], depth["home_api"]["half"]),
        ("sql_halfway", "SQL", sql["home_sql"], sql["home_sql_half"]),
    ):
        ratio = half["p50_ms"] / first["p50_ms"]
        name = f"home {kind} p50 halfway back / page one"
        informative = kind == "SQL"
        out.append(Target(key, name, ratio, TARGET_HALFWAY_RATIO, informative=informative))
    comparison = result.get("comparison")
    if comparison:
        big, small = comparison["scales"]["main"], comparison["scales"]["compare"]
        for key, kind, first, second in (
            (
                "html_scale",
                "page",
                comparison["home_html"]["main"],
                comparison["home_html"]["compare"],
            ),
            ("api_scale", "API", comparison["home_api"]["main"], comparison["home_api"]["compare"]),
        ):
            ratio = first["p50_ms"] / second["p50_ms"]
            name = f"home {kind} p50 at scale {big:g} / at {small:g}"
            out.append(Target(key, name, ratio, TARGET_SCALE_RATIO))
        ratio = comparison["sql"]["main"]["home_sql"] / comparison["sql"]["compare"]["home_sql"]
        name = f"home SQL p50 at scale {big:g} / at {small:g}"
        out.append(Target("sql_scale", name, ratio, TARGET_SCALE_RATIO, informative=True))
    for page, bound in (
        ("home_html", TARGET_FEED_QUERIES),
        ("home_html_half", TARGET_FEED_QUERIES),
        ("home_api", TARGET_FEED_QUERIES),
        ("post_html", TARGET_POST_QUERIES),
    ):
        count = pages[page]["queries"]
        out.append(Target(f"queries_{page}", f"queries of {page}", count, bound, unit="n"))
    full = [
        f
        for page in pages.values()
        for plan in page["plans"]
        for f in plan["findings"]
        if f.startswith("FULL SCAN")
    ]
    name = "list-page queries reading a large table whole"
    out.append(Target("full_scans", name, len(full), 0, unit="n"))
    return out


def verdict(target: Target) -> str:
    if target.informative:
        return "for information"
    return "yes" if target.met else "**no**"


def share(found: dict[str, Any]) -> float:
    """A scenario's throughput as a share of the trivial view's, measured around it."""
    return float(found["throughput"] / found["floor"]["throughput"])


def cpu_total(cpu: dict[str, float] | None) -> float | None:
    return cpu["server_ms"] + cpu["client_ms"] if cpu else None


def cpu_shown(found: dict[str, Any]) -> str:
    cpu = found.get("cpu")
    if not cpu:
        return "n/a"
    return f"{cpu['server_ms']:.2f} + {cpu['client_ms']:.2f}"


def cpu_share(found: dict[str, Any]) -> float | None:
    """The trivial view's CPU time per request over the scenario's (measured around it)."""
    page, floor = cpu_total(found.get("cpu")), cpu_total(found["floor"].get("cpu"))
    return floor / page if page and floor else None


def cpu_share_shown(found: dict[str, Any]) -> str:
    value = cpu_share(found)
    return "n/a" if value is None else f"{value:.1%}"


def slowdown(found: dict[str, Any]) -> float:
    """A scenario's p50 as a multiple of the trivial view's, measured around it."""
    return float(found["p50_ms"] / found["floor"]["p50_ms"])


def floor_range(result: dict[str, Any]) -> str:
    runs = result["http"]["trivial"]["runs"]
    low = min(r["throughput"] for r in runs)
    high = max(r["throughput"] for r in runs)
    return f"{len(runs)} times, {low:.0f} to {high:.0f} req/s"


def depth_section(depth: dict[str, Any], labels: dict[str, str]) -> list[str]:
    """Page one of the home feed against its page halfway back."""
    lines = [
        "",
        "## Page one against halfway back",
        "",
        "The home feed's first page and its page at the cursor halfway back, in "
        "alternating rounds.",
        "",
        "| what | req/s | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for page in ("home_html", "home_api"):
        for part, name in (("first", page), ("half", f"{page}_half")):
            found = depth[page][part]
            lines.append(
                f"| {labels[name]} | {found['throughput']:.1f} | {found['p50_ms']:.1f} | "
                f"{found['p99_ms']:.1f} |"
            )
    return lines


def comparison_section(comparison: dict[str, Any], labels: dict[str, str]) -> list[str]:
    """The home feed at the main scale against the compared one."""
    scales = comparison["scales"]
    lines = [
        "",
        f"## Scale {scales['main']:g} against scale {scales['compare']:g}",
        "",
        f"Home feed page one on both networks ({comparison['posts']['main']:,} and "
        f"{comparison['posts']['compare']:,} posts), alternating rounds.",
        "",
        "| what | scale | req/s | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in ("home_html", "home_api"):
        for label in ("main", "compare"):
            found = comparison[name][label]
            lines.append(
                f"| {labels[name]} | {scales[label]:g} | {found['throughput']:.1f} | "
                f"{found['p50_ms']:.1f} | {found['p99_ms']:.1f} |"
            )
    for label in ("main", "compare"):
        sql = comparison["sql"][label]
        lines.append(
            f"| SQL alone: the app's / the reference | {scales[label]:g} | | "
            f"{sql['home_sql']:.2f} / {sql['naive_sql']:.2f} | |"
        )
    return lines


def markdown(result: dict[str, Any]) -> str:
    http_ = result["http"]
    machine = result["machine"]
    lines = [
        f"# Feeds benchmark: {result['engine_version']}, scale {result['scale']:g}",
        "",
        f"- Run {result['date']} on commit {result['commit']}, {result['seconds']} s in all.",
        f"- Network: {result['rows'].get('posts_post', 0):,} posts, "
        f"{result['rows'].get('wiki_revision', 0):,} revisions, "
        f"{result['rows'].get('talk_comment', 0):,} comments, "
        f"{result['rows'].get('accounts_member', 0):,} members; the heavy follower's "
        f"home feed holds {result['feed_total']:,} posts.",
        f"- Server: `tribune serve` ({result['server']}), cache: {result['cache']}; "
        f"{result['concurrency']} keep-alive clients on loopback, {result['duration']:g} s "
        + (
            f"per row in {ROUNDS} rounds, each after a warm-up ({WARMUP_SECONDS:g} s, then "
            f"{ROUND_WARMUP_SECONDS:g} s)."
            if result.get("depth")
            else f"per row after a {WARMUP_SECONDS:g} s warm-up."
        ),
        f"- Machine: {machine['cpus']} CPUs shared with other work; load average "
        f"{' / '.join(map(str, machine['load_before']))} before, "
        f"{' / '.join(map(str, machine['load_after']))} after (1 / 5 / 15 min).",
        "",
        "## Requests",
        "",
        "Each row was measured in "
        f"{ROUNDS} rounds, the trivial view measured before, between and after them "
        f"({floor_range(result)}); each row is set against the trivial runs around its "
        "rounds, the trivial row against all of them.",
        "",
        "*CPU ms* is the processor time each request cost, the server's processes (web "
        "workers and the task worker; not the database server's) and the clients' own: "
        "other work on the machine slows requests but costs them no CPU. *CPU share* is "
        "the trivial view's CPU time over the row's, the share of the trivial view's "
        "throughput the row would reach on a machine that ran nothing else.",
        "",
        "| what | req/s | % of trivial | p50 ms | p50 / trivial | p99 ms "
        "| CPU ms (server + clients) | CPU share | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    labels = dict(SCENARIOS)
    for name, found in http_.items():
        errors = ", ".join(f"{k}: {v}" for k, v in found["errors"].items()) or "none"
        lines.append(
            f"| {labels[name]} | {found['throughput']:.1f} | {share(found):.1%} | "
            f"{found['p50_ms']:.1f} | {slowdown(found):.1f}x | {found['p99_ms']:.1f} | "
            f"{cpu_shown(found)} | {cpu_share_shown(found)} | {errors} |"
        )
    lines += [
        "",
        "## The home feed's SQL, alone, in-process",
        "",
        "| statement | rows | p50 ms | p99 ms | page p50 / SQL p50 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    sql_labels = {
        "home_sql": ("the app's statement, page one", "home_api"),
        "home_sql_half": ("the app's statement, halfway back", "home_api_half"),
        "naive_sql": ("reference: `IN (...) OR IN (...) ORDER BY`, page one", None),
        "naive_sql_half": ("reference: the same, halfway back", None),
    }
    for name, found in result["sql"].items():
        label, page = sql_labels[name]
        ratio = f"{http_[page]['p50_ms'] / found['p50_ms']:.1f}x (API)" if page else ""
        lines.append(
            f"| {label} | {found['rows']} | {found['p50_ms']:.2f} | {found['p99_ms']:.2f} | "
            f"{ratio} |"
        )
    depth = result.get("depth")
    if depth:
        lines += depth_section(depth, labels)
    comparison = result.get("comparison")
    if comparison:
        lines += comparison_section(comparison, labels)
    lines += [
        "",
        "## Targets",
        "",
        "| target | measured | goal | met |",
        "| --- | ---: | --- | --- |",
    ]
    for target in targets(result):
        lines.append(
            f"| {target.name} | {target.shown()} | {target.goal_shown()} | {verdict(target)} |"
        )
    lines += ["", "## Query plans of the list pages", ""]
    lines.append(
        "Counted in-process, the second time each page is asked (caches warm), with the "
        "session and the member's own queries. A *full scan* reads a whole table of the "
        f"network that holds {LARGE_ROWS:,} rows or more; an *index-order scan* walks a "
        "whole index newest first, unless the page's LIMIT stops it early; a *bitmap scan* "
        "of the posts (PostgreSQL) reads every post that matches before the LIMIT."
    )
    for name, page in result["pages"].items():
        flagged = sorted({f for plan in page["plans"] for f in plan["findings"]})
        lines += [
            "",
            f"### {name} (HTTP {page['status']}, {page['queries']} queries)",
            "",
            "Flags: " + ("; ".join(flagged) if flagged else "none"),
            "",
            "```",
        ]
        for number, plan in enumerate(page["plans"], 1):
            lines.append(f"-- query {number}: {shorten(plan['sql'])}")
            lines += plan["plan"]
        lines.append("```")
    lines += ["", "### The home feed's statement (page one)", "", "```"]
    lines += result["sql_plans"]["home_sql"]
    lines += ["```", "", "### The reference statement (page one)", "", "```"]
    lines += result["sql_plans"]["naive_sql"]
    lines += ["```", ""]
    return "\n".join(lines)


def shorten(sql: str, width: int = 240) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= width else sql[: width - 1] + "…"


PLAN_NUMBER = re.compile(r"\b(SUBQUERY|CO-ROUTINE|MATERIALIZE) \d+")
PLAN_LINES = 40


def condense(plan: list[str]) -> list[str]:
    """A plan as it is, or if long (a UNION ALL arm per source), each step once, counted."""
    if len(plan) <= PLAN_LINES:
        return plan
    counts = Counter(PLAN_NUMBER.sub(r"\1", line.strip()) for line in plan)
    steps = [f"{line}   [x{n}]" if n > 1 else line for line, n in counts.items()]
    return [f"({len(plan)} steps; the same step is shown once, counted)", *steps]


def print_summary(result: dict[str, Any]) -> None:
    print()
    print(
        f"{result['engine_version']}, scale {result['scale']:g}, {result['concurrency']} "
        f"clients, load {result['machine']['load_before'][0]} -> "
        f"{result['machine']['load_after'][0]}"
    )
    print(
        f"{'':44} {'req/s':>8} {'%floor':>7} {'p50 ms':>8} {'x floor':>8} {'p99 ms':>8} "
        f"{'CPU ms':>8} {'CPU%':>7}"
    )
    labels = dict(SCENARIOS)
    for name, found in result["http"].items():
        total = cpu_total(found.get("cpu"))
        print(
            f"{labels[name][:44]:44} {found['throughput']:8.1f} "
            f"{share(found):7.1%} {found['p50_ms']:8.1f} "
            f"{slowdown(found):8.1f} {found['p99_ms']:8.1f} "
            f"{'n/a' if total is None else f'{total:.2f}':>8} {cpu_share_shown(found):>7}"
            + (f"  errors: {found['errors']}" if found["errors"] else "")
        )
    for name, found in result["sql"].items():
        p50, p99 = found["p50_ms"], found["p99_ms"]
        print(f"{'SQL ' + name:44} {'':8} {'':7} {p50:8.2f} {'':8} {p99:8.2f}")
    print()
    for name, page in result["pages"].items():
        flagged = sorted({f for plan in page["plans"] for f in plan["findings"]})
        items = f", {page['items']} items" if page["items"] is not None else ""
        print(
            f"{name}: HTTP {page['status']}, {page['queries']} queries{items}; "
            + ("; ".join(flagged) or "no scans")
        )
    print("\nThe home feed's statement, page one:")
    for line in result["sql_plans"]["home_sql"]:
        print("  " + line)
    print()
    for target in targets(result):
        mark = "info" if target.informative else "ok  " if target.met else "MISS"
        print(f"{mark} {target.name}: {target.shown()} (goal {target.goal_shown()})")


def write(result: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    day = result["date"][:10]
    stem = f"{result['engine']}-{scale_label(result['scale'])}-{day}"
    (RESULTS_DIR / f"{stem}.json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    (RESULTS_DIR / f"{stem}.md").write_text(markdown(result))
    write_index()
    return RESULTS_DIR / f"{stem}.md"


def write_index() -> None:
    """bench/results/README.md: one line per run found here, with its targets."""
    columns = {
        "html_share": "home page req/s vs trivial",
        "api_share": "home API req/s vs trivial",
        "html_halfway": "page p50 halfway / page one",
        "api_halfway": "API p50 halfway / page one",
        "html_scale": "page p50 scale 1 / 0.1",
        "api_scale": "API p50 scale 1 / 0.1",
    }
    rows = []
    for path in feed_results():
        result = json.loads(path.read_text())
        found = {t.key: t for t in targets(result)}
        counted = [t for t in found.values() if not t.informative]
        missed = sum(not t.met for t in counted)
        cells = [
            f"{found[key].shown()}{'' if found[key].met else ' (missed)'}"
            if key in found
            else "n/a"
            for key in columns
        ]
        rows.append(
            f"| [{path.stem}]({path.stem}.md) | {result['engine_version']} | "
            f"{result['scale']:g} | {' | '.join(cells)} | {missed} of {len(counted)} |"
        )
    goals = [
        f">= {TARGET_HTML_SHARE:.0%}",
        f">= {TARGET_API_SHARE:.0%}",
        f"<= {TARGET_HALFWAY_RATIO}x",
        f"<= {TARGET_HALFWAY_RATIO}x",
        f"<= {TARGET_SCALE_RATIO}x",
        f"<= {TARGET_SCALE_RATIO}x",
    ]
    header = " | ".join(
        f"{name} ({goal})" for name, goal in zip(columns.values(), goals, strict=True)
    )
    text = [
        "# Benchmark results",
        "",
        "Written by `python -m bench.feeds` (bench/README.md says how to run it): one row",
        "per run, its full report in the linked file. Targets missed count every target of",
        "the run, query counts and full scans included (the SQL's own ratios are for",
        "information only).",
        "",
        f"| run | engine | scale | {header} | targets missed |",
        "| --- | --- | ---: |" + " ---: |" * len(columns) + " ---: |",
        *rows,
        "",
    ]
    index = RESULTS_DIR / "README.md"
    # Other benchmarks' sections (bench.vandalism's) follow this one: keep them.
    kept = index.read_text().partition("\n## ")[2] if index.exists() else ""
    index.write_text("\n".join(text) + (f"\n## {kept}" if kept else ""))


def feed_results() -> list[Path]:
    """This benchmark's results (bench.vandalism writes its own beside them)."""
    return sorted(p for p in RESULTS_DIR.glob("*.json") if not p.name.startswith("vandalism-"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.feeds", description="Measure the feeds against the floor."
    )
    parser.add_argument("--database-url", default="", help="default: the SQLite of --scale")
    parser.add_argument("--scale", type=float, default=1.0, help="the generated SQLite to read")
    parser.add_argument("--compare-database-url", default="")
    parser.add_argument("--compare-scale", type=float, default=None)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="simultaneous clients")
    parser.add_argument("--workers", type=int, default=None, help="server processes")
    parser.add_argument("--sql-seconds", type=float, default=3.0, help="per timed statement")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--rewrite-reports",
        action="store_true",
        help="write the Markdown reports and the index again from the JSON results, and stop",
    )
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        return probe_main(args.database_url, Path(args.var_dir), args.sql_seconds)
    if args.rewrite_reports:
        for path in feed_results():
            path.with_suffix(".md").write_text(markdown(json.loads(path.read_text())))
        write_index()
        return 0
    if not 1 <= args.concurrency <= 64:
        parser.error("--concurrency must be from 1 to 64")
    if args.duration <= 0:
        parser.error("--duration must be more than 0")
    result = run(args)
    print_summary(result)
    if not args.no_write:
        print(f"\nWritten: {write(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
