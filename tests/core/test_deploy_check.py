"""A production configuration passes Django's deployment checks and sends strict headers.

The test settings are not production ones (settings.TESTING), so the deployment
check runs in a fresh process with only the variables an operator would set, and
the header tests evaluate settings.py again with TRIBUNE_HTTPS set, as it is in
production, and serve a page with the security settings that come out of it.
"""

from __future__ import annotations

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import tribune.settings

ROOT = Path(__file__).resolve().parents[2]
# Variables a test run sets that would make the fresh process something other than
# production (Playwright's fixtures set the async one).
NOT_PRODUCTION = (
    "TRIBUNE_TESTING",
    "TRIBUNE_HTTPS",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DATABASE_URL",
    "REDIS_URL",
)


def test_manage_check_deploy_is_clean_in_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in NOT_PRODUCTION}
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "example.org",
        "TRIBUNE_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def security_settings(monkeypatch, tmp_path, *, https: str) -> dict[str, Any]:
    """The security settings settings.py makes with TRIBUNE_HTTPS=`https`."""
    monkeypatch.setenv("TRIBUNE_HTTPS", https)
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(60))
    monkeypatch.setenv("TRIBUNE_VAR_DIR", str(tmp_path))
    made = runpy.run_path(tribune.settings.__file__)
    names = [
        name
        for name in made
        if name.startswith(("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_"))
        or name in {"X_FRAME_OPTIONS", "CONTENT_SECURITY_POLICY"}
    ]
    return {name: made[name] for name in names}


@pytest.fixture
def production_headers(settings, monkeypatch, tmp_path):
    for name, value in security_settings(monkeypatch, tmp_path, https="1").items():
        setattr(settings, name, value)
    # A new client: the security middleware reads its settings when it is built.
    return Client()


def _csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = [d.split() for d in policy.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


@pytest.mark.django_db
def test_pages_forbid_inline_code_and_other_hosts(production_headers):
    response = production_headers.get("/", secure=True)
    assert response.status_code == 200
    policy = _csp(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    sources = {source for values in policy.values() for source in values}
    assert "'unsafe-inline'" not in sources
    assert "'unsafe-eval'" not in sources
    # Nothing from another host: no CDN, no web fonts, no analytics (DESIGN.md).
    assert sources <= {"'self'", "'none'", "data:"}


@pytest.mark.django_db
def test_pages_cannot_be_framed_or_sniffed_and_keep_their_referrer(production_headers):
    response = production_headers.get("/", secure=True)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_https_pages_ask_browsers_to_stay_on_https(production_headers):
    response = production_headers.get("/", secure=True)
    hsts = response["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts
    assert "includeSubDomains" in hsts
    assert "preload" in hsts


@pytest.mark.django_db
def test_plain_http_is_sent_to_https(production_headers):
    response = production_headers.get("/accounts/login/?next=/s/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/?next=/s/"


@pytest.mark.django_db
def test_cookies_travel_only_over_https(production_headers):
    response = production_headers.get("/accounts/login/", secure=True)
    assert response.status_code == 200
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"]
    assert csrf["samesite"] == "Lax"


def test_without_https_there_is_no_hsts_nor_redirect(monkeypatch, tmp_path):
    # `make run` serves plain HTTP on loopback with TRIBUNE_HTTPS=0.
    made = security_settings(monkeypatch, tmp_path, https="0")
    assert made["SECURE_HSTS_SECONDS"] == 0
    assert made["SECURE_SSL_REDIRECT"] is False
    assert made["SESSION_COOKIE_SECURE"] is False
