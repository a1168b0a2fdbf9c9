"""Pytest fixtures for the fake payment provider (fakepay) and a webhook receiver.

Public API (stable). Re-export the fixtures from a conftest.py to use them:

    from tests.support import fakepay as fakepay_support

    fakepay_server = fakepay_support.fakepay_server
    fakepay = fakepay_support.fakepay
    webhook_sink = fakepay_support.webhook_sink

    fakepay_server (session) -> FakePayAdmin
        One fake provider for the whole run, on a free 127.0.0.1 port, in a thread.
    fakepay (function) -> FakePayAdmin
        The same server, reset (objects, clock and config) before the test, with
        settings.KELMAH_PAYSTACK and settings.KELMAH_MOMO pointed at it and the
        provider:paystack and provider:momo breakers reset. Webhooks are off
        until the test sets a URL: fakepay.configure(webhook_url=live_server.url + "/...").
    webhook_sink (function) -> WebhookSink
        A real HTTP server on 127.0.0.1 that records every request it receives.

FakePayAdmin methods: base_url, reset(**config), configure(**config), advance(seconds),
state(), events(name=None), wait_for_events(count, name=None, timeout=5.0),
replay(event_id), requests(), settle_charge(reference, status), post_count(reference).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from apps.resilience.breakers import breaker
from fakepay.config import FakeConfig
from fakepay.server import FakePayServer

PROVIDER_BREAKERS = ("provider:paystack", "provider:momo")

# Settings every test starts from: no webhooks until asked for, and short delays so a
# test can wait on real time where moving the clock does not fit.
TEST_DEFAULTS = {
    "webhook_url": "",
    "pending_seconds": 5.0,
    "payout_seconds": 0.0,
    "reversal_seconds": 1.0,
    "refund_seconds": 1.0,
    "webhook_retry_delays": [0.2, 0.4],
    "webhook_timeout": 2.0,
    "hang_seconds": 3.0,
}


class FakePayAdmin:
    """Drive a running fake provider through its /__admin__/ endpoints."""

    def __init__(self, base_url: str, server: FakePayServer | None = None):
        self.base_url = base_url
        self.server = server
        self.secret_key = FakeConfig.paystack_secret_key
        self._http = requests.Session()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._http.request(method, f"{self.base_url}/__admin__/{path}", json=body, timeout=(2, 10))
        if response.status_code >= 400:
            raise AssertionError(f"fakepay admin {method} {path} failed with {response.status_code}: {response.text}")
        return response.json()

    def reset(self, **config: Any) -> dict:
        return self._call("POST", "reset", {**TEST_DEFAULTS, **config})

    def configure(self, **config: Any) -> dict:
        return self._call("POST", "config", config)

    def advance(self, seconds: float) -> dict:
        return self._call("POST", "advance", {"seconds": seconds})

    def state(self) -> dict:
        return self._call("GET", "state")

    def events(self, name: str | None = None) -> list[dict]:
        return self._call("GET", "events" + (f"?name={name}" if name else ""))

    def wait_for_events(self, count: int, name: str | None = None, timeout: float = 5.0) -> list[dict]:
        """Return the events once `count` of them exist and each has at least one delivery attempt."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.events(name)
            if len(events) >= count and all(event["deliveries"] for event in events):
                return events
            if time.monotonic() > deadline:
                return events
            time.sleep(0.05)

    def replay(self, event_id: int) -> dict:
        return self._call("POST", f"events/{event_id}/replay")

    def requests(self) -> list[dict]:
        return self._call("GET", "requests")

    def settle_charge(self, reference: str, status: str) -> dict:
        return self._call("POST", f"charges/{reference}/settle", {"status": status})

    def post_count(self, reference: str) -> int:
        """Return how many charge POSTs the fake received for `reference`."""
        return self.state()["charge_posts"].get(reference, 0)


@dataclass
class ReceivedRequest:
    """One request the sink received; header names are lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookSink:
    """A loopback HTTP server that records each request and responds with `status_code`."""

    def __init__(self):
        sink = self
        self.received: list[ReceivedRequest] = []
        self.status_code = 200
        self._arrived = threading.Condition()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self._record()

            def do_PUT(self):
                self._record()

            def _record(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink._arrived:
                    headers = {name.lower(): value for name, value in self.headers.items()}
                    sink.received.append(ReceivedRequest(self.command, self.path, headers, body))
                    sink._arrived.notify_all()
                self.send_response(sink.status_code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/webhooks/"

    def start(self) -> WebhookSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        """Return the received requests once there are `count`, or what arrived by the timeout."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count and time.monotonic() < deadline:
                self._arrived.wait(deadline - time.monotonic())
            return list(self.received)


@pytest.fixture(scope="session")
def fakepay_server():
    server = FakePayServer("127.0.0.1", 0, FakeConfig(**TEST_DEFAULTS)).start()
    yield FakePayAdmin(server.base_url, server)
    server.stop()


@pytest.fixture
def fakepay(fakepay_server, settings):
    fakepay_server.reset()
    # A breaker tripped by an earlier test's injected faults must not fail this one fast.
    for name in PROVIDER_BREAKERS:
        breaker(name).reset(reason="test setup")
    settings.KELMAH_PAYSTACK = {
        **settings.KELMAH_PAYSTACK,
        "BASE_URL": fakepay_server.base_url,
        "SECRET_KEY": fakepay_server.secret_key,
    }
    settings.KELMAH_MOMO = {**settings.KELMAH_MOMO, "BASE_URL": fakepay_server.base_url, "CURRENCY": "GHS"}
    return fakepay_server


@pytest.fixture
def webhook_sink():
    sink = WebhookSink().start()
    yield sink
    sink.stop()
