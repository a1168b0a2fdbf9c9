"""Fixtures for messaging: a job with an applicant, their conversation, and channel layers.

Websocket tests run the real ASGI application (kelmah.asgi.application) with the session
cookie of a logged-in test client, against channels-redis on the Redis at REDIS_URL.
"""

import socket
import uuid

import pytest
import redis
from django.test import Client

from apps.jobs.models import Application, Job
from apps.messaging import realtime
from apps.messaging.services import conversation_for_job


def make_job(hirer, *, title="Fix a leaking kitchen sink"):
    return Job.objects.create(
        hirer=hirer,
        title=title,
        trade="plumbing",
        description="The kitchen sink leaks under the basin.",
        budget_min=20000,
        budget_max=20000,
        region="greater-accra",
        town="Madina",
        status="open",
    )


def apply(job, worker):
    return Application.objects.create(job=job, worker=worker, cover_letter="I can fix it today.", proposed_amount=18000)


@pytest.fixture
def job(hirer):
    return make_job(hirer)


@pytest.fixture
def application(job, worker):
    return apply(job, worker)


@pytest.fixture
def conversation(job, worker, application):
    return conversation_for_job(job=job, worker=worker, actor=job.hirer)


def session_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="apps.accounts.backends.EmailOrPhoneBackend")
    return client


def ws_headers(client: Client | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _fresh_fanout():
    """Start each test with no fan-out backoff and an empty cache (send-rate counts, presence)."""
    from django.core.cache import cache

    realtime.reset_fanout_backoff()
    cache.clear()
    yield
    realtime.reset_fanout_backoff()


@pytest.fixture
def redis_layer(settings):
    """Use channels-redis on the real Redis at REDIS_URL, under a prefix of its own."""
    prefix = f"kelmah-test-{uuid.uuid4().hex[:8]}"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": prefix},
        }
    }
    yield prefix
    connection = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(connection.scan_iter(f"{prefix}*"))
    if keys:
        connection.delete(*keys)
    connection.close()


@pytest.fixture
def dead_layer(settings):
    """channels-redis pointed at a port where nothing listens: the channel layer is down."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{closed_port()}/0"]},
        }
    }
    return settings


class HungServer:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""

    def __init__(self):
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(connection)

    def stop(self):
        self.running = False
        self.sock.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def hung_layer(settings):
    """channels-redis pointed at a server that accepts and never replies: the layer hangs."""
    server = HungServer()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{server.port}/0"]},
        }
    }
    settings.MESSAGING_FANOUT_TIMEOUT = 0.3
    yield server
    server.stop()
