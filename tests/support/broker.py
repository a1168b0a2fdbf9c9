"""Point the Celery app at a given broker for a test, and start a real worker process.

use_broker(url, transport_options=None) -> ContextManager[None]
celery_worker(env: dict) -> ContextManager[subprocess.Popen]
"""

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

from kombu import pools as kombu_pools

from kelmah.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _drop_pools() -> None:
    # Kombu keeps connection and producer pools in process-wide groups keyed by
    # connection; resetting them makes the next publish connect to the new URL.
    app._pool = None
    with contextlib.suppress(AttributeError):
        app.amqp._producer_pool = None
    kombu_pools.reset()


@contextlib.contextmanager
def use_broker(url: str, transport_options: dict | None = None):
    """Publish to `url` inside the block; the previous broker is restored afterwards."""
    previous = (app.conf.broker_url, app.conf.broker_transport_options)
    _drop_pools()
    app.conf.broker_url = url
    app.conf.broker_transport_options = transport_options or {}
    try:
        yield
    finally:
        _drop_pools()
        app.conf.broker_url, app.conf.broker_transport_options = previous


@contextlib.contextmanager
def celery_worker(env: dict, *, queues: str = "celery"):
    """Run `celery -A kelmah worker` with the solo pool and `env`; stop it on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "kelmah", "worker", "--pool=solo", "-Q", queues, "--loglevel=INFO"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2) -> bool:
    """Poll `predicate` until it returns true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
