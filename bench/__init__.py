"""Benchmarks: a synthetic network (`bench.generate`) and feed latency (`bench.feeds`).

Both run Django in-process against a database of their own, chosen before
Django's settings are read: settings come only from the environment, so the
helpers here set DATABASE_URL and TRIBUNE_VAR_DIR first, then call django.setup().
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

REPO_DIR = Path(__file__).resolve().parent.parent
BENCH_VAR_DIR = REPO_DIR / "var" / "bench"
RESULTS_DIR = Path(__file__).resolve().parent / "results"

# The names the benchmark looks up in a generated database.
HEAVY_USERNAME = "heavy"
HEAVY_PASSWORD = "bench-heavy-follower"  # noqa: S105  # a throwaway local database
HEAVY_FOLLOWS = 100
BIG_THREAD_TITLE = "Bench: post with 200 comments"
BIG_THREAD_COMMENTS = 200
EDIT_POST_TITLE = "Bench: post to edit"  # followed by " #1", " #2", ...
EDIT_POSTS = 16


def scale_label(scale: float) -> str:
    """A short, file-name-safe label for a scale: 1.0 -> "1", 0.05 -> "0.05"."""
    return f"{scale:g}"


def default_var_dir(scale: float) -> Path:
    """Where the SQLite database of a scale lives when no --database-url is given."""
    return BENCH_VAR_DIR / f"scale-{scale_label(scale)}"


def var_dir_for(database_url: str, scale: float) -> Path:
    """The var/ folder of a bench site (secret key, static files, task queue, server log)."""
    if database_url.startswith("sqlite"):
        return Path(database_url.removeprefix("sqlite:///")).parent
    if database_url:
        name = urlsplit(database_url).path.strip("/") or "default"
        return BENCH_VAR_DIR / f"postgresql-{name}"
    return default_var_dir(scale)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def engine_of(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


def configure(*, database_url: str, var_dir: Path) -> None:
    """Point Tribune's settings at the bench database and set Django up (call once)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = database_url
    os.environ["TRIBUNE_VAR_DIR"] = str(var_dir.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tribune.settings")
    # A generated database serves plain HTTP on loopback only.
    os.environ.setdefault("TRIBUNE_HTTPS", "0")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    source = str(REPO_DIR / "src")
    if source not in sys.path:
        sys.path.insert(0, source)
    import django

    django.setup()
