"""Helpers for notification tests: a real HTTP SMS gateway on a free port, and a closed port."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import apps.notifications.tasks  # noqa: F401  (registers the task with the Celery app)
from apps.resilience.breakers import breaker
from kelmah.celery import app as celery_app


class FakeSmsProvider:
    """A Hubtel-style SMS API on 127.0.0.1 that records each message it accepts."""

    def __init__(self):
        self.received: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                provider.received.append(json.loads(self.rfile.read(length)))
                body = json.dumps({"messageId": f"msg-{len(provider.received)}", "status": 0}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/messages/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sms_provider():
    provider = FakeSmsProvider()
    yield provider
    provider.stop()


def closed_port() -> int:
    """Return a port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def http_sms(settings):
    """Use the HTTP gateway with short timeouts; tests point KELMAH_SMS_API_URL at a live or closed port."""
    settings.KELMAH_SMS_BACKEND = "apps.notifications.sms.HttpSmsGateway"
    settings.KELMAH_SMS_CLIENT_ID = "client"
    settings.KELMAH_SMS_CLIENT_SECRET = "secret"
    settings.RESILIENCE_OUTBOUND = {
        **settings.RESILIENCE_OUTBOUND,
        "sms": {"connect_timeout": 0.5, "read_timeout": 1.0, "deadline": 3.0, "max_retries": 0},
    }
    breaker("sms").reset(reason="test start")
    yield settings
    breaker("sms").reset(reason="test end")


def run_outbox_tasks(task_name: str = "notifications.deliver") -> list:
    """Run every queued outbox message of `task_name` in this process, as a worker would."""
    from apps.resilience.models import OutboxMessage

    results = []
    for message in OutboxMessage.objects.filter(task_name=task_name).order_by("pk"):
        task = celery_app.tasks[task_name]
        results.append(task.apply(kwargs={**message.kwargs, "_outbox_id": message.pk}).get())
    return results
