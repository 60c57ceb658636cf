"""Fetching other sites safely for link previews, and reading their preview tags.

A link post makes the server fetch an address a member chose, so the fetcher
guards against being turned on the operator's own network (SSRF): it speaks
only http(s); it resolves the host itself and refuses private, loopback,
link-local, multicast, reserved and unspecified addresses, IPv4 and IPv6
alike, unless TRIBUNE_PREVIEW_ALLOW_PRIVATE is on; it connects to the very
address it checked, so that a second DNS answer cannot swap it (DNS
rebinding), while sending the real host name in the Host header and TLS SNI;
it checks every redirect again; and it bounds the time (connect and total)
and the bytes read.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import html
import http.client
import io
import ipaddress
import re
import socket
import ssl
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

from django.conf import settings

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


@dataclass(frozen=True)
class Target:
    """A checked address: where to connect, and what to call the host."""

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]  # the vetted IPs, the only ones connected to
    path: str  # path and query, percent-encoded


def vet_url(url: str, policy: AddressPolicy | None = None) -> Target:
    """Resolve `url`'s host and check every address it has; raise UnsafeURL if any is refused."""
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
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as e:
        raise FetchError(f"cannot resolve {host!r}: {e}") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if not policy(ip):
            # Refuse the host outright if any of its addresses is refused: one
            # public address next to a private one is no reason to trust it.
            raise UnsafeURL(f"{host!r} resolves to {ip}, which is not a public address")
        addresses.append(ip)
    if not addresses:
        raise FetchError(f"{host!r} has no address")
    path = quote(parts.path or "/", safe=PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=PATH_SAFE)
    return Target(parts.scheme, host, port, tuple(str(ip) for ip in addresses), path)


class _DeadlineReader(io.RawIOBase):
    """Reads the socket, never past the fetch's deadline (a slow drip cannot hold it)."""

    def __init__(self, sock: socket.socket, deadline: float, read_timeout: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._read_timeout = read_timeout

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # typeshed: Buffer
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the fetch took too long")
        self._sock.settimeout(min(remaining, self._read_timeout))
        return self._sock.recv_into(buffer)


class _Response(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, deadline: float, read_timeout: float) -> None:
        super().__init__(sock, method="GET")
        self.fp.close()
        self.fp = io.BufferedReader(_DeadlineReader(sock, deadline, read_timeout))


def _connect(target: Target, deadline: float, connect_timeout: float) -> socket.socket:
    """A connection to the first of the vetted addresses that answers."""
    error: OSError = OSError(f"cannot connect to {target.host}")
    for address in target.addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the fetch took too long")
        try:
            return socket.create_connection(
                (address, target.port), timeout=min(connect_timeout, remaining)
            )
        except OSError as e:
            error = e
    raise error


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Made once: loading the system's certificate authorities takes a while.
    return ssl.create_default_context()


def _open_socket(target: Target, deadline: float, connect_timeout: float) -> socket.socket:
    sock = _connect(target, deadline, connect_timeout)
    if target.scheme == "https":
        context = _tls_context()
        try:
            # The certificate is checked against the host name, sent as SNI.
            return context.wrap_socket(sock, server_hostname=target.host)
        except BaseException:
            sock.close()
            raise
    return sock


def _host_header(target: Target) -> str:
    host = target.host
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    else:
        with contextlib.suppress(UnicodeError):  # sent as it is; the server may refuse it
            host = host.encode("idna").decode("ascii")
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def _request(
    target: Target, *, deadline: float, connect_timeout: float, accept: str
) -> tuple[_Response, socket.socket]:
    sock = _open_socket(target, deadline, connect_timeout)
    try:
        sock.settimeout(max(0.001, deadline - time.monotonic()))
        lines = [
            f"GET {target.path} HTTP/1.1",
            f"Host: {_host_header(target)}",
            f"User-Agent: {user_agent()}",
            f"Accept: {accept}",
            "Accept-Encoding: identity",
            "Connection: close",
        ]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
        response = _Response(sock, deadline, connect_timeout)
        response.begin()
    except BaseException:
        sock.close()
        raise
    return response, sock


def _read_body(response: _Response, max_bytes: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        chunk = response.read(min(READ_CHUNK, max_bytes + 1 - size))
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
    timeout = float(settings.TRIBUNE_PREVIEW_TIMEOUT)
    connect_timeout = float(settings.TRIBUNE_PREVIEW_CONNECT_TIMEOUT)
    deadline = time.monotonic() + timeout
    current = url
    for _hop in range(int(settings.TRIBUNE_PREVIEW_MAX_REDIRECTS) + 1):
        target = vet_url(current, policy)
        try:
            response, sock = _request(
                target, deadline=deadline, connect_timeout=connect_timeout, accept=accept
            )
        except (OSError, http.client.HTTPException, ValueError) as e:
            raise FetchError(f"{target.host}: {e!r}") from None
        try:
            if response.status in REDIRECT_STATUSES:
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"redirect without a Location from {target.host}")
                current = urljoin(current, location.strip())
                continue
            if response.status != 200:
                raise FetchError(f"{target.host} answered {response.status}")
            encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
            if encoding != "identity":
                raise FetchError(f"{target.host} sent a {encoding!r} body")
            content_type, charset = _parse_content_type(response.getheader("Content-Type") or "")
            try:
                body, truncated = _read_body(response, max_bytes)
            except (OSError, http.client.HTTPException, ValueError) as e:
                raise FetchError(f"{target.host}: {e!r}") from None
            return FetchResult(current, content_type, charset, body, truncated)
        finally:
            response.close()
            sock.close()
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
# Python's html.parser takes quadratic time on some malformed input (a megabyte
# of unclosed tags ties a worker up for hours), so the page's head is read by a
# small scanner that only ever moves forward: it finds <meta>, <title> and
# <base>, skips comments, scripts and styles, and stops at <body> or </head>.

ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
META_CHARSET = re.compile(rb"""<meta[^>]{0,200}charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.I)
# One tag with its attributes. Atomic groups and possessive repeats never
# backtrack, and values are bounded, so a failed match costs little.
TAG = re.compile(
    r"""<(?P<name>meta|title|base)(?=[\s/>])"""
    r"""(?P<attrs>(?>\s*[^\s"'<>/=]+(?>\s*=\s*(?>"[^"]{0,4000}"|'[^']{0,4000}'|[^\s"'<>`]+))?"""
    r"""|\s*/)*+)\s*>""",
    re.IGNORECASE,
)
ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`]+)))?""")
SKIPPED_ELEMENTS = frozenset({"script", "style", "noscript", "template", "svg"})
# Where a tag that matters may start; every other "<" is passed over by the regex engine.
CANDIDATE = re.compile(
    r"<(?:!--|(/?)(meta|title|base|body|head|script|style|noscript|template|svg)(?=[\s/>]))",
    re.IGNORECASE,
)
MAX_META_TAGS = 500
MAX_TITLE_CHARS = 4000
WHITESPACE = re.compile(r"\s+")


@dataclass
class HeadTags:
    meta: dict[str, str] = field(default_factory=dict)
    title: str = ""
    base: str = ""


def _attributes(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for match in ATTRIBUTE.finditer(text):
        name = match.group(1).lower()
        value = next((g for g in match.groups()[1:] if g is not None), "")
        values.setdefault(name, html.unescape(value))
    return values


def scan_head(text: str) -> HeadTags:
    """The <meta>, <title> and <base> of a page's head, in time linear in its length."""
    found = HeadTags()
    title_seen = False
    low = text.translate(ASCII_LOWER)  # same length as text: indexes stay aligned
    pos = 0
    while (candidate := CANDIDATE.search(text, pos)) is not None:
        lt = candidate.start()
        if candidate.group(0) == "<!--":
            end = text.find("-->", lt + 4)
            if end < 0:
                break
            pos = end + 3
            continue
        closing, name = candidate.group(1), candidate.group(2).lower()
        if (name == "body" and not closing) or (name == "head" and closing):
            break
        pos = candidate.end()
        if closing or name == "head":
            continue
        if name in SKIPPED_ELEMENTS:
            end = low.find("</" + name, pos)
            if end < 0:
                break
            pos = end + 2
            continue
        match = TAG.match(text, lt)
        if match is None:
            continue
        pos = match.end()
        attrs = _attributes(match.group("attrs"))
        if name == "meta" and len(found.meta) < MAX_META_TAGS:
            key = (attrs.get("property") or attrs.get("name") or "").strip().lower()
            content = attrs.get("content", "")
            if key and content.strip() and key not in found.meta:
                found.meta[key] = content
        elif name == "base" and not found.base:
            found.base = attrs.get("href", "").strip()
        elif name == "title" and not title_seen:
            title_seen = True
            end = low.find("</title", pos, pos + MAX_TITLE_CHARS)
            raw = text[pos:end] if end >= 0 else text[pos : pos + MAX_TITLE_CHARS].split("<")[0]
            found.title = html.unescape(raw)
            pos = max(pos, end)
    return found


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
    head = scan_head(page)
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
