"""Reading configuration from the environment.

Every setting an operator may change is an environment variable (docs/configuration.md
lists them). The helpers here parse them with clear errors, so that a typo in a
variable stops the server at start-up instead of misbehaving later.
"""

from __future__ import annotations

import os
import re
import secrets
from decimal import Decimal, InvalidOperation
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (or true/false), not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip()
    if value not in choices:
        allowed = ", ".join(choices)
        raise ImproperlyConfigured(f"{name} must be one of {allowed}, not {value!r}.")
    return value


def env_decimal(name: str, default: str) -> Decimal:
    raw = os.environ.get(name, default).strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ImproperlyConfigured(
            f"{name} must be an amount such as 13.00, not {raw!r}."
        ) from None
    if not value.is_finite() or value < 0:
        raise ImproperlyConfigured(f"{name} must be an amount such as 13.00, not {raw!r}.")
    return value


def donation_amounts(raw: str) -> dict[str, tuple[Decimal, Decimal]]:
    """Parse "EUR:13,100;USD:13,100" into {currency: (monthly, yearly)} suggestions."""
    amounts: dict[str, tuple[Decimal, Decimal]] = {}
    for part in raw.split(";"):
        if not part.strip():
            continue
        currency, _sep, values = part.partition(":")
        try:
            monthly, yearly = (Decimal(v.strip()) for v in values.split(","))
        except (ValueError, InvalidOperation):
            raise ImproperlyConfigured(
                f"TRIBUNE_DONATION_AMOUNTS must look like EUR:13,100;USD:13,100, not {raw!r}."
            ) from None
        code = currency.strip().upper()
        if len(code) != 3 or not code.isalpha() or monthly <= 0 or yearly <= 0:
            raise ImproperlyConfigured(
                f"TRIBUNE_DONATION_AMOUNTS has a bad entry {part!r}: "
                "a three-letter currency and two amounts above zero."
            )
        amounts[code] = (monthly, yearly)
    if not amounts:
        raise ImproperlyConfigured("TRIBUNE_DONATION_AMOUNTS must name at least one currency.")
    return amounts


_RATE = re.compile(r"^[1-9][0-9]*/([1-9][0-9]*)?[smhd]$")
RATE_LIMIT_PARTS = ("member", "new_member", "address", "email")


def rate_limits(raw: str, defaults: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The default rate limits with the overrides in `raw` applied.

    `raw` is "off" (no limits at all), or comma-separated `scope.part=count/period`
    entries ("post.member=60/h,comment.address=off"); `off` removes that one limit.
    """
    text = raw.strip()
    if text.lower() == "off":
        return {}
    limits = {scope: dict(parts) for scope, parts in defaults.items()}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        name, sep, value = entry.partition("=")
        scope, _dot, part = name.strip().partition(".")
        value = value.strip()
        if not sep or scope not in limits or part not in RATE_LIMIT_PARTS:
            scopes = ", ".join(sorted(limits))
            parts = ", ".join(RATE_LIMIT_PARTS)
            raise ImproperlyConfigured(
                f"TRIBUNE_RATE_LIMITS has a bad entry {entry!r}: write scope.part=count/period, "
                f"with a scope among {scopes} and a part among {parts}."
            )
        if value.lower() == "off":
            limits[scope].pop(part, None)
        elif _RATE.match(value):
            limits[scope][part] = value
        else:
            raise ImproperlyConfigured(
                f"TRIBUNE_RATE_LIMITS has a bad rate {value!r} for {name.strip()}: write "
                "count/period, as 30/h, 5/10m or 1000/d (units s, m, h, d), or off."
            )
    return limits


def writable_folder(path: Path, variable: str) -> Path:
    """`path`, made with its parents if missing; a clear error naming `variable` if it cannot be.

    The embedded SQLite database and task queue are opened in it as Django starts,
    before any command could make it.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ImproperlyConfigured(
            f"{variable} is {path}, a folder Tribune cannot create "
            f"({error.strerror or error}): create it, or set {variable} to another folder."
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ImproperlyConfigured(
            f"{variable} is {path}, a folder Tribune may not write in: give the user that "
            f"runs Tribune the right to, or set {variable} to another folder."
        )
    return path


_RELEASE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")


def release(name: str = "TRIBUNE_RELEASE") -> str:
    """The release this process serves (TRIBUNE_RELEASE): one value for every server of
    a deploy, a new one at each deploy. Unset, a value of this process's own: `tribune
    serve` gives it to the processes it starts, so that each start of a server is a
    release of its own."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return f"started-{secrets.token_hex(6)}"
    if not _RELEASE.match(raw):
        raise ImproperlyConfigured(
            f"{name} must be 1 to 64 letters, digits, dots, dashes, underscores or plus "
            f"signs (a commit id or a version), not {raw!r}."
        )
    return raw


def package_version() -> str:
    """Tribune's installed version, or "unknown" when it runs from a bare checkout."""
    try:
        return version("tribune")
    except PackageNotFoundError:
        return "unknown"


def secret_key(var_dir: Path) -> str:
    """SECRET_KEY from the environment, or one generated once and kept in var/.

    The embedded default then needs no set-up and keeps sessions across restarts.
    """
    configured = os.environ.get("SECRET_KEY", "").strip()
    if configured:
        return configured
    path = var_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        # O_EXCL: when several server processes start at once, one writes, the others read.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key


def email_settings(url: str) -> dict[str, Any]:
    """Django e-mail settings for EMAIL_URL: smtp://, smtps://, console:// or file:///dir."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured("EMAIL_URL file:// needs a folder, as file:///srv/mail.")
        return {
            "EMAIL_BACKEND": "tribune.core.mail.FileEmailBackend",
            "EMAIL_FILE_PATH": unquote(parts.path),
        }
    if parts.scheme in {"smtp", "smtps"}:
        if not parts.hostname:
            raise ImproperlyConfigured(
                "EMAIL_URL smtp:// needs a host, as smtp://user:pw@host:587."
            )
        implicit_tls = parts.scheme == "smtps" or query.get("ssl") in _TRUE
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": parts.port or (465 if implicit_tls else 587),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": implicit_tls,
            "EMAIL_USE_TLS": not implicit_tls and query.get("tls", "1") in _TRUE,
            "EMAIL_TIMEOUT": 20,
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL must start with smtp://, smtps://, console:// or file://, not {url!r}."
    )
