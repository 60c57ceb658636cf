"""The translation catalogues: complete, faithful to their placeholders, compiled, and used.

Every language in LANGUAGES but English has a catalogue under src/tribune/locale, whose
.po is the source and whose .mo is committed beside it (docs/translations.md).
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

# %(name)s, %(count)d, %s, %d: what Python's % operator and blocktranslate fill in.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_UNESCAPE = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    def start(self, key: str, value: str) -> None:
        """The first line of the field `key` names (msgid, msgid_plural, msgctxt, msgstr[n])."""
        if key == "msgid":
            self.msgid = value
        elif key == "msgid_plural":
            self.msgid_plural = value
        elif key == "msgctxt":
            self.msgctxt = value
        else:
            self.msgstr[_msgstr_index(key)] = value

    def extend(self, key: str, value: str) -> None:
        """A further line of the field `key` names."""
        if key == "msgid":
            self.msgid += value
        elif key == "msgid_plural":
            self.msgid_plural = (self.msgid_plural or "") + value
        elif key == "msgctxt":
            self.msgctxt = (self.msgctxt or "") + value
        else:
            self.msgstr[_msgstr_index(key)] += value


def _msgstr_index(key: str) -> int:
    return int(key[7:-1]) if key.startswith("msgstr[") else 0


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m.group(1), m.group(1)), text[1:-1])


def read_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The header fields and the live entries of a .po file (obsolete ones left out)."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, key, live = Entry(), "", False
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry.extend(key, _unquote(line))
            else:
                key, _space, quoted = line.partition(" ")
                entry.start(key, _unquote(quoted))
                live = True
        if live:
            entries.append(entry)
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    fields = dict(line.split(": ", 1) for line in header.msgstr[0].splitlines() if ": " in line)
    return fields, [e for e in entries if e is not header]


def catalogue(language: str, suffix: str = "po") -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / f"django.{suffix}"


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def tags(text: str) -> Counter[str]:
    return Counter(TAG.findall(text))


# --- The catalogues themselves ---------------------------------------------------


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_language_has_a_po_and_a_compiled_mo(language):
    assert catalogue(language).is_file()
    assert catalogue(language, "mo").is_file()


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_header_names_the_language_its_plurals_and_utf8(language):
    header, _entries = read_po(catalogue(language))
    assert header["Language"] == language
    assert "charset=UTF-8" in header["Content-Type"]
    assert header["Plural-Forms"].startswith("nplurals=")


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_entry_is_untranslated_or_fuzzy(language):
    _header, entries = read_po(catalogue(language))
    assert len(entries) > 100
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    empty = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    assert fuzzy == []
    assert empty == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translation_keeps_the_placeholders_and_markup_of_its_source(language):
    _header, entries = read_po(catalogue(language))
    wrong = []
    for e in entries:
        if e.msgid_plural is None:
            source = e.msgid
            if placeholders(e.msgstr[0]) != placeholders(source) or tags(e.msgstr[0]) != tags(
                source
            ):
                wrong.append((e.msgid, e.msgstr[0]))
            continue
        # A plural form may leave out the count ("one member"); the last never does.
        allowed = set(placeholders(e.msgid)) | set(placeholders(e.msgid_plural))
        forms = [e.msgstr[i] for i in sorted(e.msgstr)]
        if set(placeholders(forms[-1])) != set(placeholders(e.msgid_plural)) or any(
            not set(placeholders(form)) <= allowed or tags(form) != tags(e.msgid_plural)
            for form in forms
        ):
            wrong.append((e.msgid, " | ".join(forms)))
    assert wrong == []


def test_french_uses_french_typography():
    # A no-break space (U+00A0) before : ; ? ! and inside « », and the curly apostrophe.
    _header, entries = read_po(catalogue("fr"))
    wrong = [
        form
        for e in entries
        for form in e.msgstr.values()
        if re.search(r"[ \u202f][:;?!»]|«[ \u202f]|[^\s\u00a0]«|\w'\w", TAG.sub("", form))
    ]
    assert wrong == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committed_mo_holds_what_the_po_says(language):
    # Django reads the .mo: each entry of the .po must come back from it as written,
    # so a .po edited without compilemessages fails here.
    _header, entries = read_po(catalogue(language))
    stale = []
    with translation.override(language):
        for e in entries:
            if e.msgid_plural is None:
                got = (
                    translation.pgettext(e.msgctxt, e.msgid)
                    if e.msgctxt is not None
                    else translation.gettext(e.msgid)
                )
                if got != e.msgstr[0]:
                    stale.append((e.msgid, got))
                continue
            # Whatever the language's plural rule, counts from 0 to 199 meet every form.
            got_forms = {
                translation.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
                if e.msgctxt is not None
                else translation.ngettext(e.msgid, e.msgid_plural, n)
                for n in range(200)
            }
            if got_forms != set(e.msgstr.values()):
                stale.append((e.msgid, " | ".join(sorted(got_forms))))
    assert stale == []


def test_the_catalogues_hold_every_string_the_sources_mark(tmp_path, settings, monkeypatch):
    # makemessages on a copy of the sources: a string marked for translation but
    # missing from the committed catalogue fails here, until it is translated.
    if shutil.which("xgettext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext (xgettext) is not installed", pytrace=False)
        pytest.skip("needs GNU gettext (xgettext) to extract the marked strings")
    sources = Path(settings.LOCALE_PATHS[0]).parent
    committed = {language: read_po(catalogue(language))[1] for language in TRANSLATED}
    copy = tmp_path / "tribune"
    shutil.copytree(sources, copy, ignore=shutil.ignore_patterns("locale", "static", "__pycache__"))
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command(
        "makemessages", locale=TRANSLATED, no_location=True, ignore_patterns=[], verbosity=0
    )
    for language in TRANSLATED:
        _header, marked = read_po(copy / "locale" / language / "LC_MESSAGES" / "django.po")
        wanted = {(e.msgctxt, e.msgid, e.msgid_plural) for e in marked}
        have = {(e.msgctxt, e.msgid, e.msgid_plural) for e in committed[language]}
        missing = sorted(e[1] for e in wanted - have)
        unused = sorted(e[1] for e in have - wanted)
        assert not missing, f"not in the {language} catalogue (docs/translations.md): {missing}"
        assert not unused, f"no longer in the sources, still in {language}: {unused}"


# --- The pages in French ----------------------------------------------------------


@pytest.fixture
def french_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    return client


@pytest.mark.django_db
def test_the_home_page_is_in_french_with_the_language_cookie(french_client):
    html = french_client.get(reverse("home")).content.decode()
    assert '<html lang="fr">' in html
    assert f"Bienvenue sur {settings.SITE_NAME}" in html
    assert "Aller au contenu" in html
    assert "Se connecter" in html
    assert "Welcome to" not in html


@pytest.mark.django_db
def test_the_sign_up_page_is_in_french_with_the_language_cookie(french_client):
    html = french_client.get(reverse("account_signup")).content.decode()
    assert '<html lang="fr">' in html
    assert "Créez votre compte" in html
    assert "Date de naissance" in html
    assert "S\u2019inscrire" in html
    assert "Create your account" not in html


@pytest.mark.django_db
def test_a_browser_asking_for_french_gets_french(client):
    html = client.get(reverse("account_signup"), headers={"accept-language": "fr-FR,fr;q=0.9"})
    text = html.content.decode()
    assert '<html lang="fr">' in text
    assert "Créez votre compte" in text
    assert html["Content-Language"] == "fr"


@pytest.mark.django_db
def test_the_language_form_switches_to_french_and_back(client):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert "Bienvenue sur" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert "Welcome to" in html
