"""Link previews: fetched from a real local server, and never from where they must not be.

Every fetch here goes to a server on 127.0.0.1 run by the test. Addresses that
must be refused are checked by `vet_url` first, which refuses them before any
connection is opened, so no test ever sends a packet anywhere else.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from tests.factories import make_post
from tribune.posts.models import PreviewStatus
from tribune.posts.previews import (
    FetchError,
    UnsafeURL,
    fetch,
    is_public_address,
    parse_preview,
    read_head,
    vet_url,
)
from tribune.posts.services import post_edit, post_mark_preview

pytestmark = pytest.mark.django_db

Route = Callable[[BaseHTTPRequestHandler], None]

ARTICLE = """<!doctype html>
<html><head>
<meta charset="utf-8">
<title>Plain title</title>
<meta property="og:title" content="Rivers are rising &amp; so is the sea">
<meta property="og:description" content="A long read about water.">
<meta property="og:site_name" content="The Daily Example">
<meta property="og:image" content="/og.png">
</head><body><p>Text.</p></body></html>
"""


@dataclass
class LocalSite:
    """A real HTTP server on 127.0.0.1 that records every request it receives."""

    port: int = 0
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    @property
    def paths(self) -> list[str]:
        return [path for path, _headers in self.requests]


@pytest.fixture
def site() -> Iterator[LocalSite]:
    state = LocalSite()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append((self.path, dict(self.headers.items())))
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            # The fetcher hangs up past its limits, as it should.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                route(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    state.release.set()  # lets slow handlers finish
    server.shutdown()
    server.server_close()
    thread.join()


def page(body: str | bytes, content_type: str = "text/html; charset=utf-8") -> Route:
    data = body.encode() if isinstance(body, str) else body

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return route


def redirect(location: str, status: int = 302) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def picture_png(size=(1200, 630)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, format="PNG", exif=exif)
    return buffer.getvalue()


@pytest.fixture
def previews(settings):
    """Link previews on, as in production: private addresses refused."""
    settings.TRIBUNE_LINK_PREVIEWS = True
    settings.TRIBUNE_PREVIEW_ALLOW_PRIVATE = False
    return settings


@pytest.fixture
def local_previews(previews):
    """Link previews on, with private addresses allowed so the local server can be reached."""
    previews.TRIBUNE_PREVIEW_ALLOW_PRIVATE = True
    return previews


def link_post(member, url: str, django_capture_on_commit_callbacks):
    """A link post made through the real service; its preview task runs when it commits."""
    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(member, kind="link", title="Worth reading", body="", url=url)
    post.refresh_from_db()
    return post


def test_the_preview_is_read_from_open_graph_tags(
    member, local_previews, site, django_capture_on_commit_callbacks
):
    site.routes["/article"] = page(ARTICLE)
    site.routes["/og.png"] = page(picture_png(), "image/png")

    post = link_post(member, site.url("/article"), django_capture_on_commit_callbacks)

    assert post.preview_status == PreviewStatus.READY
    assert post.preview_title == "Rivers are rising & so is the sea"
    assert post.preview_description == "A long read about water."
    assert post.preview_site_name == "The Daily Example"
    with post.preview_image.open("rb") as f:
        picture = Image.open(io.BytesIO(f.read()))
        picture.load()
    assert picture.size == (640, 336)  # small, for a card
    assert len(picture.getexif()) == 0
    assert site.paths == ["/article", "/og.png"]
    user_agent = site.requests[0][1]["User-Agent"]
    assert "Tribune" in user_agent


def test_plain_title_and_description_are_used_without_open_graph(
    member, local_previews, site, django_capture_on_commit_callbacks
):
    site.routes["/plain"] = page(
        "<html><head><TITLE>  Minutes of the\n  council </TITLE>"
        '<META NAME="Description" CONTENT="What was decided.">'
        "</head><body></body></html>"
    )
    post = link_post(
        member, site.url("/plain", host="localhost"), django_capture_on_commit_callbacks
    )

    assert post.preview_status == PreviewStatus.READY
    assert post.preview_title == "Minutes of the council"
    assert post.preview_description == "What was decided."
    assert post.preview_site_name == "localhost"
    assert not post.preview_image
    # Connected to the address it checked, and still named the host it was asked for.
    assert site.requests[0][1]["Host"] == f"localhost:{site.port}"


def test_twitter_tags_and_a_declared_charset_are_understood():
    html = (
        '<head><meta name="twitter:title" content="Caf\xe9 society">'
        '<meta name="twitter:description" content="On &eacute;spresso.">'
        '<meta name="twitter:image" content="https://cdn.example/i.jpg"></head>'
    )
    preview = parse_preview(html, "https://www.example.org/story")
    assert preview.title == "Café society"
    assert preview.description == "On éspresso."
    assert preview.site_name == "example.org"
    assert preview.image_url == "https://cdn.example/i.jpg"


def test_tags_in_comments_and_scripts_are_ignored():
    html = (
        "<head><!-- <meta property='og:title' content='old'> -->"
        '<script>var s = \'<meta property="og:title" content="fake">\';</script>'
        '<meta property="og:title" content="real"></head>'
        '<body><meta property="og:description" content="in the body"></body>'
    )
    preview = parse_preview(html, "https://example.org/")
    assert preview.title == "real"
    assert preview.description == ""


@pytest.mark.parametrize(
    ("garbage", "title"),
    [
        ("<a ", ""),  # one long <a> tag, the <meta> among its attributes, as in a browser
        ("<meta ", "Still found"),  # one long <meta> tag, with the attributes at its end
        ('<meta content="', "<meta content="),  # the same; its first `content` counts
        ("<meta a=b ", "Still found"),
        ("<!", ""),  # a bogus comment up to the first ">", as in a browser
        ("</", ""),
        ("<![", ""),
        ("<title>", "Still found"),
        ("&#", "Still found"),
        ("<script>", ""),  # an unclosed script or comment hides the rest, as in a browser
        ("<!--", ""),
    ],
)
def test_markup_made_to_stall_a_parser_is_read_in_one_pass(garbage, title):
    """html.parser takes hours to finish reading a megabyte of some of these (close());
    given the page once and never asked to finish, it reads each tag once."""
    html = "<html><head>" + garbage * (300_000 // len(garbage))
    html += '<meta property="og:title" content="Still found">'
    assert parse_preview(html, "https://example.org/").title == title
    assert len(read_head('<meta name="a" content="b">' * 10_000).meta) == 1


def test_only_web_pages_are_read(member, local_previews, site, django_capture_on_commit_callbacks):
    site.routes["/data"] = page('{"og:title": "nope"}', "application/json")
    post = link_post(member, site.url("/data"), django_capture_on_commit_callbacks)
    assert post.preview_status == PreviewStatus.FAILED
    assert post.preview_title == ""


def test_a_page_with_nothing_to_show_gives_no_preview(
    member, local_previews, site, django_capture_on_commit_callbacks
):
    site.routes["/bare"] = page("<html><body>Hello</body></html>")
    post = link_post(member, site.url("/bare"), django_capture_on_commit_callbacks)
    assert post.preview_status == PreviewStatus.FAILED


def test_a_missing_page_gives_no_preview(
    member, local_previews, site, django_capture_on_commit_callbacks
):
    post = link_post(member, site.url("/gone"), django_capture_on_commit_callbacks)
    assert post.preview_status == PreviewStatus.FAILED
    assert site.paths == ["/gone"]


# --- Addresses that must never be fetched ----------------------------------------

REFUSED_HOSTS = [
    "127.0.0.1",
    "localhost",
    "[::1]",
    "0.0.0.0",  # noqa: S104  # a destination here, connecting to this machine
    "2130706433",  # 127.0.0.1 written as one number
    "127.1",
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "169.254.169.254",  # cloud metadata
    "224.0.0.1",
    "255.255.255.255",
    "240.0.0.1",
    "[fe80::1]",
    "[fc00::1]",
    "[::]",
    "[::ffff:10.0.0.1]",
    "[64:ff9b::a9fe:a9fe]",  # 169.254.169.254 through NAT64
    "[2002:a9fe:a9fe::1]",  # 169.254.169.254 through 6to4
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_private_loopback_and_link_local_addresses_are_refused(
    member, previews, site, host, django_capture_on_commit_callbacks
):
    site.routes["/article"] = page(ARTICLE)
    url = site.url("/article", host=host)
    # Refused by the check that runs before any connection is opened...
    with pytest.raises(UnsafeURL):
        vet_url(url)
    # ...so posting the link stores no preview, raises nothing, and sends nothing.
    post = link_post(member, url, django_capture_on_commit_callbacks)
    assert post.preview_status == PreviewStatus.FAILED
    assert site.requests == []


@pytest.mark.parametrize("url", ["ftp://example.org/file", "file:///etc/passwd", "http:///path"])
def test_only_http_addresses_are_fetched(url):
    with pytest.raises(UnsafeURL):
        vet_url(url)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
        ("8.8.8.8", True),
        ("192.0.2.1", False),  # documentation range
        ("198.18.0.1", False),  # benchmarking range
        ("::ffff:192.168.0.1", False),
        ("2001:db8::1", False),
        ("fec0::1", False),  # old site-local
    ],
)
def test_public_addresses_are_told_from_the_rest(address, public):
    assert is_public_address(ipaddress.ip_address(address)) is public


def test_the_allow_setting_is_off_by_default(settings):
    assert settings.TRIBUNE_PREVIEW_ALLOW_PRIVATE is False


# --- Redirects, size and time limits -----------------------------------------------


def only_loopback_one(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Stands in for a public site: the test server is the only address allowed."""
    return ip == ipaddress.ip_address("127.0.0.1")


def test_redirects_are_followed(member, local_previews, site, django_capture_on_commit_callbacks):
    site.routes["/old"] = redirect("/article", status=301)
    site.routes["/article"] = page(ARTICLE.replace('content="/og.png"', 'content=""'))
    post = link_post(member, site.url("/old"), django_capture_on_commit_callbacks)
    assert post.preview_status == PreviewStatus.READY
    assert site.paths == ["/old", "/article"]


def test_a_redirect_to_a_private_address_is_refused(previews, site):
    site.routes["/go"] = redirect("http://169.254.169.254/latest/meta-data/")
    site.routes["/ok"] = page(ARTICLE)
    assert fetch(site.url("/ok"), max_bytes=10_000, policy=only_loopback_one).body
    with pytest.raises(UnsafeURL):
        fetch(site.url("/go"), max_bytes=10_000, policy=only_loopback_one)
    assert site.paths == ["/ok", "/go"]


def test_an_address_that_changes_after_the_check_is_never_connected_to(previews, site):
    """DNS rebinding: the host's address passes the check before any connection, then
    resolves to a refused one. The connection checks the addresses it connects to."""
    site.routes["/ok"] = page(ARTICLE)
    answers = iter([True])  # the first lookup passes; every later one is refused

    def rebinding(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return next(answers, False)

    with pytest.raises(UnsafeURL):
        fetch(site.url("/ok"), max_bytes=10_000, policy=rebinding)
    assert site.requests == []


def test_a_redirect_to_another_scheme_is_refused(
    member, local_previews, site, django_capture_on_commit_callbacks
):
    site.routes["/go"] = redirect("file:///etc/passwd")
    post = link_post(member, site.url("/go"), django_capture_on_commit_callbacks)
    assert post.preview_status == PreviewStatus.FAILED


def test_endless_redirects_stop_after_a_few(
    member, local_previews, site, django_capture_on_commit_callbacks
):
    local_previews.TRIBUNE_PREVIEW_MAX_REDIRECTS = 2
    site.routes["/a"] = redirect("/b")
    site.routes["/b"] = redirect("/a")
    post = link_post(member, site.url("/a"), django_capture_on_commit_callbacks)
    assert post.preview_status == PreviewStatus.FAILED
    assert site.paths == ["/a", "/b", "/a"]


def endless_page(handler: BaseHTTPRequestHandler) -> None:
    """An HTML page that never ends: its head, then filler until the client hangs up."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    handler.wfile.write(ARTICLE.split("</head>")[0].encode())
    filler = b"<p>" + b"x" * 65_536 + b"</p>"
    for _ in range(160):  # 10 MB at most, so the handler ends on its own too
        handler.wfile.write(filler)


def test_a_huge_body_is_cut_at_the_cap(
    member, local_previews, site, django_capture_on_commit_callbacks
):
    local_previews.TRIBUNE_PREVIEW_MAX_BYTES = 100_000
    site.routes["/huge"] = endless_page

    result = fetch(site.url("/huge"), max_bytes=100_000)
    assert len(result.body) == 100_000
    assert result.truncated

    post = link_post(member, site.url("/huge"), django_capture_on_commit_callbacks)
    assert post.preview_status == PreviewStatus.READY  # the head came before the cap
    assert post.preview_title == "Rivers are rising & so is the sea"


def test_a_picture_larger_than_the_image_cap_is_left_out(
    member, local_previews, site, django_capture_on_commit_callbacks
):
    local_previews.TRIBUNE_IMAGE_MAX_BYTES = 1_000
    site.routes["/article"] = page(ARTICLE)
    site.routes["/og.png"] = page(picture_png(), "image/png")
    post = link_post(member, site.url("/article"), django_capture_on_commit_callbacks)
    assert post.preview_status == PreviewStatus.READY
    assert not post.preview_image


def test_a_picture_that_is_not_an_image_is_left_out(
    member, local_previews, site, django_capture_on_commit_callbacks
):
    site.routes["/article"] = page(ARTICLE)
    site.routes["/og.png"] = page("<script>alert(1)</script>", "image/png")
    post = link_post(member, site.url("/article"), django_capture_on_commit_callbacks)
    assert post.preview_status == PreviewStatus.READY
    assert not post.preview_image


def test_a_server_that_never_answers_times_out(
    member, local_previews, site, django_capture_on_commit_callbacks
):
    local_previews.TRIBUNE_PREVIEW_TIMEOUT = 0.5

    def silent(handler: BaseHTTPRequestHandler) -> None:
        site.release.wait(30)  # accepts the request, then says nothing until the test ends

    site.routes["/slow"] = silent
    post = link_post(member, site.url("/slow"), django_capture_on_commit_callbacks)
    assert post.preview_status == PreviewStatus.FAILED
    assert site.paths == ["/slow"]


def test_a_server_that_drips_its_answer_times_out(
    member, local_previews, site, django_capture_on_commit_callbacks
):
    """Each byte comes quickly enough for a read timeout; the total timeout still ends it."""
    local_previews.TRIBUNE_PREVIEW_TIMEOUT = 0.5
    local_previews.TRIBUNE_PREVIEW_CONNECT_TIMEOUT = 5

    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        handler.wfile.write(b"<html><head><title>")
        while not site.release.wait(0.05):
            handler.wfile.write(b"x")
            handler.wfile.flush()

    site.routes["/drip"] = drip
    with pytest.raises(FetchError):
        fetch(site.url("/drip"), max_bytes=1_000_000)
    post = link_post(member, site.url("/drip"), django_capture_on_commit_callbacks)
    assert post.preview_status == PreviewStatus.FAILED


# --- Storing ------------------------------------------------------------------------


def test_previews_can_be_turned_off(member, settings, site, django_capture_on_commit_callbacks):
    settings.TRIBUNE_LINK_PREVIEWS = False
    settings.TRIBUNE_PREVIEW_ALLOW_PRIVATE = True
    site.routes["/article"] = page(ARTICLE)
    post = link_post(member, site.url("/article"), django_capture_on_commit_callbacks)
    assert post.preview_status == PreviewStatus.NONE
    assert site.requests == []


def test_changing_the_link_fetches_a_new_preview(
    member, local_previews, site, django_capture_on_commit_callbacks
):
    site.routes["/article"] = page(ARTICLE)
    site.routes["/og.png"] = page(picture_png(), "image/png")
    site.routes["/other"] = page("<head><title>Another story</title></head>")
    post = link_post(member, site.url("/article"), django_capture_on_commit_callbacks)
    old_picture = post.preview_image.path

    with django_capture_on_commit_callbacks(execute=True):
        post_edit(
            actor=member,
            post_id=post.pk,
            changes={"url": site.url("/other")},
            base_revision=post.page.current_revision_id,
        )
    post.refresh_from_db()
    assert post.preview_status == PreviewStatus.READY
    assert post.preview_title == "Another story"
    assert not post.preview_image
    assert not Path(old_picture).exists()  # the old picture is not left behind


def test_a_stale_preview_is_not_stored(member, settings):
    post = make_post(member, kind="link", title="Worth reading", body="", url="https://a.example/")
    stored = post_mark_preview(
        post_id=post.pk, url="https://b.example/", status=PreviewStatus.READY, title="B"
    )
    assert stored is False
    post.refresh_from_db()
    assert post.preview_status == PreviewStatus.PENDING
    assert post.preview_title == ""
