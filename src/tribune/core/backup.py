"""Backups: the database and the media files in one .tar.gz archive, and their return.

An archive holds, in this order:

    manifest.json      format, database engine, creation time, Tribune version
    database.sqlite3   SQLite: a copy made with SQLite's online backup API
    database.pgdump    PostgreSQL: `pg_dump --format=custom`
    media/...          the files under MEDIA_ROOT

The database is copied first and the media second: a file saved before its row
was committed is then always in the archive (at worst with a few newer files).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

from tribune.config import package_version

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

# libpq reads these from the environment; dj-database-url puts them in OPTIONS.
_PG_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "options": "PGOPTIONS",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message tells the operator why."""


@dataclass(frozen=True)
class Database:
    engine: str  # a key of ENGINE_NAMES
    config: dict[str, Any]

    @property
    def label(self) -> str:
        return ENGINE_NAMES[self.engine]

    @property
    def sqlite_path(self) -> Path:
        name = str(self.config["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
        return Path(name)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    database: Database
    media_files: int
    size: int


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    database: Database
    media_files: int


def database_current(alias: str = "default") -> Database:
    """The engine and connection settings of the site's database."""
    connection = connections[alias]
    # `vendor` is the same for PostGIS and other backends built on Django's own.
    if connection.vendor in ENGINE_NAMES:
        return Database(connection.vendor, connection.settings_dict)
    raise BackupError(
        f"Backups support SQLite and PostgreSQL, not {connection.settings_dict['ENGINE']}."
    )


# --- Backup -------------------------------------------------------------------


def backup_create(*, destination: Path, force: bool = False) -> BackupResult:
    """Write the database and the media files to the archive `destination`."""
    destination = destination.absolute()
    media_root = Path(settings.MEDIA_ROOT).absolute()
    if destination.is_dir():
        raise BackupError(f"{destination} is a folder; name the archive file to write.")
    if destination.exists() and not force:
        raise BackupError(f"{destination} exists; pass --force to replace it.")
    if not destination.parent.is_dir():
        raise BackupError(f"The folder {destination.parent} does not exist.")
    if destination.is_relative_to(media_root):
        raise BackupError("Write the backup outside the media folder.")
    database = database_current()

    # The dump and the archive are written beside the destination: the operator chose
    # a place with room for it (/tmp is often a small RAM disk), and the final rename
    # then stays on one file system, so a failed backup never leaves half an archive.
    work = Path(tempfile.mkdtemp(prefix=".tribune-backup-", dir=destination.parent))
    fd, partial = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
    )
    try:
        dump = work / DATABASE_FILES[database.engine]
        if database.engine == "sqlite":
            _sqlite_dump(database.sqlite_path, dump)
        else:
            _pg_dump(database.config, dump)
        manifest = {
            "format": FORMAT,
            "engine": database.engine,
            "created_at": timezone.now().isoformat(timespec="seconds"),
            "tribune_version": package_version(),
            "database": dump.name,
            "media": MEDIA,
        }
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
                tar.add(dump, arcname=dump.name)
                media_files = _add_media(tar, media_root)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, destination)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(destination, database, media_files, destination.stat().st_size)


def _sqlite_dump(db_path: Path, target: Path) -> None:
    if not db_path.is_file():
        raise BackupError(f"There is no database at {db_path}; run `tribune migrate` first.")
    # The online backup API copies a consistent snapshot while the site keeps
    # writing (in WAL mode writers do not wait for the copy).
    with (
        contextlib.closing(sqlite3.connect(db_path, timeout=20)) as source,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)
        # A single self-contained file: no -wal beside it in the archive.
        copy.execute("PRAGMA journal_mode=DELETE")


def _pg_dump(config: dict[str, Any], target: Path) -> None:
    _run(
        [
            _pg_program("pg_dump"),
            "--format=custom",
            "--no-password",
            f"--file={target}",
            f"--dbname={config['NAME']}",
        ],
        config,
    )


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _add_media(tar: tarfile.TarFile, media_root: Path) -> int:
    info = tarfile.TarInfo(MEDIA)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    info.mtime = int(time.time())
    tar.addfile(info)
    if not media_root.is_dir():
        return 0
    count = 0
    for folder, subfolders, files in os.walk(media_root):
        subfolders.sort()
        relative = Path(folder).relative_to(media_root)
        for name in subfolders:
            path = Path(folder, name)
            if not path.is_symlink():
                tar.add(path, arcname=_arcname(relative, name), recursive=False)
        for name in sorted(files):
            path = Path(folder, name)
            if path.is_symlink() or not path.is_file():
                continue
            try:
                tar.add(path, arcname=_arcname(relative, name), recursive=False)
            except FileNotFoundError:
                continue  # deleted by the running site since the walk listed it
            count += 1
    return count


def _arcname(relative: Path, name: str) -> str:
    return PurePosixPath(MEDIA, *relative.parts, name).as_posix()


# --- Restore ------------------------------------------------------------------


def backup_manifest(source: Path) -> dict[str, Any]:
    """The manifest of the archive `source`, checked against this site's database."""
    with _open_archive(source) as tar:
        return _read_manifest(tar, source, database_current())


def backup_restore(*, source: Path) -> RestoreResult:
    """Replace the site's database and media files with those in the archive `source`."""
    database = database_current()
    media_root = Path(settings.MEDIA_ROOT).absolute()
    # Where a symbolic link points is what gets replaced; the link stays.
    if media_root.is_symlink():
        media_root = media_root.resolve()
    # A mount point cannot be renamed: its contents are swapped instead, staged
    # inside it so that every rename stays on one file system.
    swap_contents = os.path.ismount(media_root)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    if database.engine == "sqlite":
        db_path = database.sqlite_path.absolute()
        db_path.parent.mkdir(parents=True, exist_ok=True)
        db_stage_parent: Path | None = db_path.parent
    else:
        db_stage_parent = None

    with contextlib.ExitStack() as cleanup:
        db_stage = _staging_folder(cleanup, db_stage_parent)
        media_stage = _staging_folder(cleanup, media_root if swap_contents else media_root.parent)
        new_media = media_stage / MEDIA
        new_media.mkdir()
        db_file: Path | None = None
        media_files = 0
        with _open_archive(source) as tar:
            manifest = _read_manifest(tar, source, database)
            db_member = DATABASE_FILES[database.engine]
            for member in _members(tar, source):
                if member.name == db_member and member.isfile():
                    db_file = db_stage / db_member
                    _extract(tar, member, db_file)
                    continue
                relative = _media_path(member.name)
                if relative is not None and (member.isfile() or member.isdir()):
                    _extract(tar, member, new_media.joinpath(*relative.parts))
                    media_files += member.isfile()
        if db_file is None:
            raise BackupError(f"{source} has no {db_member}: it is not a complete backup.")

        connections.close_all()
        if database.engine == "sqlite":
            _sqlite_restore(db_file, db_path)
        else:
            _pg_restore(database.config, db_file)
        if swap_contents:
            _swap_contents(new_media, media_root, media_stage / "previous")
        else:
            _swap_folder(new_media, media_root, media_stage / "previous")
    return RestoreResult(manifest, database, media_files)


def _staging_folder(cleanup: contextlib.ExitStack, parent: Path | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=".tribune-restore-", dir=parent))
    cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
    return folder


@contextlib.contextmanager
def _open_archive(source: Path) -> Iterator[tarfile.TarFile]:
    if not source.is_file():
        raise BackupError(f"There is no file {source}.")
    try:
        # Streaming mode: one pass over the archive, the manifest first.
        with tarfile.open(source, mode="r|gz") as tar:
            yield tar
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise BackupError(f"{source} is not a Tribune backup, or it is damaged ({e}).") from e


def _members(tar: tarfile.TarFile, source: Path) -> Iterator[tarfile.TarInfo]:
    for member in tar:
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts:
            raise BackupError(f"{source} holds an unsafe path ({member.name}); nothing restored.")
        yield member


def _read_manifest(tar: tarfile.TarFile, source: Path, database: Database) -> dict[str, Any]:
    first = tar.next()
    content = tar.extractfile(first) if first is not None and first.name == MANIFEST else None
    if content is None:
        raise BackupError(f"{source} is not a Tribune backup (it has no {MANIFEST} first).")
    try:
        manifest = json.loads(content.read())
    except ValueError as e:
        raise BackupError(f"{source} has an unreadable {MANIFEST} ({e}).") from e
    if not isinstance(manifest, dict) or not isinstance(manifest.get("format"), int):
        raise BackupError(f"{source} is not a Tribune backup (its manifest has no format).")
    if manifest["format"] > FORMAT:
        raise BackupError(
            f"{source} was made by a newer Tribune (backup format {manifest['format']}); "
            "upgrade Tribune to restore it."
        )
    engine = manifest.get("engine")
    if engine != database.engine:
        held = ENGINE_NAMES.get(str(engine), str(engine))
        raise BackupError(
            f"{source} holds a {held} database, but this site uses {database.label}. "
            f"Restore it on a site whose DATABASE_URL names a {held} database."
        )
    return manifest


def _media_path(name: str) -> PurePosixPath | None:
    parts = PurePosixPath(name).parts
    if len(parts) < 2 or parts[0] != MEDIA:
        return None
    return PurePosixPath(*parts[1:])


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    # Only regular files and folders, written by hand: links and devices from an
    # archive are never created, whatever the Python version's tarfile filters.
    if member.isdir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    content = tar.extractfile(member)
    if content is None:
        return
    with content, open(target, "wb") as out:
        shutil.copyfileobj(content, out)
    os.utime(target, (member.mtime, member.mtime))


def _sqlite_restore(staged: Path, db_path: Path) -> None:
    with contextlib.closing(sqlite3.connect(staged)) as copy:
        try:
            check = copy.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as e:
            check = (str(e),)
    if check != ("ok",):
        raise BackupError(f"The database in the backup is damaged ({check[0]}); nothing restored.")
    if db_path.exists():
        # Fold the write-ahead log into the old file first, so that deleting the log
        # below loses nothing even if the replacement then fails.
        with contextlib.closing(sqlite3.connect(db_path, timeout=20)) as old:
            old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # A stale -wal beside the new file would be replayed into it and corrupt it.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    os.replace(staged, db_path)


def _pg_restore(config: dict[str, Any], dump: Path) -> None:
    # One transaction: if anything fails, the database is left as it was.
    _run(
        [
            _pg_program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--no-password",
            f"--dbname={config['NAME']}",
            str(dump),
        ],
        config,
    )


def _swap_folder(new: Path, target: Path, previous: Path) -> None:
    if target.exists():
        os.replace(target, previous)
    os.replace(new, target)


def _swap_contents(new: Path, target: Path, previous: Path) -> None:
    previous.mkdir()
    staging = new.parent.name
    for entry in target.iterdir():
        if entry.name != staging:
            os.replace(entry, previous / entry.name)
    for entry in new.iterdir():
        os.replace(entry, target / entry.name)


# --- PostgreSQL programs ------------------------------------------------------


def _pg_program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not on PATH: install the PostgreSQL client programs, of the "
            "server's major version or newer."
        )
    return path


def _pg_environment(config: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    values: dict[str, Any] = {
        "PGHOST": config.get("HOST"),
        "PGPORT": config.get("PORT"),
        "PGUSER": config.get("USER"),
        # In the environment of the child only: a password on the command line
        # would show in the process list.
        "PGPASSWORD": config.get("PASSWORD"),
    }
    options = config.get("OPTIONS") or {}
    for option, variable in _PG_OPTION_ENV.items():
        values[variable] = options.get(option)
    env.update({name: str(value) for name, value in values.items() if value not in (None, "")})
    return env


def _run(args: list[str], config: dict[str, Any]) -> None:
    result = subprocess.run(  # noqa: S603  # our own argument list, no shell
        args, env=_pg_environment(config), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        program = Path(args[0]).name
        raise BackupError(
            f"{program} failed (exit status {result.returncode}):\n{result.stderr.strip()}"
        )
