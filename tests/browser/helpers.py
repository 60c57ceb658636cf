"""What the browser tests do with a page: open it, log in, follow links, audit it, read the mail.

`visit(page, path)` opens a page and `click_through(page, locator)` follows a link or submits
a form; both audit the page they land on with axe-core and fail on serious or critical
violations. After anything else that loads a page, call `audit(page)`: a page that was loaded
and left without an audit fails the test (see `open_tab`, which the `page`, `open_page` and
`no_script_page` fixtures of conftest.py use).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Request,
    Response,
    Route,
)

from tests.factories import PASSWORD

if TYPE_CHECKING:
    from tribune.accounts.models import Member

# Served by Playwright's router, never by Django (see `page` in conftest.py): the page's
# Content-Security-Policy allows scripts from its own origin only, and stays on.
AXE_URL_PATH = "/__browser-tests__/axe.min.js"
# WCAG 2.0 to 2.2, levels A and AA, plus axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = ("critical", "serious")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

# What the `open_page` fixture gives: call it for another tab, with keyword arguments
# of `open_tab` (`java_script_enabled=False`, `viewport=PHONE`).
OpenPage = Callable[..., Page]

_RUN_AXE = """
async (options) => {
  const results = await window.axe.run(document, options);
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.map(String).join(" "),
      html: n.html,
      summary: n.failureSummary || "",
    })),
  }));
}
"""


@dataclass
class PageWatch:
    """What happened in one tab: the pages it loaded and what went wrong on them."""

    base_url: str
    loaded: list[str] = field(default_factory=list)
    audited: int = 0
    problems: list[str] = field(default_factory=list)
    # axe-core cannot run where the page's scripts are turned off (its timers never fire):
    # there the audit checks only what the tab recorded.
    scripts: bool = True


_watches: dict[int, PageWatch] = {}


def watch(page: Page, *, base_url: str, scripts: bool = True) -> PageWatch:
    """Start recording what happens in `page` (called once by `open_tab`)."""
    record = _watches[id(page)] = PageWatch(base_url=base_url, scripts=scripts)
    return record


def forget(page: Page) -> None:
    _watches.pop(id(page), None)


@contextmanager
def open_tab(
    browser: Browser,
    *,
    base_url: str,
    axe_source: str,
    viewport: dict[str, int] = DESKTOP,
    color_scheme: str = "light",
    java_script_enabled: bool = True,
) -> Iterator[Page]:
    """A fresh tab with its own cookies on the live server, watched and audited.

    The `page` fixture is one; a test that needs a second visitor, or a browser with
    JavaScript turned off, opens more with the `open_page` fixture.
    """
    context = browser.new_context(
        base_url=base_url,
        color_scheme=color_scheme,  # type: ignore[arg-type]
        viewport=viewport,  # type: ignore[arg-type]
        locale="en-GB",
        timezone_id="UTC",
        java_script_enabled=java_script_enabled,
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    record = watch(tab, base_url=base_url, scripts=java_script_enabled)
    here = urlsplit(base_url).netloc

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

    tab.route(f"{base_url}{AXE_URL_PATH}", serve_axe)
    tab.on("request", on_request)
    tab.on("response", on_response)
    tab.on("console", on_console)
    tab.on("pageerror", lambda error: record.problems.append(f"script error: {error}"))
    tab.on("load", lambda loaded: record.loaded.append(loaded.url))
    try:
        yield tab
        # The page a test ends on is audited too, if the test did not do it.
        if len(record.loaded) > record.audited or record.problems:
            audit(tab)
    finally:
        forget(tab)
        context.close()


def log_in_as(page: Page, member: Member) -> Page:
    """Log `member` in without the form, in `page`'s tab (test_accounts.py covers the form)."""
    client = Client()
    client.force_login(member)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.value,
                "url": _watches[id(page)].base_url,
            }
        ]
    )
    return page


def log_in(page: Page, login: str, password: str = PASSWORD) -> None:
    """Fill in and send the log-in form the page shows."""
    page.get_by_label("Username or e-mail address").fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    click_through(page, page.get_by_role("button", name="Log in"))


def fill_sign_up(page: Page, *, name: str, username: str, email: str, born: dt.date) -> None:
    """Fill in the sign-up form the page shows, with the factories' password."""
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Date of birth").fill(born.isoformat())
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)


def audit(page: Page) -> None:
    """Run axe-core on the page as it is now; fail on serious or critical violations.

    In a tab without JavaScript only what the tab recorded is checked (see PageWatch).
    """
    record = _watches[id(page)]
    violations: list[dict[str, Any]] = []
    if record.scripts:
        if page.evaluate("() => typeof window.axe") == "undefined":
            page.add_script_tag(url=AXE_URL_PATH)
        violations = page.evaluate(
            _RUN_AXE,
            {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
        )
    else:
        # Delivers the events that came before, as the audit's own evaluations do.
        page.evaluate("() => document.readyState")
    # The evaluations above have also delivered every earlier event (loads, console).
    skipped = record.loaded[record.audited : -1]
    record.audited = len(record.loaded)
    failures = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    report: list[str] = []
    if skipped:
        report.append("pages loaded and left without an audit: " + ", ".join(skipped))
    if failures:
        report.append(describe_violations(failures))
    report.extend(record.problems)
    record.problems.clear()
    if report:
        scheme = page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches")
        where = f"{page.url} ({'dark' if scheme else 'light'} scheme)"
        raise AssertionError(f"Problems on {where}:\n" + "\n".join(report))


def describe_violations(violations: list[dict[str, Any]], shown: int = 5) -> str:
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        lines.append(
            f"- [{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({len(nodes)} element{'s' if len(nodes) != 1 else ''}; {violation['helpUrl']})"
        )
        for node in nodes[:shown]:
            lines.append(f"    at {node['target']}: {node['html'][:200]}")
            lines.extend(f"      {line.strip()}" for line in node["summary"].splitlines()[:4])
        if len(nodes) > shown:
            lines.append(f"    ... and {len(nodes) - shown} more")
    return "\n".join(lines)


def visit(page: Page, path: str, *, status: int = 200) -> Response:
    """Open `path` (relative to the live server), check its status, audit it."""
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == status, f"{path} answered {response.status}, not {status}"
    audit(page)
    return response


def click_through(page: Page, locator: Locator) -> Response | None:
    """Click a link or a submit button, wait for the page it leads to, audit that page."""
    with page.expect_navigation() as navigation:
        locator.click()
    audit(page)
    return navigation.value


def htmx_request(page: Page, locator: Locator) -> Response:
    """Click something htmx sends, and wait for its answer (the page does not reload).

    Only a request htmx made counts, so a plain form post or link would time out here.
    """
    with page.expect_response(
        lambda response: response.request.headers.get("hx-request") == "true"
    ) as answer:
        locator.click()
    return answer.value


def header(page: Page) -> Locator:
    return page.get_by_role("banner")


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def has_horizontal_scroll(page: Page) -> bool:
    return bool(
        page.evaluate(
            "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
    )


def read_mail(folder: str | Path) -> list[EmailMessage]:
    """Messages written by tribune.core.mail.FileEmailBackend, oldest first."""
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(Path(folder).glob("*.eml"))
    ]


def mail_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None, "the message has no text part"
    return str(body.get_content())


def first_link(text: str, path_prefix: str) -> str:
    """The first absolute link in `text` whose path starts with `path_prefix`."""
    for url in re.findall(r"https?://[^\s<>\"]+", text):
        if urlsplit(url).path.startswith(path_prefix):
            return str(url)
    raise AssertionError(f"no link to {path_prefix} in:\n{text}")
