"""Real faults for tests: a port nothing listens on, a server that never responds, a Redis outage.

Public API (stable):

    closed_port() -> int
        A TCP port on 127.0.0.1 that refuses connections.
    hung_server() -> ContextManager[tuple[str, int]]
        A TCP server on 127.0.0.1 that accepts connections and never sends a byte.
    redis_outage(mode: str = "refused") -> ContextManager[str]
        Points the default cache (a ResilientRedisCache), the breaker store and
        settings.REDIS_URL at a refused or hung Redis for the duration; yields the bad URL.
    redis_settings(url: str | None = None) -> ContextManager[str]
        The same wiring against the real Redis at settings.REDIS_URL (or `url`).
    fresh_breakers() -> None
        Forget every breaker object and the in-process cache tier in this process.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

from django.conf import settings
from django.test import override_settings


def closed_port() -> int:
    """Return a port on 127.0.0.1 that refuses connections.

    The port is bound to learn a free number, then released without listening. Another
    process could take it in between; on a test machine that window is harmless.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def hung_server() -> Iterator[tuple[str, int]]:
    """Run a TCP server that accepts every connection and never responds; yield (host, port).

    Clients connect at once and then wait for their read timeout, like a Redis or a
    provider that has hung. The server and every accepted socket close on exit.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_forever() -> None:
        while not stop.is_set():
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(connection)

    thread = threading.Thread(target=accept_forever, name="hung-server", daemon=True)
    thread.start()
    try:
        yield listener.getsockname()
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()
        for connection in accepted:
            connection.close()


def _redis_caches(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "apps.resilience.cache_backends.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{settings.REDIS_URL.rsplit('/', 1)[-1]}",
            "OPTIONS": dict(settings.RESILIENCE_REDIS_CACHE_OPTIONS),
        }
    }


def fresh_breakers() -> None:
    """Drop this process's breaker objects and in-process cache tier."""
    from apps.resilience import cache_backends
    from apps.resilience.breakers import reset_registry
    from apps.resilience.cache import clear_local

    reset_registry()
    clear_local()
    cache_backends.forget_outages()


@contextlib.contextmanager
def redis_settings(url: str | None = None) -> Iterator[str]:
    """Use Redis at `url` (default settings.REDIS_URL) for the cache and the breaker store."""
    url = url or settings.REDIS_URL
    with override_settings(CACHES=_redis_caches(url), RESILIENCE_BREAKER_STORE=url, REDIS_URL=url):
        fresh_breakers()
        try:
            yield url
        finally:
            fresh_breakers()
    fresh_breakers()


@contextlib.contextmanager
def redis_outage(mode: str = "refused") -> Iterator[str]:
    """Run the block with Redis refused (a closed port) or hung (a server that never responds)."""
    db = settings.REDIS_URL.rsplit("/", 1)[-1]
    if mode == "refused":
        with redis_settings(f"redis://127.0.0.1:{closed_port()}/{db}") as url:
            yield url
    elif mode == "hung":
        with hung_server() as (host, port), redis_settings(f"redis://{host}:{port}/{db}") as url:
            yield url
    else:
        raise ValueError(f"mode must be 'refused' or 'hung', not {mode!r}")
