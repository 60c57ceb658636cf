"""Real headless Chromium against the live test server, with an accessibility audit.

Every page a test visits is audited with axe-core (node_modules/axe-core, installed by
`npm ci` in `make install-dev`): see helpers.py. The site's strict Content-Security-Policy
stays on during the tests: axe is served to the page by the test itself, from a same-origin
address that Playwright answers, so nothing is relaxed for it. The audit also fails on what
the policy refused (an inline script or style), on uncaught script errors, on resources
that did not load and on any request to another host.

Without Chromium or axe-core the browser tests are skipped, unless TRIBUNE_REQUIRE_BROWSER=1
(as in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import NoReturn

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from tests.browser.helpers import DESKTOP, OpenPage, open_tab
from tests.factories import MemberFactory
from tribune.accounts.models import Member

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("TRIBUNE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("TRIBUNE_REQUIRE_BROWSER") == "1":
        pytest.fail(
            f"{reason}; TRIBUNE_REQUIRE_BROWSER=1 asks for the browser tests", pytrace=False
        )
    pytest.skip(reason)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        _unavailable("axe-core is not installed (node_modules/axe-core): run `npm ci`")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser(axe_source: str) -> Iterator[Browser]:
    """One headless Chromium for the whole run."""
    if not CHROMIUM.is_file():
        _unavailable(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the tests' own database
    # calls are plain synchronous ones all the same, which Django would otherwise refuse.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        try:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
        except PlaywrightError as error:
            _unavailable(f"Chromium at {CHROMIUM} did not start: {error.message}")
        yield chromium
        chromium.close()


@pytest.fixture
def color_scheme() -> str:
    """Override with @pytest.mark.parametrize("color_scheme", ["light", "dark"])."""
    return "light"


@pytest.fixture
def viewport() -> dict[str, int]:
    """Override with @pytest.mark.parametrize("viewport", [PHONE])."""
    return DESKTOP


@pytest.fixture
def open_page(
    browser: Browser, live_server, transactional_db, axe_source: str
) -> Iterator[OpenPage]:
    """Opens tabs on the live server, each with its own cookies, watched and audited.

    `open_page()` is another visitor; `open_page(java_script_enabled=False)` a browser
    without JavaScript; the other keywords of `helpers.open_tab` work too. Every tab is
    audited and closed when the test ends.
    """
    with ExitStack() as tabs:

        def open_another(**options) -> Page:
            return tabs.enter_context(
                open_tab(browser, base_url=live_server.url, axe_source=axe_source, **options)
            )

        yield open_another


@pytest.fixture
def page(open_page: OpenPage, color_scheme: str, viewport: dict[str, int]) -> Page:
    """A fresh tab with its own cookies on the live server, watched and audited."""
    return open_page(viewport=viewport, color_scheme=color_scheme)


@pytest.fixture
def no_script_page(open_page: OpenPage) -> Page:
    """A tab with JavaScript turned off: only plain forms and links work there."""
    return open_page(java_script_enabled=False)


@pytest.fixture
def ada(transactional_db) -> Member:
    return MemberFactory.create(username="ada", display_name="Ada Lovelace")


@pytest.fixture
def grace(transactional_db) -> Member:
    return MemberFactory.create(username="grace", display_name="Grace Hopper")
