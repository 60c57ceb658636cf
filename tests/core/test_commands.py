"""The operator's `tribune` subcommands: demo, accounts create, serve (API.md)."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command

from tests.core.sites import (
    free_port,
    is_running,
    run,
    site_env,
    tribune_args,
    wait_until,
)
from tests.factories import MemberFactory, make_subwiki
from tribune.accounts.demo import MEMBERS as CORE_MEMBERS
from tribune.accounts.demo_access import CAMILLES_FRIENDS, KWAMES_FRIEND, WAITING
from tribune.accounts.models import Access, Member
from tribune.communities.demo import SUBWIKIS
from tribune.communities.models import Subwiki
from tribune.core.demo import DEMO_PASSWORD
from tribune.core.management.commands.serve import Child
from tribune.core.management.commands.serve import Command as ServeCommand
from tribune.posts.models import Post
from tribune.wiki.models import Revision

# The staff account, the moderator and the ten admitted members of accounts.demo; the
# people waiting in line and signing up with invitations come from accounts.demo_access;
# moderation.demo adds the advertiser whose post moderators remove.
CORE_USERNAMES = {spec.username for spec in CORE_MEMBERS}
ALL_DEMO_MEMBERS = (
    len(CORE_MEMBERS) + len(WAITING) + 1 + len(CAMILLES_FRIENDS)  # + Kwame's friend
) + 1  # + the advertiser

# --- demo ----------------------------------------------------------------------


def test_demo_creates_members_who_can_log_in(db, capsys):
    out = StringIO()
    call_command("demo", stdout=out)

    output = out.getvalue()
    assert re.search(r"Demo data: \d+ created, 0 already present", output)
    assert f"demo password: {DEMO_PASSWORD}" in output
    assert "Demo data" in capsys.readouterr().err  # the progress bar

    assert Member.objects.count() == ALL_DEMO_MEMBERS
    for member in Member.objects.all():
        assert member.check_password(DEMO_PASSWORD)
        validate_password(DEMO_PASSWORD, user=member)  # raises if a validator refuses it
        assert member.date_of_birth is not None
    members = list(Member.objects.filter(username__in=CORE_USERNAMES))
    assert len(members) == 12
    for member in members:
        assert member.is_admitted
        assert member.bio
        assert EmailAddress.objects.get(user=member, primary=True).verified
    assert Member.objects.filter(username=KWAMES_FRIEND.username).exists()
    admin = Member.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    moderators = [m for m in members if m.is_moderator and not m.is_staff]
    assert len(moderators) == 1
    assert sum(not m.is_moderator for m in members) == 10
    assert any(re.search(r"[éèàç]", m.display_name) for m in members)  # some French names


def test_demo_twice_creates_nothing_new(db):
    call_command("demo", verbosity=0)
    changed = Member.objects.get(username="camille")
    changed.bio = "Changed by the member since."
    changed.save()

    out = StringIO()
    call_command("demo", stdout=out)

    assert re.search(r"Demo data: 0 created, \d+ already present", out.getvalue())
    assert Member.objects.count() == ALL_DEMO_MEMBERS
    assert EmailAddress.objects.count() == ALL_DEMO_MEMBERS
    assert Member.objects.get(username="camille").bio == "Changed by the member since."


def test_demo_is_quiet_at_verbosity_0(db, capsys):
    out = StringIO()
    call_command("demo", verbosity=0, stdout=out)
    assert out.getvalue() == ""
    assert capsys.readouterr().err == ""


def test_demo_keeps_a_member_who_took_a_demo_username(db):
    MemberFactory.create(username="noah", email="noah@elsewhere.example")
    call_command("demo", verbosity=0)
    assert Member.objects.get(username="noah").email == "noah@elsewhere.example"
    assert Member.objects.count() == ALL_DEMO_MEMBERS


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _subwiki_state(subwiki: Subwiki) -> dict[str, object]:
    """Everything about a subwiki: its own row, its page's revisions, and every row that
    refers to it (memberships, follows, posts, moderation)."""
    state: dict[str, object] = {
        "row": Subwiki.objects.filter(pk=subwiki.pk).values().get(),
        "revisions": Revision.objects.filter(page=subwiki.page_id).count(),
    }
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.concrete and field.is_relation and field.related_model is Subwiki:
                state[f"{model._meta.label}.{field.name}"] = sorted(
                    model._default_manager.filter(**{field.name: subwiki}).values_list(
                        "pk", flat=True
                    )
                )
    return state


@pytest.mark.parametrize("slug", ["climate", "science", "local-news", "editors"])
def test_demo_loads_around_a_subwiki_that_took_a_demo_address(db, slug):
    theirs = make_subwiki(owner=MemberFactory.create(username="outsider"), slug=slug, name="Theirs")
    before = _subwiki_state(theirs)

    out = StringIO()
    call_command("demo", stdout=out)

    assert _subwiki_state(theirs) == before
    assert f"/s/{slug}/" in out.getvalue()
    assert Member.objects.count() == ALL_DEMO_MEMBERS + 1
    for spec in SUBWIKIS:
        if spec.slug != slug:
            created_by = Subwiki.objects.get(slug=spec.slug).created_by
            assert created_by is not None and created_by.username == spec.owner
    assert Post.objects.filter(subwiki__slug__in=[s.slug for s in SUBWIKIS if s.slug != slug])

    counts = _row_counts()
    again = StringIO()
    call_command("demo", stdout=again)

    assert re.search(r"Demo data: 0 created, \d+ already present", again.getvalue())
    assert _row_counts() == counts
    assert _subwiki_state(theirs) == before


# --- accounts create -------------------------------------------------------------


def create(*args: str) -> list[str]:
    out = StringIO()
    call_command("accounts", "create", *args, stdout=out)
    return out.getvalue().splitlines()


def test_accounts_create_prints_a_password_that_logs_in(db):
    lines = create("alice", "--email", "Alice@Example.org", "--name", "Alice Martin", "--confirmed")

    assert lines[-1].startswith("password: ")
    password = lines[-1].removeprefix("password: ")
    member = Member.objects.get(username="alice")
    assert member.check_password(password)
    assert member.display_name == "Alice Martin"
    assert member.access == Access.ADMITTED
    assert not member.is_moderator and not member.is_staff
    assert EmailAddress.objects.get(user=member).verified


def test_accounts_create_without_confirmed_leaves_the_email_unverified(db):
    create("bob", "--email", "bob@example.org")
    member = Member.objects.get(username="bob")
    assert not EmailAddress.objects.get(user=member).verified
    assert member.display_name == "bob"


@pytest.mark.parametrize(
    ("role", "moderator", "staff"),
    [("member", False, False), ("moderator", True, False), ("staff", True, True)],
)
def test_accounts_create_gives_the_role(db, role, moderator, staff):
    create("carol", "--email", "carol@example.org", "--role", role)
    member = Member.objects.get(username="carol")
    assert (member.is_moderator, member.is_staff, member.is_superuser) == (
        moderator,
        staff,
        staff,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["taken", "--email", "new@example.org"], "username: This username is taken."),
        (["newcomer", "--email", "TAKEN@example.org"], "email: This e-mail address is in use."),
        (["no spaces", "--email", "x@example.org"], "username: Use 3 to 30 letters"),
        (["dave", "--email", "not-an-address"], "email: Enter a valid email address."),
        (["dave", "--email", "d@example.org", "--role", "king"], "role: Choose member, moderator"),
    ],
)
def test_accounts_create_refuses_bad_input_with_the_reason(db, args, expected):
    MemberFactory.create(username="taken", email="taken@example.org")
    with pytest.raises(CommandError) as refused:
        create(*args)
    assert "The member could not be created." in str(refused.value)
    assert expected in str(refused.value)
    assert not Member.objects.filter(username__in=["newcomer", "dave"]).exists()


def test_accounts_create_lists_every_error_at_once(db):
    with pytest.raises(CommandError) as refused:
        create("x", "--email", "nope", "--role", "king")
    message = str(refused.value)
    assert "username:" in message and "email:" in message and "role:" in message


def test_accounts_create_fails_cleanly_from_the_command_line(sqlite_site):
    ok = run("accounts", "create", "erin", "--email", "erin@example.org", env=sqlite_site)
    assert ok.returncode == 0
    assert re.fullmatch(r"password: \S{8,}", ok.stdout.splitlines()[-1])

    again = run("accounts", "create", "erin", "--email", "erin@example.org", env=sqlite_site)
    assert again.returncode != 0
    assert "username: This username is taken." in again.stderr
    assert "email: This e-mail address is in use." in again.stderr
    assert "Traceback" not in again.stderr
    assert "password:" not in again.stdout


# --- serve -----------------------------------------------------------------------


def get(port: int, path: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def answers(port: int, path: str) -> bool:
    try:
        return get(port, path)[0] == 200
    except OSError:
        return False


def child_pids(log: Path) -> dict[str, int]:
    text = log.read_text()
    found = {
        name: re.search(rf"{name}: .*\(pid (\d+)\)", text) for name in ("web server", "task worker")
    }
    assert all(found.values()), text
    return {name: int(match.group(1)) for name, match in found.items() if match}


def port_is_closed(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def test_serve_runs_the_site_and_the_task_worker_until_interrupted(sqlite_var, tmp_path):
    port = free_port()
    env = site_env(sqlite_var)
    log = tmp_path / "serve.log"
    # One web worker: enough to show the whole, and quicker to start.
    args = tribune_args("serve", "--port", str(port), "--workers", "1", "--demo")
    with log.open("w") as out:
        server = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    pids: dict[str, int] = {}
    try:
        wait_until(
            lambda: server.poll() is not None or answers(port, "/healthz"),
            seconds=120,
            what="/healthz",
        )
        assert server.poll() is None, log.read_text()
        pids = child_pids(log)
        output = log.read_text()
        assert f"http://127.0.0.1:{port}/" in output
        assert f"demo password: {DEMO_PASSWORD}" in output

        status, _, home = get(port, "/")
        assert status == 200
        # Static files come from collectstatic's output, with hashed names, via WhiteNoise.
        stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', home)
        assert stylesheet, home
        status, headers, css = get(port, stylesheet.group(1))
        assert status == 200 and css
        assert "immutable" in headers["Cache-Control"]
        assert get(port, "/u/admin/")[0] == 200  # the demo data was loaded

        # A second server cannot take the same port: it stops its task worker and fails.
        second_log = tmp_path / "second.log"
        with second_log.open("w") as out:
            second = subprocess.run(  # our own command line
                tribune_args("serve", "--port", str(port), "--workers", "1"),
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=180,
                check=False,
            )
        assert second.returncode != 0
        assert "The web server stopped" in second_log.read_text()
        assert not is_running(child_pids(second_log)["task worker"])
        assert answers(port, "/healthz")  # the first one is unharmed

        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=120) == 0, log.read_text()
        assert not any(is_running(pid) for pid in pids.values())
        assert port_is_closed(port)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        for pid in pids.values():
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)


# A child that handles the graceful signal only once it has started, as gunicorn's
# workers and huey do: one asked to stop before then ends with a status of its own.
STARTING_CHILD = """
import pathlib, signal, sys, time
signal.signal(signal.SIGTERM, lambda *args: sys.exit(3))
pathlib.Path(sys.argv[1]).touch()
time.sleep(60)
"""


def test_a_stop_asked_while_a_child_starts_is_not_a_failure(tmp_path):
    ready = tmp_path / "ready"
    child = Child(
        name="web server",
        args=[sys.executable, "-c", STARTING_CHILD, str(ready)],
        graceful=signal.SIGTERM,
        immediate=signal.SIGKILL,
    )
    child.start(dict(os.environ), None)
    wait_until(ready.exists, seconds=30, what="the child to start")
    out = StringIO()
    command = ServeCommand(stdout=out, stderr=StringIO())

    status = command.wait([child], received=[signal.SIGINT])

    assert status == 0
    assert child.returncode == 3
    assert "The web server ended with status 3." in out.getvalue()


def test_serve_configured_by_environment_makes_its_var_folder(tmp_path):
    # With SECRET_KEY set nothing else makes the folder before Django opens the task
    # queue's SQLite file in it.
    port = free_port()
    var = tmp_path / "new" / "var"
    env = site_env(var) | {"SECRET_KEY": secrets.token_urlsafe(50)}
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            tribune_args("serve", "--port", str(port), "--workers", "1"),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    pids: dict[str, int] = {}
    try:
        wait_until(
            lambda: server.poll() is not None or answers(port, "/healthz"),
            seconds=120,
            what="/healthz",
        )
        assert server.poll() is None, log.read_text()
        pids = child_pids(log)
        assert get(port, "/")[0] == 200
        assert (var / "tribune.sqlite3").is_file()
        assert (var / "tasks.sqlite3").is_file()
        assert not (var / "secret_key").exists()  # the environment's key is used
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=120) == 0, log.read_text()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        for pid in pids.values():
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)


def _parent_is_a_file(parent: Path) -> None:
    parent.write_text("")


def _parent_is_read_only(parent: Path) -> None:
    parent.mkdir()
    parent.chmod(0o555)


@pytest.mark.parametrize(
    "make_parent",
    [
        _parent_is_a_file,
        pytest.param(
            _parent_is_read_only,
            marks=pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere"),
        ),
    ],
)
@pytest.mark.parametrize("with_secret_key", [True, False])
def test_serve_stops_with_one_sentence_when_the_var_folder_cannot_be_made(
    tmp_path, make_parent, with_secret_key
):
    parent = tmp_path / "parent"
    make_parent(parent)
    env = site_env(parent / "var")
    if with_secret_key:
        env["SECRET_KEY"] = secrets.token_urlsafe(50)
    try:
        result = run("serve", "--port", str(free_port()), "--workers", "1", env=env)
    finally:
        if parent.is_dir():
            parent.chmod(0o755)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert "TRIBUNE_VAR_DIR" in message
    assert str(parent / "var") in message
    assert not (parent / "var").exists()


def test_a_mistyped_variable_stops_any_command_with_its_sentence(tmp_path):
    env = site_env(tmp_path / "var") | {"TRIBUNE_MIN_AGE": "sixteen"}
    result = run("check", env=env)
    assert result.returncode != 0
    assert result.stderr.strip() == "TRIBUNE_MIN_AGE must be a whole number, not 'sixteen'."
