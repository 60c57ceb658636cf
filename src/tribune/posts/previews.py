"""Fetching other sites safely for link previews, and reading their preview tags.

A link post makes the server fetch an address a member chose, so the fetcher guards
against being turned on the operator's own network (SSRF): it speaks only http(s); it
refuses private, loopback, link-local, multicast, reserved and unspecified addresses,
IPv4 and IPv6 alike, unless TRIBUNE_PREVIEW_ALLOW_PRIVATE is on. The address is checked
where the connection opens (urllib3's, with the check plugged in as Sentry's
safe_create_connection does): the host is resolved there, every address it has is
checked, and the connection goes to an address just checked, so that a second DNS
answer cannot swap it (DNS rebinding); the real host name still goes in the Host header
and TLS SNI, and the certificate is checked against it. Every redirect is checked again;
the time (connect and total) and the bytes read are bounded.

The page's head is read by the standard library's html.parser (read_head).
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import urllib3
from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError
from urllib3.util.connection import allowed_gai_family

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], bool]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
READ_CHUNK = 16 * 1024
# Characters left as they are when a path is percent-encoded: the reserved ones,
# and % so that an address that is already encoded is not encoded twice.
PATH_SAFE = "/%:@!$&'()*+,;=-._~?"
# IPv6 prefixes that carry an IPv4 address inside (NAT64); the IPv4 one is checked too.
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class FetchError(Exception):
    """The page could not be fetched (network error, timeout, bad answer)."""


class UnsafeURL(FetchError):
    """The address is not one Tribune may fetch; nothing was sent to it."""


@dataclass(frozen=True)
class FetchResult:
    url: str  # after redirects
    content_type: str  # lower case, without parameters
    charset: str
    body: bytes
    truncated: bool  # the body was cut at the size cap


def user_agent() -> str:
    return f"Mozilla/5.0 (compatible; TribuneLinkPreview/1.0; +{settings.SITE_URL})"


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(ip: IPAddress) -> bool:
    """True for an address on the public internet (not private, loopback, link-local...)."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and not is_public_address(inner):
            return False
        if ip.is_site_local:
            return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global  # shared (100.64/10), documentation, benchmarking ranges
    )


def default_policy(ip: IPAddress) -> bool:
    return bool(settings.TRIBUNE_PREVIEW_ALLOW_PRIVATE) or is_public_address(ip)


def checked_addresses(
    host: str, port: int, policy: AddressPolicy, family: int = socket.AF_UNSPEC
) -> list[tuple[Any, ...]]:
    """What `host` resolves to (getaddrinfo's entries), once every address it has is
    allowed by `policy`; UnsafeURL if any is refused: one public address next to a
    private one is no reason to trust the host."""
    try:
        infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as e:
        raise FetchError(f"cannot resolve {host!r}: {e}") from None
    for *_kind, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if not policy(ip):
            raise UnsafeURL(f"{host!r} resolves to {ip}, which is not a public address")
    if not infos:
        raise FetchError(f"{host!r} has no address")
    return infos


def checked_connection(
    address: tuple[str, int], timeout: float | None, policy: AddressPolicy
) -> socket.socket:
    """A connection to the first address of `address`'s host that answers, every one
    of them checked first (checked_addresses): the addresses connected to are the very
    ones just checked, so no other DNS answer can come between."""
    host, port = address
    error: OSError = OSError(f"cannot connect to {host}")
    for family, kind, proto, _canonical, sockaddr in checked_addresses(
        host.strip("[]"), port, policy, allowed_gai_family()
    ):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
        except OSError as e:
            sock.close()
            error = e
            continue
        return sock
    raise error


class _AddressCheckedConnection(HTTPConnection):
    """urllib3's connection, opened by checked_connection with the pool's policy."""

    def __init__(self, *args: Any, address_policy: AddressPolicy, **kwargs: Any) -> None:
        self.address_policy = address_policy
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        timeout = self.timeout if isinstance(self.timeout, float | int) else None
        if timeout is None:
            timeout = socket.getdefaulttimeout()
        try:
            return checked_connection((self._dns_host, self.port), timeout, self.address_policy)
        except TimeoutError as e:
            raise ConnectTimeoutError(self, f"connecting to {self.host} timed out") from e
        except OSError as e:
            raise NewConnectionError(self, f"cannot connect to {self.host}: {e}") from e


class _AddressCheckedHTTPSConnection(_AddressCheckedConnection, HTTPSConnection):
    """The same over TLS: the certificate is checked against the host's name (SNI)."""


class _AddressCheckedPool(HTTPConnectionPool):
    ConnectionCls = _AddressCheckedConnection


class _AddressCheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _AddressCheckedHTTPSConnection


@dataclass(frozen=True)
class Target:
    """A checked address: its scheme, host (as sent: IDNA), port and path."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, percent-encoded


def vet_url(url: str, policy: AddressPolicy | None = None) -> Target:
    """Check `url` before any connection: http(s), a host, and every address the host has
    now allowed (checked_addresses); UnsafeURL if not. The connection checks again."""
    policy = policy or default_policy
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as e:
        raise UnsafeURL(f"malformed address: {e}") from None
    if parts.scheme not in {"http", "https"}:
        raise UnsafeURL(f"scheme {parts.scheme!r} is not http(s)")
    host = parts.hostname
    if not host:
        raise UnsafeURL("no host")
    with contextlib.suppress(UnicodeError):  # sent as it is; the server may refuse it
        host = host.encode("idna").decode("ascii")
    port = port or (443 if parts.scheme == "https" else 80)
    checked_addresses(host, port, policy)
    path = quote(parts.path or "/", safe=PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=PATH_SAFE)
    return Target(parts.scheme, host, port, path)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Made once: loading the system's certificate authorities takes a while.
    return ssl.create_default_context()


def _pool(target: Target, policy: AddressPolicy, timeout: urllib3.Timeout) -> HTTPConnectionPool:
    if target.scheme == "https":
        return _AddressCheckedHTTPSPool(
            target.host,
            target.port,
            timeout=timeout,
            maxsize=1,
            retries=False,
            ssl_context=_tls_context(),
            address_policy=policy,
        )
    return _AddressCheckedPool(
        target.host, target.port, timeout=timeout, maxsize=1, retries=False, address_policy=policy
    )


def _read_body(
    response: urllib3.BaseHTTPResponse, max_bytes: int, deadline: float, read_timeout: float
) -> tuple[bytes, bool]:
    """Up to `max_bytes` of the body (and whether there was more), never past the
    deadline: each read waits at most what is left of it, so a slow drip cannot hold the
    fetch."""
    chunks: list[bytes] = []
    size = 0
    sock = getattr(response.connection, "sock", None)
    while size <= max_bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("the fetch took too long")
        if sock is not None:
            sock.settimeout(min(remaining, read_timeout))
        chunk = response.read1(min(READ_CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    body = b"".join(chunks)
    return body[:max_bytes], len(body) > max_bytes


def fetch(
    url: str,
    *,
    max_bytes: int,
    accept: str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    policy: AddressPolicy | None = None,
) -> FetchResult:
    """GET `url` safely (see the module's docstring), following a few checked redirects."""
    policy = policy or default_policy
    connect_timeout = float(settings.TRIBUNE_PREVIEW_CONNECT_TIMEOUT)
    deadline = time.monotonic() + float(settings.TRIBUNE_PREVIEW_TIMEOUT)
    headers = {
        "User-Agent": user_agent(),
        "Accept": accept,
        "Accept-Encoding": "identity",
        "Connection": "close",
    }
    current = url
    for _hop in range(int(settings.TRIBUNE_PREVIEW_MAX_REDIRECTS) + 1):
        target = vet_url(current, policy)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("the fetch took too long")
        timeout = urllib3.Timeout(
            connect=min(connect_timeout, remaining), read=min(connect_timeout, remaining)
        )
        with _pool(target, policy, timeout) as pool:
            try:
                response = pool.urlopen(
                    "GET",
                    target.path,
                    headers=headers,
                    redirect=False,
                    retries=False,
                    preload_content=False,
                    decode_content=False,
                )
            except (HTTPError, OSError) as e:
                raise FetchError(f"{target.host}: {e!r}") from None
            try:
                if response.status in REDIRECT_STATUSES:
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(f"redirect without a Location from {target.host}")
                    current = urljoin(current, location.strip())
                    continue
                if response.status != 200:
                    raise FetchError(f"{target.host} answered {response.status}")
                encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
                if encoding != "identity":
                    raise FetchError(f"{target.host} sent a {encoding!r} body")
                content_type, charset = _parse_content_type(
                    response.headers.get("Content-Type", "")
                )
                try:
                    body, truncated = _read_body(response, max_bytes, deadline, connect_timeout)
                except (HTTPError, OSError) as e:
                    raise FetchError(f"{target.host}: {e!r}") from None
                return FetchResult(current, content_type, charset, body, truncated)
            finally:
                response.close()
    raise FetchError("too many redirects")


def _parse_content_type(value: str) -> tuple[str, str]:
    kind, _sep, params = value.partition(";")
    charset = ""
    for param in params.split(";"):
        name, _eq, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip("\"'")
    return kind.strip().lower(), charset


# --- Reading the page ----------------------------------------------------------

# The page's declared charset, looked for in its first bytes before it is decoded (as
# the HTML standard's prescan does, over its first 1024 bytes).
META_CHARSET = re.compile(rb"""<meta[^>]{0,200}charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.I)
# Elements whose content is not the page's own head: tags inside them are passed over.
SKIPPED_ELEMENTS = frozenset({"noscript", "template", "svg"})
MAX_META_TAGS = 500
MAX_TITLE_CHARS = 4000
WHITESPACE = re.compile(r"\s+")


@dataclass
class HeadTags:
    meta: dict[str, str] = field(default_factory=dict)
    title: str = ""
    base: str = ""


class _EndOfHead(Exception):
    """The parser met <body> or </head>: what a preview needs has been read."""


class _HeadParser(HTMLParser):
    """Collects the <meta>, <title> and <base> of a page's head (read_head)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = HeadTags()
        self._skipping = 0  # depth inside SKIPPED_ELEMENTS
        self._title: list[str] | None = None  # the title's text while inside it
        self._title_seen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            raise _EndOfHead
        if tag in SKIPPED_ELEMENTS:
            self._skipping += 1
        if self._skipping:
            return
        self._end_title()  # a title's text ends at its end tag, or at the next tag
        values: dict[str, str] = {}
        for name, value in attrs:
            values.setdefault(name, value or "")
        if tag == "meta" and len(self.found.meta) < MAX_META_TAGS:
            key = (values.get("property") or values.get("name") or "").strip().lower()
            content = values.get("content", "")
            if key and content.strip() and key not in self.found.meta:
                self.found.meta[key] = content
        elif tag == "base" and not self.found.base:
            self.found.base = values.get("href", "").strip()
        elif tag == "title" and not self._title_seen:
            self._title_seen = True
            self._title = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            raise _EndOfHead
        if tag in SKIPPED_ELEMENTS and self._skipping:
            self._skipping -= 1
        elif tag == "title":
            self._end_title()

    def handle_data(self, data: str) -> None:
        if self._title is not None and sum(map(len, self._title)) < MAX_TITLE_CHARS:
            self._title.append(data)

    def _end_title(self) -> None:
        if self._title is not None:
            self.found.title = "".join(self._title)[:MAX_TITLE_CHARS]
            self._title = None

    def read(self, text: str) -> HeadTags:
        """What the head of `text` holds (read_head)."""
        # AssertionError: what html.parser's declaration scanner raises on some markup
        # ("<![" with no name) on the Pythons above; it stops there, as on an open tag.
        with contextlib.suppress(_EndOfHead, AssertionError):
            self.feed(text)
        self._end_title()
        return self.found


def read_head(text: str) -> HeadTags:
    """The <meta>, <title> and <base> of a page's head, read by html.parser up to <body>
    or </head>.

    The page is given to the parser once and the parser is never asked to finish what
    it could not (no close()): it reads each complete tag once and stops at the first
    one left open, as a browser does at an unclosed comment or script. That keeps it in
    time linear in the page's length. Finishing unclosed constructs is what takes
    html.parser quadratic time on Pythons without the fix of CVE-2025-6069: on Python
    3.11.7, 40 KB of "<a " then close() took over 20 s, where one feed() of a megabyte
    of it takes about a second.
    """
    return _HeadParser().read(text)


@dataclass(frozen=True)
class Preview:
    title: str = ""
    description: str = ""
    site_name: str = ""
    image_url: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.title or self.description or self.image_url)


def _decode(body: bytes, charset: str) -> str:
    candidates = [charset]
    found = META_CHARSET.search(body[:4096])
    if found:
        candidates.append(found.group(1).decode("ascii"))
    for name in candidates:
        if not name:
            continue
        try:
            codecs.lookup(name)
        except LookupError:
            continue
        return body.decode(name, errors="replace")
    return body.decode("utf-8", errors="replace")


def _clean(text: str, limit: int) -> str:
    text = "".join(c for c in text if c.isprintable() or c.isspace())
    text = WHITESPACE.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def parse_preview(page: str, page_url: str) -> Preview:
    """Title, description, site name and picture from Open Graph, Twitter and plain tags."""
    head = read_head(page)
    meta = head.meta

    def first(*keys: str) -> str:
        return next((meta[key] for key in keys if meta.get(key, "").strip()), "")

    title = first("og:title", "twitter:title") or head.title
    description = first("og:description", "twitter:description", "description")
    site_name = first("og:site_name", "application-name")
    if not site_name.strip():
        site_name = (urlsplit(page_url).hostname or "").removeprefix("www.")
    image = first(
        "og:image:secure_url", "og:image:url", "og:image", "twitter:image", "twitter:image:src"
    ).strip()
    image_url = ""
    if image:
        base = urljoin(page_url, head.base) if head.base else page_url
        candidate = urljoin(base, image)
        if urlsplit(candidate).scheme in {"http", "https"}:
            image_url = candidate
    return Preview(
        title=_clean(title, 300),
        description=_clean(description, 1000),
        site_name=_clean(site_name, 200),
        image_url=image_url[:2000],
    )


def fetch_preview(url: str, *, policy: AddressPolicy | None = None) -> tuple[Preview, bytes | None]:
    """The preview of the page at `url` and its picture's bytes (None when it has none)."""
    page = fetch(url, max_bytes=int(settings.TRIBUNE_PREVIEW_MAX_BYTES), policy=policy)
    if page.content_type not in HTML_TYPES:
        raise FetchError(f"not a web page: {page.content_type or 'no content type'}")
    preview = parse_preview(_decode(page.body, page.charset), page.url)
    if preview.is_empty:
        raise FetchError("the page has no title, description or picture")
    picture = None
    if preview.image_url:
        try:
            image = fetch(
                preview.image_url,
                max_bytes=int(settings.TRIBUNE_IMAGE_MAX_BYTES),
                accept="image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.1",
                policy=policy,
            )
        except FetchError:
            image = None
        # A cut image is a broken image: keep the preview without it.
        if image is not None and not image.truncated:
            picture = image.body
    return preview, picture
