"""Worker liveness against a real Redis broker and real Celery worker processes.

Two workers answering is healthy, none is failing, one good and one malformed reply is
failing, and a required queue that no worker consumes is failing.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from health_check.exceptions import ServiceUnavailable

from apps.monitoring.health import FAIL, PASS, execute_check
from apps.monitoring.workers import MalformedReply, WorkerCheck, parse_ping_replies

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def probe_app(broker_url: str, exchange: str) -> Celery:
    app = Celery("kelmah_probe_client", broker=broker_url, set_as_current=False)
    app.conf.control_exchange = exchange
    return app


def start_worker(broker_url: str, exchange: str, name: str, queues: str) -> subprocess.Popen:
    environment = {**os.environ, "PROBE_BROKER_URL": broker_url, "PROBE_CONTROL_EXCHANGE": exchange}
    environment["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.monitoring.celery_probe",
            "worker",
            "--pool=solo",
            "-Q",
            queues,
            "-n",
            f"{name}@probe-{exchange}",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_workers(app: Celery, count: int) -> list[str]:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5) or []
        if len(replies) >= count:
            return parse_ping_replies(replies)
    raise AssertionError(f"{count} probe workers did not start within {STARTUP_SECONDS} s")


@pytest.fixture(scope="module")
def two_workers():
    from django.conf import settings

    broker_url = settings.REDIS_URL
    exchange = f"kelmah-probe-{uuid.uuid4().hex[:10]}"
    workers = [start_worker(broker_url, exchange, name, "alpha") for name in ("one", "two")]
    try:
        app = probe_app(broker_url, exchange)
        wait_for_workers(app, 2)
        yield app, broker_url
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def worker_check(app: Celery, broker_url: str, **options) -> WorkerCheck:
    return WorkerCheck(app=app, broker_url=broker_url, reply_timeout=1.0, **options)


def test_two_workers_answering_is_healthy(two_workers, settings):
    app, broker_url = two_workers
    settings.KELMAH_HEALTH_REQUIRED_QUEUES = ["alpha"]

    status, observation, output = execute_check(worker_check(app, broker_url))

    assert status == PASS, output
    assert observation.value == 2


def test_no_worker_answering_is_failing(settings):
    broker_url = settings.REDIS_URL
    app = probe_app(broker_url, f"kelmah-probe-empty-{uuid.uuid4().hex[:10]}")
    settings.KELMAH_HEALTH_REQUIRED_QUEUES = ["alpha"]

    status, observation, output = execute_check(worker_check(app, broker_url))

    assert status == FAIL
    assert output == "No Celery worker replied to the ping"
    assert observation.value == 0


class OneMalformedReply(WorkerCheck):
    """Replace the second real reply with a malformed one, keeping the real list structure."""

    def collect_ping_replies(self, connection):
        replies = super().collect_ping_replies(connection)
        assert len(replies) == 2
        ((worker, _answer),) = replies[1].items()
        replies[1] = {worker: {"error": "unknown command"}}
        return replies


def test_one_good_one_malformed_reply_is_failing(two_workers, settings):
    app, broker_url = two_workers
    settings.KELMAH_HEALTH_REQUIRED_QUEUES = ["alpha"]

    status, _observation, output = execute_check(OneMalformedReply(app=app, broker_url=broker_url, reply_timeout=1.0))

    assert status == FAIL
    assert "instead of a pong" in output


def test_queue_without_consumer_is_failing(two_workers, settings):
    app, broker_url = two_workers
    settings.KELMAH_HEALTH_REQUIRED_QUEUES = ["alpha", "beta"]

    status, observation, output = execute_check(worker_check(app, broker_url))

    assert status == FAIL
    assert output == "No worker consumes queue beta"
    assert observation.value == 2


def test_unreachable_broker_is_failing(settings):
    from tests.support.faults import closed_port

    broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    app = probe_app(broker_url, "kelmah-probe-down")

    started = time.monotonic()
    status, _observation, output = execute_check(worker_check(app, broker_url))

    assert status == FAIL
    assert output.startswith("Broker unreachable")
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "replies",
    [
        "pong",
        [["worker", {"ok": "pong"}]],
        [{"a@host": {"ok": "pong"}, "b@host": {"ok": "pong"}}],
        [{"a@host": {"ok": "pang"}}],
        [{"a@host": None}],
        [{1: {"ok": "pong"}}],
    ],
    ids=["not-a-list", "entry-not-a-dict", "two-workers-in-one-entry", "wrong-answer", "null-answer", "name-not-text"],
)
def test_parse_ping_replies_rejects_malformed(replies):
    with pytest.raises(MalformedReply):
        parse_ping_replies(replies)


def test_parse_ping_replies_accepts_pongs():
    assert parse_ping_replies([{"a@host": {"ok": "pong"}}, {"b@host": {"ok": "pong"}}]) == ["a@host", "b@host"]
    assert parse_ping_replies([]) == []


def test_malformed_reply_is_a_service_failure():
    assert issubclass(MalformedReply, ServiceUnavailable)
