"""Every environment variable the settings read is documented in docs/configuration.md."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "src" / "tribune" / "settings.py", ROOT / "src" / "tribune" / "config.py"]
# Not an operator's setting: it tells the settings that a test run has started.
UNDOCUMENTED = {"TRIBUNE_TESTING"}


def variables_read() -> set[str]:
    names: set[str] = set()
    for source in SOURCES:
        text = source.read_text()
        names |= set(re.findall(r'\benv_\w+\(\s*"([A-Z][A-Z0-9_]*)"', text))
        names |= set(re.findall(r'os\.environ(?:\.get)?[(\[]\s*"([A-Z][A-Z0-9_]*)"', text))
    return names


def test_every_variable_is_documented():
    documented = (ROOT / "docs" / "configuration.md").read_text()
    read = variables_read()
    assert {"TRIBUNE_ACCESS_MODE", "TRIBUNE_PAYMENT_PROVIDER", "STRIPE_SECRET_KEY"} <= read
    missing = sorted(n for n in read - UNDOCUMENTED if f"`{n}`" not in documented)
    assert missing == []
