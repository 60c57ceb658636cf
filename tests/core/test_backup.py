"""`tribune backup` and `tribune restore`: a round trip on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.core.sites import python_in_site, run, run_ok, site_env

LIST_MEMBERS = (
    "from tribune.accounts.models import Member; "
    "print(','.join(sorted(Member.objects.values_list('username', flat=True))))"
)


def test_backup_and_restore_bring_back_the_database_and_media(site, tmp_path):
    media = Path(site["TRIBUNE_VAR_DIR"]) / "media"
    created = run_ok("accounts", "create", "alice", "--email", "alice@example.org", env=site)
    password = created.splitlines()[-1].removeprefix("password: ")
    (media / "avatars").mkdir(parents=True)
    (media / "avatars" / "alice.png").write_bytes(b"alice's picture")
    (media / "empty").mkdir()

    archive = tmp_path / "site.tar.gz"
    archive.write_text("an older file in the way")  # replaced, as --force asks
    made = run_ok("backup", str(archive), "--force", env=site)
    assert "1 media files" in made

    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest_file = tar.extractfile("manifest.json")
        assert manifest_file is not None
        manifest = json.load(manifest_file)
    engine = "postgresql" if "DATABASE_URL" in site else "sqlite"
    assert manifest["engine"] == engine
    assert manifest["format"] == 1
    assert manifest["tribune_version"]
    assert manifest["created_at"]
    assert {"media/avatars/alice.png", "media/empty", manifest["database"]} <= names
    assert oct(archive.stat().st_mode & 0o777) == oct(0o600)  # it holds password hashes

    # Life goes on after the backup...
    (media / "avatars" / "alice.png").write_bytes(b"a newer picture")
    (media / "avatars" / "bob.png").write_bytes(b"bob's picture")
    after = python_in_site(
        "from tribune.accounts.services import member_create\n"
        "member_create(username='bob', email='bob@example.org')\n" + LIST_MEMBERS,
        env=site,
    )
    assert after.strip() == "alice,bob"

    # ...until the restore brings back the moment of the backup.
    restored = run_ok("restore", str(archive), "--no-input", env=site)
    assert "Restored" in restored

    members_and_login = python_in_site(
        f"{LIST_MEMBERS}\n"
        "from tribune.accounts.models import Member\n"
        f"print(Member.objects.get(username='alice').check_password({password!r}))",
        env=site,
    )
    assert members_and_login.split() == ["alice", "True"]
    assert (media / "avatars" / "alice.png").read_bytes() == b"alice's picture"
    assert not (media / "avatars" / "bob.png").exists()
    assert (media / "empty").is_dir()
    leftovers = [p.name for p in media.parent.iterdir() if p.name.startswith(".tribune-")]
    assert leftovers == []


def test_backup_of_sqlite_includes_what_is_still_in_the_write_ahead_log(sqlite_site, tmp_path):
    # The site keeps its connection open and its last writes sit in the -wal file,
    # not yet folded into the database file: the backup, made meanwhile, has them.
    archive = tmp_path / "b.tar.gz"
    site_process = textwrap.dedent(
        f"""
        import subprocess, sys
        from django.conf import settings
        from django.db import connection
        from tribune.accounts.services import member_create
        connection.cursor().execute("PRAGMA wal_autocheckpoint=0")
        member_create(username="walter", email="walter@example.org")
        member_create(username="wendy", email="wendy@example.org")
        assert (settings.VAR_DIR / "tribune.sqlite3-wal").stat().st_size > 0
        backup = [sys.executable, "-m", "tribune.cli", "backup", {str(archive)!r}]
        print("backup", subprocess.run(backup).returncode)
        """
    )
    assert "backup 0" in python_in_site(site_process, env=sqlite_site)

    elsewhere = site_env(tmp_path / "elsewhere" / "var")
    run_ok("restore", str(archive), "--no-input", env=elsewhere)
    assert python_in_site(LIST_MEMBERS, env=elsewhere).strip() == "walter,wendy"


def test_restore_refuses_paths_outside_the_site(sqlite_site, tmp_path):
    var = Path(sqlite_site["TRIBUNE_VAR_DIR"])
    archive = tmp_path / "evil.tar.gz"
    db_copy = tmp_path / "database.sqlite3"
    shutil.copy(var / "tribune.sqlite3", db_copy)
    with tarfile.open(archive, "w:gz") as tar:
        add_manifest(tar, "sqlite")
        tar.add(db_copy, arcname="database.sqlite3")
        add_bytes(tar, "media/../../escaped.txt", b"outside")

    result = run("restore", str(archive), "--no-input", env=sqlite_site)

    assert result.returncode != 0
    assert "unsafe path" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "escaped.txt").exists()
    assert not (var.parent / "escaped.txt").exists()


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def add_manifest(tar: tarfile.TarFile, engine: str, **extra: object) -> None:
    manifest = {"format": 1, "engine": engine, "created_at": "2025-01-01T00:00:00+00:00"}
    add_bytes(tar, "manifest.json", json.dumps({**manifest, **extra}).encode())


def test_restore_refuses_a_backup_of_the_other_engine(tmp_path):
    here = connection.vendor
    other = "postgresql" if here == "sqlite" else "sqlite"
    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        add_manifest(tar, other)
        add_bytes(tar, "database.pgdump" if other == "postgresql" else "database.sqlite3", b"x")

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive), "--no-input")

    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    assert f"holds a {names[other]} database, but this site uses {names[here]}" in str(
        refused.value
    )


def test_restore_refuses_a_newer_backup_format(tmp_path):
    archive = tmp_path / "future.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        add_manifest(tar, connection.vendor, format=99)
    with pytest.raises(CommandError, match="made by a newer Tribune"):
        call_command("restore", str(archive), "--no-input")


@pytest.mark.parametrize(
    "content",
    [b"not an archive at all", b""],
    ids=["garbage", "empty"],
)
def test_restore_refuses_what_is_not_a_backup(tmp_path, content):
    path = tmp_path / "file.tar.gz"
    path.write_bytes(content)
    with pytest.raises(CommandError, match="is not a Tribune backup"):
        call_command("restore", str(path), "--no-input")


def test_restore_refuses_an_archive_without_manifest(tmp_path):
    path = tmp_path / "plain.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        add_bytes(tar, "hello.txt", b"hello")
    with pytest.raises(CommandError, match=r"not a Tribune backup \(it has no manifest.json"):
        call_command("restore", str(path), "--no-input")


def test_restore_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(CommandError, match="There is no file"):
        call_command("restore", str(tmp_path / "nothing.tar.gz"), "--no-input")


def test_backup_will_not_replace_a_file_without_force(tmp_path):
    path = tmp_path / "kept.tar.gz"
    path.write_text("precious")
    with pytest.raises(CommandError, match="exists; pass --force"):
        call_command("backup", str(path))
    assert path.read_text() == "precious"


def test_backup_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", str(tmp_path / "no" / "such" / "b.tar.gz"))
