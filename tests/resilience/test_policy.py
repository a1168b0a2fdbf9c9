"""Outbound calls: timeouts, retries only when safe, Retry-After, deadline, breaker."""

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from apps.resilience.breakers import BreakerOpen, breaker
from apps.resilience.policy import OutboundUnavailable, backoff_delay, policy_for
from tests.support.faults import closed_port, hung_server


class ScriptedServer:
    """An HTTP server on 127.0.0.1 responding to each request with the next scripted status."""

    def __init__(self, statuses, *, retry_after=None, delay=0.0):
        self.statuses = list(statuses)
        self.retry_after = retry_after
        self.delay = delay
        self.requests = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self._answer()

            def do_GET(self):
                self._answer()

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                with owner.lock:
                    owner.requests.append(dict(self.headers))
                    status = owner.statuses.pop(0) if len(owner.statuses) > 1 else owner.statuses[0]
                if owner.delay:
                    time.sleep(owner.delay)
                self.send_response(status)
                if owner.retry_after is not None and status in (429, 503):
                    self.send_header("Retry-After", str(owner.retry_after))
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/charge"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


FAST = {
    "connect_timeout": 0.5,
    "read_timeout": 0.5,
    "deadline": 5.0,
    "max_retries": 3,
    "backoff_base": 0.01,
    "backoff_cap": 0.05,
}


@pytest.fixture
def fast_policy():
    with override_settings(RESILIENCE_OUTBOUND={"provider:test": FAST}):
        yield policy_for("provider:test")


def test_success_returns_response(fast_policy):
    with ScriptedServer([200]) as server:
        response = fast_policy.request("GET", server.url, idempotent=True)

    assert response.status_code == 200
    assert len(server.requests) == 1


def test_client_error_returned_without_retry(fast_policy):
    with ScriptedServer([422]) as server:
        response = fast_policy.request("POST", server.url, idempotent=True, json={"amount": 100})

    assert response.status_code == 422
    assert len(server.requests) == 1
    assert breaker("provider:test").describe()["window_failures"] == 0


def test_idempotent_call_retried_until_success(fast_policy):
    with ScriptedServer([503, 502, 200]) as server:
        response = fast_policy.request("GET", server.url, idempotent=True)

    assert response.status_code == 200
    assert len(server.requests) == 3


def test_unsafe_call_without_key_not_retried(fast_policy):
    with ScriptedServer([503, 200]) as server, pytest.raises(OutboundUnavailable) as raised:
        fast_policy.request("POST", server.url, idempotent=False, json={"amount": 100})

    assert len(server.requests) == 1
    assert raised.value.attempts == 1
    assert raised.value.response.status_code == 503


def test_idempotency_key_allows_retry_and_is_sent(fast_policy):
    with ScriptedServer([500, 201]) as server:
        response = fast_policy.request("POST", server.url, idempotent=False, idempotency_key="pay-42", json={})

    assert response.status_code == 201
    assert [r.get("Idempotency-Key") for r in server.requests] == ["pay-42", "pay-42"]


def test_retries_are_finite(fast_policy):
    with ScriptedServer([503]) as server, pytest.raises(OutboundUnavailable) as raised:
        fast_policy.request("GET", server.url, idempotent=True)

    assert len(server.requests) == 4  # one call and max_retries=3
    assert raised.value.attempts == 4


def test_retry_after_is_honoured(fast_policy):
    with ScriptedServer([429, 200], retry_after=1) as server:
        started = time.monotonic()
        response = fast_policy.request("GET", server.url, idempotent=True)
        elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed >= 1.0


def test_retry_after_beyond_deadline_stops_retrying():
    settings = {**FAST, "deadline": 1.0}
    with override_settings(RESILIENCE_OUTBOUND={"provider:test": settings}):
        with ScriptedServer([503], retry_after=30) as server, pytest.raises(OutboundUnavailable) as raised:
            started = time.monotonic()
            policy_for("provider:test").request("GET", server.url, idempotent=True)

    assert time.monotonic() - started < 1.0
    assert len(server.requests) == 1
    assert raised.value.retry_after == 30
    assert "deadline" in raised.value.reason


def test_refused_connection_counts_and_retries(fast_policy):
    url = f"http://127.0.0.1:{closed_port()}/charge"
    with pytest.raises(OutboundUnavailable) as raised:
        fast_policy.request("GET", url, idempotent=True)

    assert raised.value.attempts == 4
    assert "ConnectionError" in raised.value.reason


def test_hung_server_bounded_by_deadline():
    settings = {**FAST, "read_timeout": 0.3, "deadline": 1.0, "max_retries": 10}
    with override_settings(RESILIENCE_OUTBOUND={"provider:test": settings}):
        with hung_server() as (host, port), pytest.raises((OutboundUnavailable, BreakerOpen)):
            started = time.monotonic()
            policy_for("provider:test").request("GET", f"http://{host}:{port}/", idempotent=True)

    assert time.monotonic() - started < 1.5


def test_open_breaker_stops_calls(fast_policy):
    with ScriptedServer([503]) as server:
        for _ in range(2):
            with pytest.raises((OutboundUnavailable, BreakerOpen)):
                fast_policy.request("GET", server.url, idempotent=True)
        sent = len(server.requests)
        with pytest.raises(BreakerOpen):
            fast_policy.request("GET", server.url, idempotent=True)

    assert sent == 5  # the fifth consecutive failure tripped the breaker
    assert len(server.requests) == sent


def test_timeout_argument_rejected(fast_policy):
    with pytest.raises(TypeError, match="RESILIENCE_OUTBOUND"):
        fast_policy.request("GET", "http://127.0.0.1:1/", idempotent=True, timeout=3)


def test_backoff_delays_within_bounds():
    for attempt in range(1, 12):
        delays = [backoff_delay(attempt, base=0.5, cap=30) for _ in range(200)]
        assert min(delays) >= 0.5
        assert max(delays) <= min(30, 0.5 * 2**attempt)


def test_hundred_failing_calls_spread_retries(caplog):
    """100 provider calls hit a 503 at once: spread delays within bounds, finite retries, breaker stops them."""
    settings = {**FAST, "max_retries": 2, "backoff_base": 0.05, "backoff_cap": 0.4}
    breakers = {"provider:test": {"consecutive_failures": 1000, "minimum_calls": 50, "failure_rate": 0.9}}
    with (
        override_settings(RESILIENCE_OUTBOUND={"provider:test": settings}, RESILIENCE_BREAKERS=breakers),
        ScriptedServer([503]) as server,
        caplog.at_level(logging.WARNING, logger="apps.resilience.policy"),
    ):
        outcomes = []
        barrier = threading.Barrier(100)

        def call():
            barrier.wait()
            try:
                policy_for("provider:test").request("POST", server.url, idempotent=False, idempotency_key="k", json={})
            except (OutboundUnavailable, BreakerOpen) as error:
                outcomes.append(type(error).__name__)

        threads = [threading.Thread(target=call) for _ in range(100)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        sent_while_open = len(server.requests)
        with pytest.raises(BreakerOpen):
            policy_for("provider:test").request("POST", server.url, idempotent=False, idempotency_key="k", json={})

    delays = [r.delay for r in caplog.records if hasattr(r, "delay")]
    assert len(outcomes) == 100
    assert "BreakerOpen" in outcomes
    assert len(server.requests) < 300  # never more than one call and two retries each
    assert len(server.requests) == sent_while_open
    assert len(delays) > 20
    assert len({round(d, 4) for d in delays}) > len(delays) * 0.8
    assert min(delays) >= 0.05
    assert max(delays) <= 0.4


def test_injected_fault_counts_as_failure(db):
    from apps.modules import faults

    faults.fault_set(target="provider:paystack", spec="raise")
    faults.reset_cache()
    try:
        with override_settings(RESILIENCE_OUTBOUND={"provider:paystack": FAST}), ScriptedServer([200]) as server:
            for _ in range(5):
                with pytest.raises(faults.InjectedFault):
                    policy_for("provider:paystack").request("GET", server.url, idempotent=True)
            with pytest.raises(BreakerOpen):
                policy_for("provider:paystack").request("GET", server.url, idempotent=True)
    finally:
        faults.fault_clear(target="provider:paystack")
        faults.reset_cache()

    assert server.requests == []
