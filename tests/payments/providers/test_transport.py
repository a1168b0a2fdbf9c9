"""Provider calls under real faults: refused connections, hung servers, 5xx, 429 and bad bodies."""

import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.payments.providers import get_provider
from apps.payments.providers.base import CollectionRequest, ProviderNotFound, ProviderUnavailable
from apps.payments.providers.momo import TOKENS
from apps.resilience.breaker_store import OPEN
from apps.resilience.breakers import breaker
from tests.support.faults import closed_port, hung_server

BREAKER = "provider:paystack"


@pytest.fixture(autouse=True)
def fresh_breaker():
    breaker(BREAKER).reset(reason="test setup")
    yield
    breaker(BREAKER).reset(reason="test teardown")


@pytest.fixture
def point_paystack_at(settings):
    def point(base_url: str, **policy):
        settings.KELMAH_PAYSTACK = {**settings.KELMAH_PAYSTACK, "BASE_URL": base_url}
        settings.RESILIENCE_OUTBOUND = {BREAKER: {"max_retries": 0, "connect_timeout": 0.5, **policy}}
        return get_provider("paystack")

    return point


class CannedServer:
    """A loopback server that responds to every request with one status and body, counting requests."""

    def __init__(self, status: int, body: bytes = b"", headers: dict | None = None):
        server = self
        self.hits = 0

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                server.hits += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, format, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def canned():
    servers = []

    def start(status: int, body: bytes = b"", headers: dict | None = None) -> CannedServer:
        server = CannedServer(status, body, headers)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def a_charge() -> CollectionRequest:
    return CollectionRequest(
        reference=f"KLM-{uuid.uuid4().hex[:20]}",
        amount_minor=1000,
        phone="+233551234987",
        network="mtn",
        email="a@example.com",
    )


def test_refused_connection_is_unavailable(point_paystack_at):
    paystack = point_paystack_at(f"http://127.0.0.1:{closed_port()}")

    with pytest.raises(ProviderUnavailable) as raised:
        paystack.collect(a_charge())

    assert raised.value.code == "connection_error"
    assert raised.value.retryable is True


def test_refused_connections_trip_the_breaker(point_paystack_at):
    paystack = point_paystack_at(f"http://127.0.0.1:{closed_port()}")

    for _ in range(5):
        with pytest.raises(ProviderUnavailable):
            paystack.get_collection("KLM-closed-port")

    assert breaker(BREAKER).state == OPEN
    with pytest.raises(ProviderUnavailable) as raised:
        paystack.get_collection("KLM-closed-port")
    assert raised.value.code == "breaker_open"


def test_open_breaker_sends_no_request(point_paystack_at, canned):
    server = canned(200, b'{"status": true, "data": {"status": "success"}}')
    paystack = point_paystack_at(server.url)
    breaker(BREAKER).force_open(reason="test")

    with pytest.raises(ProviderUnavailable) as raised:
        paystack.get_collection("KLM-anything")

    assert raised.value.code == "breaker_open"
    assert server.hits == 0


def test_hung_server_times_out_within_read_timeout(point_paystack_at):
    with hung_server() as (host, port):
        paystack = point_paystack_at(f"http://{host}:{port}", read_timeout=0.5)
        started = time.monotonic()

        with pytest.raises(ProviderUnavailable) as raised:
            paystack.get_collection("KLM-hung")

        elapsed = time.monotonic() - started
    assert raised.value.code == "timeout"
    # Bounded by the 0.5 s read timeout, with generous room for a loaded machine.
    assert elapsed < 5


def test_hung_server_timeouts_trip_the_breaker(point_paystack_at):
    with hung_server() as (host, port):
        paystack = point_paystack_at(f"http://{host}:{port}", read_timeout=0.2)
        for _ in range(5):
            with pytest.raises(ProviderUnavailable):
                paystack.get_collection("KLM-hung")

    assert breaker(BREAKER).state == OPEN


def test_503_is_unavailable_and_retried_when_idempotent(point_paystack_at, canned):
    server = canned(503, b'{"status": false, "message": "Service unavailable"}')
    paystack = point_paystack_at(server.url, max_retries=2, backoff_base=0.01, backoff_cap=0.02)

    with pytest.raises(ProviderUnavailable) as raised:
        paystack.get_collection("KLM-503")

    assert raised.value.code == "server_error"
    assert raised.value.status_code == 503
    assert server.hits == 3


def test_otp_submission_is_never_repeated(point_paystack_at, canned):
    server = canned(503)
    paystack = point_paystack_at(server.url, max_retries=2, backoff_base=0.01, backoff_cap=0.02)

    with pytest.raises(ProviderUnavailable):
        paystack.submit_otp(reference="KLM-otp", otp="123456")

    assert server.hits == 1


def test_429_is_rate_limited(point_paystack_at, canned):
    server = canned(429, b"{}", {"Retry-After": "0"})
    paystack = point_paystack_at(server.url)

    with pytest.raises(ProviderUnavailable) as raised:
        paystack.get_collection("KLM-429")

    assert raised.value.code == "rate_limited"


def test_client_errors_do_not_trip_the_breaker(point_paystack_at, canned):
    server = canned(400, b'{"status": false, "message": "Transaction reference not found"}')
    paystack = point_paystack_at(server.url)

    for _ in range(8):
        with pytest.raises(ProviderNotFound):
            paystack.get_collection("KLM-missing")

    assert breaker(BREAKER).state != OPEN
    assert server.hits == 8


@pytest.mark.parametrize("body", [b"<html>proxy error</html>", b"[1, 2]", b'{"status": true, "data": "text"}'])
def test_unusable_success_body_is_unavailable(point_paystack_at, canned, body):
    server = canned(200, body)
    paystack = point_paystack_at(server.url)

    with pytest.raises(ProviderUnavailable) as raised:
        paystack.get_collection("KLM-garbage")

    assert raised.value.code == "bad_response"


def test_failure_logs_mask_wallet_numbers(settings, caplog):
    settings.KELMAH_MOMO = {**settings.KELMAH_MOMO, "BASE_URL": f"http://127.0.0.1:{closed_port()}"}
    settings.RESILIENCE_OUTBOUND = {"provider:momo": {"max_retries": 0, "connect_timeout": 0.5}}
    breaker("provider:momo").reset(reason="test setup")
    momo = get_provider("momo")
    # A cached token, so the failing call is the one whose path carries the wallet number.
    TOKENS.put((momo.config.base_url, "collection", momo.config.collection.api_user), "cached-token", 3600)

    with pytest.raises(ProviderUnavailable) as raised:
        momo.verify_recipient(phone="+233241234560", network="mtn")

    assert "accountholder" in caplog.text
    assert "233241234560" not in caplog.text
    assert "*********560" in caplog.text
    assert "233241234560" not in raised.value.message
