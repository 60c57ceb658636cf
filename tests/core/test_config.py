"""Configuration from the environment: clear errors for typos, and EMAIL_URL's forms."""

from __future__ import annotations

import email
import stat

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from tribune.config import (
    email_settings,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    release,
    secret_key,
)

VAR = "TRIBUNE_TEST_SETTING"


@pytest.fixture(autouse=True)
def _unset(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)


# --- Booleans, numbers, lists, choices ---------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "true", "True", "YES", "on", " 1 "])
def test_true_values(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    assert env_bool(VAR, False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "OFF", ""])
def test_false_values(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    assert env_bool(VAR, True) is False


def test_unset_values_take_their_default():
    assert env_bool(VAR, True) is True
    assert env_int(VAR, 7) == 7
    assert env_str(VAR, "x") == "x"
    assert env_list(VAR, ["a"]) == ["a"]
    assert env_choice(VAR, "open", ("open", "waitlist")) == "open"


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please"])
def test_a_boolean_typo_names_the_variable_and_the_value(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(ImproperlyConfigured) as error:
        env_bool(VAR, False)
    assert VAR in str(error.value)
    assert repr(raw) in str(error.value)


@pytest.mark.parametrize(("raw", "value"), [("42", 42), (" 8 ", 8), ("-3", -3), ("", 5)])
def test_whole_numbers(monkeypatch, raw, value):
    monkeypatch.setenv(VAR, raw)
    assert env_int(VAR, 5) == value


@pytest.mark.parametrize("raw", ["4.2", "ten", "1e3", "0x10"])
def test_a_number_typo_names_the_variable_and_the_value(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(ImproperlyConfigured) as error:
        env_int(VAR, 5)
    assert VAR in str(error.value)
    assert "whole number" in str(error.value)
    assert repr(raw) in str(error.value)


def test_lists_are_comma_separated_and_trimmed(monkeypatch):
    monkeypatch.setenv(VAR, " example.org, www.example.org,,")
    assert env_list(VAR, []) == ["example.org", "www.example.org"]


def test_an_empty_list_is_empty(monkeypatch):
    monkeypatch.setenv(VAR, "")
    assert env_list(VAR, ["default"]) == []


def test_a_choice_is_trimmed(monkeypatch):
    monkeypatch.setenv(VAR, " waitlist ")
    assert env_choice(VAR, "open", ("open", "waitlist", "invite-only")) == "waitlist"


@pytest.mark.parametrize("raw", ["closed", "Open", ""])
def test_a_choice_out_of_the_list_names_every_allowed_value(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(ImproperlyConfigured) as error:
        env_choice(VAR, "open", ("open", "waitlist", "invite-only"))
    message = str(error.value)
    assert VAR in message
    assert "open, waitlist, invite-only" in message
    assert repr(raw) in message


# --- The release ------------------------------------------------------------------------


def test_the_release_is_the_operators_when_set(monkeypatch):
    monkeypatch.setenv(VAR, " 4f2c9ab ")
    assert release(VAR) == "4f2c9ab"


def test_without_one_each_process_is_a_release_of_its_own():
    assert release(VAR) != release(VAR)


@pytest.mark.parametrize("raw", ["two words", "a:b", "x" * 65, "-leading-dash"])
def test_a_release_that_cannot_go_in_a_cache_key_is_refused(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(ImproperlyConfigured, match=VAR):
        release(VAR)


# --- SECRET_KEY ------------------------------------------------------------------------------


def test_the_secret_key_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "  from-the-environment  ")
    assert secret_key(tmp_path) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_without_one_a_key_is_made_once_kept_private_and_reused(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    var = tmp_path / "var"
    first = secret_key(var)
    assert len(first) >= 50
    assert secret_key(var) == first  # sessions survive a restart
    mode = stat.S_IMODE((var / "secret_key").stat().st_mode)
    assert mode == 0o600


# --- EMAIL_URL -------------------------------------------------------------------------------


def test_smtp_with_credentials_and_a_port():
    settings = email_settings("smtp://mailer:p%40ss%2Fword@mail.example.org:2525")
    assert settings == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "mailer",
        "EMAIL_HOST_PASSWORD": "p@ss/word",
        "EMAIL_USE_SSL": False,
        "EMAIL_USE_TLS": True,
        "EMAIL_TIMEOUT": 20,
    }


def test_smtp_defaults_to_submission_with_starttls():
    settings = email_settings("smtp://mail.example.org")
    assert settings["EMAIL_PORT"] == 587
    assert settings["EMAIL_USE_TLS"] is True
    assert settings["EMAIL_USE_SSL"] is False
    assert settings["EMAIL_HOST_USER"] == settings["EMAIL_HOST_PASSWORD"] == ""


def test_smtp_without_tls_when_asked():
    settings = email_settings("smtp://localhost:25?tls=0")
    assert (settings["EMAIL_PORT"], settings["EMAIL_USE_TLS"]) == (25, False)


@pytest.mark.parametrize("url", ["smtps://mail.example.org", "smtp://mail.example.org?ssl=1"])
def test_smtps_uses_implicit_tls_on_465(url):
    settings = email_settings(url)
    assert settings["EMAIL_PORT"] == 465
    assert settings["EMAIL_USE_SSL"] is True
    assert settings["EMAIL_USE_TLS"] is False  # Django refuses both at once


def test_console():
    assert email_settings("console://") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }


def test_file_takes_a_folder():
    assert email_settings("file:///srv/tribune/mail%20out") == {
        "EMAIL_BACKEND": "tribune.core.mail.FileEmailBackend",
        "EMAIL_FILE_PATH": "/srv/tribune/mail out",
    }


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("file://", "file:///srv/mail"),
        ("file://mail", "file:///srv/mail"),  # a host, not a folder
        ("smtp://", "smtp://user:pw@host:587"),
        ("smtps://:587", "smtp://user:pw@host:587"),
        ("http://mail.example.org", "must start with"),
        ("mailgun://key@example.org", "must start with"),
        ("mail.example.org", "must start with"),
        ("", "must start with"),
    ],
)
def test_other_email_urls_are_refused_with_an_example(url, hint):
    with pytest.raises(ImproperlyConfigured) as error:
        email_settings(url)
    assert hint in str(error.value)


# --- The file mail backend -------------------------------------------------------------------


def test_the_file_backend_writes_one_eml_per_message(settings, tmp_path):
    settings.EMAIL_BACKEND = "tribune.core.mail.FileEmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    sent = mail.send_mass_mail(
        [
            ("Welcome", "Hello Ada.", "tribune@example.org", ["ada@example.org"]),
            ("Welcome", "Hello Grace.", "tribune@example.org", ["grace@example.org"]),
            ("Your invite", "Here it is.", "tribune@example.org", ["ada@example.org"]),
        ]
    )
    assert sent == 3
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 3
    messages = [email.message_from_bytes(f.read_bytes()) for f in files]
    assert sorted((m["To"], m["Subject"]) for m in messages) == [
        ("ada@example.org", "Welcome"),
        ("ada@example.org", "Your invite"),
        ("grace@example.org", "Welcome"),
    ]
    assert {str(m.get_payload()).strip() for m in messages} == {
        "Hello Ada.",
        "Hello Grace.",
        "Here it is.",
    }
