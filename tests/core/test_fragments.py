"""Fragments kept in the cache (tribune.core.fragments): the stand-ins a request fills
in, and the release that versions them."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tribune.core.fragments import fill_stand_ins, fragment_cache, stand_ins


def test_the_stand_ins_are_plain_words_that_depend_on_the_secret_key(settings):
    csrf, back = stand_ins()
    assert csrf.isalnum() and back.isalnum() and csrf != back
    settings.SECRET_KEY = "another secret key for this test, long enough to be one"
    assert stand_ins() != (csrf, back)


def test_a_request_fills_in_its_token_and_its_escaped_address():
    csrf, back = stand_ins()
    field = f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    html = f'<form action="/up?next={back}">{field}</form>'
    filled = fill_stand_ins(html, csrf_token="abc123", path="/?a=1&b=<2>")
    assert filled == (
        '<form action="/up?next=/?a=1&amp;b=&lt;2&gt;">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="abc123"></form>'
    )
    # Without a token, the field goes, as {% csrf_token %} writes nothing then.
    assert "csrfmiddlewaretoken" not in fill_stand_ins(html, csrf_token="", path="/")


def releases(version: str) -> dict[str, dict[str, str]]:
    fragments = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "test-fragments-releases",
        "VERSION": version,
    }
    return {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
        "fragments": fragments,
    }


def test_a_fragment_kept_by_one_release_is_never_served_by_another():
    with override_settings(CACHES=releases("1.0-first")):
        fragment_cache().set("card", "<p>rendered by the first release</p>")
        assert fragment_cache().get("card") is not None
    with override_settings(CACHES=releases("1.0-second")):
        assert fragment_cache().get("card") is None  # same cache, same key: another release
    with override_settings(CACHES=releases("1.0-first")):
        assert fragment_cache().get("card") == "<p>rendered by the first release</p>"
        fragment_cache().clear()


def test_the_fragments_are_versioned_by_the_release_and_nothing_else_is(settings):
    assert settings.FRAGMENTS_VERSION.endswith(f"-{settings.TRIBUNE_RELEASE}")
    assert settings.CACHES["fragments"]["VERSION"] == settings.FRAGMENTS_VERSION
    # Sessions and rate limits keep their keys from one release to the next.
    assert "VERSION" not in settings.CACHES["default"]


@pytest.mark.parametrize("configured", [None, "v42"])
def test_serve_gives_every_process_it_starts_one_release(settings, monkeypatch, configured):
    from tribune.core.management.commands.serve import Command

    if configured is None:
        monkeypatch.delenv("TRIBUNE_RELEASE", raising=False)
    else:
        monkeypatch.setenv("TRIBUNE_RELEASE", configured)
    env = Command().child_environment()
    assert env["TRIBUNE_RELEASE"] == (configured or settings.TRIBUNE_RELEASE)
