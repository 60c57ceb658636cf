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
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, Route
from playwright.sync_api import Error as PlaywrightError

from tests.browser import helpers
from tests.browser.helpers import AXE_URL_PATH, DESKTOP

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
def page(
    browser: Browser,
    live_server,
    transactional_db,
    axe_source: str,
    color_scheme: str,
    viewport: dict[str, int],
) -> Iterator[Page]:
    """A fresh tab with its own cookies on the live server, watched and audited."""
    context = browser.new_context(
        base_url=live_server.url,
        color_scheme=color_scheme,  # type: ignore[arg-type]
        viewport=viewport,  # type: ignore[arg-type]
        locale="en-GB",
        timezone_id="UTC",
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    record = helpers.watch(tab)
    here = urlsplit(live_server.url).netloc

    def serve_axe(route: Route) -> None:
        route.fulfill(status=200, body=axe_source, content_type="application/javascript")

    def on_request(request: Request) -> None:
        url = urlsplit(request.url)
        if url.scheme in {"http", "https", "ws", "wss"} and url.netloc != here:
            record.problems.append(f"request to another host: {request.url}")

    def on_response(response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            record.problems.append(f"{response.status} for {response.url}")

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            record.problems.append(f"refused by the Content-Security-Policy: {message.text}")

    tab.route(f"{live_server.url}{AXE_URL_PATH}", serve_axe)
    tab.on("request", on_request)
    tab.on("response", on_response)
    tab.on("console", on_console)
    tab.on("pageerror", lambda error: record.problems.append(f"script error: {error}"))
    tab.on("load", lambda loaded: record.loaded.append(loaded.url))
    try:
        yield tab
        # The page a test ends on is audited too, if the test did not do it.
        if len(record.loaded) > record.audited or record.problems:
            helpers.audit(tab)
    finally:
        helpers.forget(tab)
        context.close()
