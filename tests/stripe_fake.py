"""A stand-in for Stripe's API: a small HTTP server on 127.0.0.1 that records what the
official `stripe` package sends and answers like Stripe (or fails like a Stripe that is
down). Its fixtures are shared through tests/conftest.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

API_KEY = "sk_test_tribune"
SECRET = "whsec_test_tribune"


class FakeStripe(ThreadingHTTPServer):
    """Answers POST /v1/checkout/sessions like Stripe; `behaviour` "error" or "close" fails."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FakeStripeHandler)
        self.behaviour = "ok"
        self.calls: list[dict[str, Any]] = []
        self.sessions = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def form(self, index: int = -1) -> dict[str, str]:
        """The form the stripe package sent, one value per key."""
        return {key: values[0] for key, values in self.calls[index]["form"].items()}


class FakeStripeHandler(BaseHTTPRequestHandler):
    server: FakeStripe

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"] or 0)).decode()
        self.server.calls.append(
            {"path": self.path, "headers": dict(self.headers), "form": parse_qs(body)}
        )
        if self.server.behaviour == "close":
            self.close_connection = True  # hang up without a word
            return
        if self.server.behaviour == "error":
            self.answer(500, {"error": {"type": "api_error", "message": "Stripe is down."}})
            return
        self.server.sessions += 1
        session_id = f"cs_test_{self.server.sessions}"
        form = parse_qs(body)
        self.answer(
            200,
            {
                "id": session_id,
                "object": "checkout.session",
                "mode": form["mode"][0],
                "status": "open",
                "url": f"https://checkout.stripe.com/c/pay/{session_id}",
                "client_reference_id": form["client_reference_id"][0],
                "metadata": {"donation_id": form["metadata[donation_id]"][0]},
            },
        )

    def answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_test")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[FakeStripe]:
    server = FakeStripe()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def stripe_api(stripe_server: FakeStripe, settings) -> FakeStripe:
    """Tribune configured for Stripe, its API calls going to a local stand-in."""
    stripe_server.behaviour = "ok"
    stripe_server.calls.clear()
    settings.TRIBUNE_PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_API_BASE = stripe_server.url
    settings.TRIBUNE_DONATION_AMOUNTS = {
        "EUR": (Decimal(13), Decimal(100)),
        "USD": (Decimal(13), Decimal(100)),
        "JPY": (Decimal(2000), Decimal(20000)),
    }
    settings.TRIBUNE_DONATION_MAX = Decimal(100000)
    return stripe_server
