"""Django settings for Tribune.

Configuration comes only from environment variables, read here and nowhere else
(docs/configuration.md lists every one). With none set, Tribune runs embedded:
SQLite, files and mail under var/, tasks in-process.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from tribune.config import (
    donation_amounts,
    email_settings,
    env_bool,
    env_choice,
    env_decimal,
    env_int,
    env_list,
    env_str,
    package_version,
    rate_limits,
    release,
    secret_key,
    writable_folder,
)

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = SRC_DIR.parent.parent
VAR_DIR = writable_folder(
    Path(env_str("TRIBUNE_VAR_DIR", str(BASE_DIR / "var"))).resolve(), "TRIBUNE_VAR_DIR"
)

TESTING = "pytest" in sys.modules or env_bool("TRIBUNE_TESTING", False)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key(VAR_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("TRIBUNE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env_str("TRIBUNE_SITE_NAME", "Tribune")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "ninja",
    "huey.contrib.djhuey",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "tribune.core",
    "tribune.accounts",
    "tribune.wiki",
    "tribune.communities",
    "tribune.posts",
    "tribune.talk",
    "tribune.notes",
    "tribune.moderation",
    "tribune.trust",
    "tribune.feeds",
    "tribune.funding",
    "tribune.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tribune.accounts.middleware.SuspendedSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "tribune.accounts.middleware.MemberTimezoneMiddleware",
]

ROOT_URLCONF = "tribune.urls"
WSGI_APPLICATION = "tribune.wsgi.application"
ASGI_APPLICATION = "tribune.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "tribune.core.context_processors.site",
                "tribune.accounts.context_processors.access",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------
# SQLite (embedded default): WAL so readers never wait for the writer, IMMEDIATE
# transactions so that a read-then-write transaction queues for the write lock at
# BEGIN instead of failing with "database is locked" half-way, and a busy timeout.
SQLITE_PATH = VAR_DIR / "tribune.sqlite3"
SQLITE_OPTIONS: dict[str, Any] = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA busy_timeout=20000;"
        "PRAGMA foreign_keys=ON;"
    ),
}
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": SQLITE_OPTIONS,
            # Tests use a file too, not Django's in-memory default: concurrent saves
            # then meet SQLite's real locking (WAL, IMMEDIATE, busy timeout).
            "TEST": {
                "NAME": str(Path(tempfile.gettempdir()) / f"tribune-test-{os.getpid()}.sqlite3"),
            },
        }
    }
# PostgreSQL: psycopg binds values on the server, and prepares a statement that a
# connection runs again and again (the home feed's) after a few runs, so that PostgreSQL
# plans it once per connection. Off behind a pooler in transaction mode, where a
# client's statements reach several server connections.
TRIBUNE_PREPARED_STATEMENTS = env_bool("TRIBUNE_PREPARED_STATEMENTS", True)
# Runs of one statement on a connection before psycopg prepares it (psycopg's default).
PREPARE_THRESHOLD = 5
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": PREPARE_THRESHOLD if TRIBUNE_PREPARED_STATEMENTS else None,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, tasks: under var/ by default, Redis when REDIS_URL is set ---
# Pieces of pages rendered once (cards, threads, the API's items, rendered Markdown) are
# kept in a cache of their own, "fragments", whose VERSION is the release: a new release
# never serves what an older one rendered (tribune.core.fragments). The default cache
# (sessions, rate limits, settings) is not versioned: a deploy keeps its counts.
TRIBUNE_RELEASE = release()
FRAGMENTS_VERSION = f"{package_version()}-{TRIBUNE_RELEASE}"
REDIS_URL = env_str("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    _redis_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("TRIBUNE_CACHE_PREFIX", "tribune"),
    }
    CACHES = {
        "default": _redis_cache,
        "fragments": {**_redis_cache, "VERSION": FRAGMENTS_VERSION},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif TESTING:
    # Each test starts from an empty cache (tests/conftest.py clears it): memory is
    # quickest, and the tests that need processes to share one run real ones.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tribune",
        },
        "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tribune-fragments",
            "VERSION": FRAGMENTS_VERSION,
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
else:
    # Every process of the site (web workers, task worker, `tribune` commands) must
    # see what another invalidated: files under var/, not each process's memory.
    # diskcache (core.cache) against Django's database cache in the site's SQLite,
    # in-process, on a cache of 5,000 cards of 3 kB, p50 / p95 in µs on 2 busy CPUs
    # (bench/cache.py): get hit 13 / 36 against 84 / 364; get miss 9 / 26 against
    # 50 / 163; get_many of a page of 20 cards 268 / 4,887 against 1,002 / 14,073;
    # set 102 / 1,767 against 242 / 4,713; set_many of 20 cards 2,310 / 14,853
    # against 12,455 / 30,664. Local memory, the floor: 3 / 3 for a get, 81 / 131
    # for get_many. The database cache would also take the site's one SQLite write
    # lock for every cache write, and counts its rows on every set.
    CACHES = {
        "default": {
            "BACKEND": "tribune.core.cache.SharedDiskCache",
            "LOCATION": str(VAR_DIR / "cache"),
            # Past this size the entries stored longest ago go first.
            "OPTIONS": {"size_limit": 256 * 1024 * 1024},
        },
        # Fragments need no sharing: each is keyed by everything it shows, so no process
        # can serve one that another made stale, and memory reads them 4 to 5 times
        # faster than the disk (the figures above).
        "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tribune-fragments",
            "VERSION": FRAGMENTS_VERSION,
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

HUEY: dict[str, Any]
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "tribune",
        "url": REDIS_URL,
        "immediate": TESTING,
        "consumer": {"workers": env_int("TRIBUNE_TASK_WORKERS", 2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "tribune",
        "filename": str(VAR_DIR / "tasks.sqlite3"),
        "immediate": TESTING,
        "consumer": {"workers": env_int("TRIBUNE_TASK_WORKERS", 2), "worker_type": "thread"},
    }

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.Member"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 at full strength makes every test log-in cost ~50 ms; the suite does hundreds.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "tribune.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "tribune.accounts.forms.SignupDetailsForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_VALIDATORS = "tribune.accounts.validators.username_validators"
ACCOUNT_USER_DISPLAY = "tribune.accounts.models.member_display"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_RATE_LIMITS = {
    # allauth's own throttles, kept in the cache (shared through Redis when set).
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
if TESTING:
    ACCOUNT_RATE_LIMITS = {}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME

TRIBUNE_MIN_AGE = env_int("TRIBUNE_MIN_AGE", 16)
TRIBUNE_ACCESS_MODE = env_choice("TRIBUNE_ACCESS_MODE", "open", ("open", "waitlist", "invite-only"))
TRIBUNE_PUBLIC_READ = env_bool("TRIBUNE_PUBLIC_READ", True)
# Places a waitlisted member moves up for each invited friend who confirms their e-mail.
TRIBUNE_WAITLIST_INVITE_PLACES = env_int("TRIBUNE_WAITLIST_INVITE_PLACES", 100)
TRIBUNE_INVITES_PER_MONTH = env_int("TRIBUNE_INVITES_PER_MONTH", 10)
TRIBUNE_INVITE_DAYS = env_int("TRIBUNE_INVITE_DAYS", 14)
# Trust (docs/trust.md): how many members one may vouch for at once, and how many
# links a new member's (trust level 0) post may hold.
TRIBUNE_VOUCH_LIMIT = env_int("TRIBUNE_VOUCH_LIMIT", 5)
TRIBUNE_SANDBOX_MAX_LINKS = env_int("TRIBUNE_SANDBOX_MAX_LINKS", 2)

# --- Funding ----------------------------------------------------------------
# Suggested amounts per currency, "monthly,yearly"; a currency not listed is refused.
TRIBUNE_DONATION_AMOUNTS = donation_amounts(
    env_str("TRIBUNE_DONATION_AMOUNTS", "EUR:13,100;USD:13,100")
)
TRIBUNE_DONATION_MIN = env_decimal("TRIBUNE_DONATION_MIN", "1.00")
TRIBUNE_DONATION_MAX = env_decimal("TRIBUNE_DONATION_MAX", "10000.00")
TRIBUNE_FUNDING_GOAL = env_decimal("TRIBUNE_FUNDING_GOAL", "2000.00")
TRIBUNE_FUNDING_CURRENCY = env_str("TRIBUNE_FUNDING_CURRENCY", "EUR").upper()
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
# Only for tests and stripe-mock style servers: where the stripe package sends its calls.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")
TRIBUNE_PAYMENT_PROVIDER = env_choice(
    "TRIBUNE_PAYMENT_PROVIDER", "stripe" if STRIPE_SECRET_KEY else "offline", ("offline", "stripe")
)
TRIBUNE_OFFLINE_INSTRUCTIONS = env_str(
    "TRIBUNE_OFFLINE_INSTRUCTIONS",
    "Pay by bank transfer and quote the reference below; staff confirm it when it arrives.",
)

# Per scope: "member" (trust level 1+), "new_member" (level 0, sandboxed),
# "address" and, for API log-ins, "email" limits, as "count/period" (s, m, h, d);
# TRIBUNE_RATE_LIMITS overrides them (config.rate_limits). core.ratelimit applies
# them; staff and site moderators are not limited. Counts live in Redis when
# REDIS_URL is set, in the database otherwise, so that every server process shares them.
DEFAULT_RATE_LIMITS: dict[str, dict[str, str]] = {
    "post": {"member": "30/h", "new_member": "5/h", "address": "60/h"},
    "edit": {"member": "120/h", "new_member": "20/h", "address": "240/h"},
    "comment": {"member": "120/h", "new_member": "20/h", "address": "240/h"},
    "report": {"member": "30/h", "new_member": "10/h", "address": "60/h"},
    "vouch": {"member": "20/d", "new_member": "5/d"},
    "note": {"member": "20/d", "new_member": "5/d"},
    "note_rating": {"member": "200/h", "new_member": "50/h"},
    # POST /api/v1/auth/tokens is a log-in: every attempt counts, right or wrong.
    "token": {"address": "30/h", "email": "10/h"},
}
TRIBUNE_RATE_LIMITS = rate_limits(env_str("TRIBUNE_RATE_LIMITS", ""), DEFAULT_RATE_LIMITS)
TRIBUNE_RATE_LIMIT_STORE = "redis" if REDIS_URL else "database"
if TESTING:
    TRIBUNE_RATE_LIMITS = {}  # tests that are about limits set their own

# --- Mail -------------------------------------------------------------------
_email = email_settings(env_str("EMAIL_URL", f"file://{VAR_DIR / 'mail'}"))
EMAIL_BACKEND = _email.pop("EMAIL_BACKEND")
globals().update(_email)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [SRC_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
TRIBUNE_SERVE_MEDIA = env_bool("TRIBUNE_SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = TESTING or DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security headers -------------------------------------------------------
# HTTPS is assumed in production; `make run` serves plain HTTP on loopback and
# turns it off with TRIBUNE_HTTPS=0.
HTTPS = env_bool("TRIBUNE_HTTPS", not DEBUG and not TESTING)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("TRIBUNE_HSTS_SECONDS", 31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TRIBUNE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("TRIBUNE_HSTS_PRELOAD", True)
TRIBUNE_BEHIND_PROXY = env_bool("TRIBUNE_BEHIND_PROXY", False)
if TRIBUNE_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Strict Content-Security-Policy: everything from this host, no inline scripts or
# styles, nothing from anywhere else (no CDN, fonts or analytics).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        # A donation form's answer redirects to Stripe Checkout, which form-action governs.
        "form-action": [SELF]
        + (["https://checkout.stripe.com"] if TRIBUNE_PAYMENT_PROVIDER == "stripe" else []),
        "frame-ancestors": [NONE],
    }
}

# --- API --------------------------------------------------------------------
NINJA_PAGINATION_MAX_LIMIT = 100

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # huey attaches a handler of its own; without this every line prints twice.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Images and link previews (posts) ---------------------------------------
# Uploads larger than this are refused before Pillow reads them; images with more
# pixels than this are refused as possible decompression bombs.
TRIBUNE_IMAGE_MAX_BYTES = env_int("TRIBUNE_IMAGE_MAX_BYTES", 10 * 1024 * 1024)
TRIBUNE_IMAGE_MAX_PIXELS = env_int("TRIBUNE_IMAGE_MAX_PIXELS", 40_000_000)
TRIBUNE_IMAGE_MAX_SIDE = env_int("TRIBUNE_IMAGE_MAX_SIDE", 2560)
TRIBUNE_IMAGE_THUMBNAIL_WIDTH = env_int("TRIBUNE_IMAGE_THUMBNAIL_WIDTH", 640)
# Link previews fetch other sites from the task worker. Off in tests, so that no
# test reaches the network unless it turns them on for a local server.
TRIBUNE_LINK_PREVIEWS = env_bool("TRIBUNE_LINK_PREVIEWS", not TESTING)
# Private, loopback and link-local addresses are refused unless this is on.
TRIBUNE_PREVIEW_ALLOW_PRIVATE = env_bool("TRIBUNE_PREVIEW_ALLOW_PRIVATE", False)
TRIBUNE_PREVIEW_CONNECT_TIMEOUT = env_int("TRIBUNE_PREVIEW_CONNECT_TIMEOUT", 5)
TRIBUNE_PREVIEW_TIMEOUT = env_int("TRIBUNE_PREVIEW_TIMEOUT", 10)
TRIBUNE_PREVIEW_MAX_BYTES = env_int("TRIBUNE_PREVIEW_MAX_BYTES", 1_000_000)
TRIBUNE_PREVIEW_MAX_REDIRECTS = env_int("TRIBUNE_PREVIEW_MAX_REDIRECTS", 3)
