"""Dependency checks built on django-health-check's HealthCheck base class.

A check's run() raises ServiceWarning (warn) or ServiceUnavailable (fail) from
health_check.exceptions, or returns an Observation to report a measured value other than
its own response time. Messages must not contain secrets: they are shown in /health/.
"""

import dataclasses
import datetime
import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from health_check.base import HealthCheck
from health_check.checks import Database, Storage
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from apps.monitoring import conf


@dataclasses.dataclass(frozen=True)
class Observation:
    """A measured value to report in place of the check's response time."""

    value: float | int | str
    unit: str | None = None
    output: str = ""
    # Extra figures for /metrics (queue name -> depth, say); not part of the health+json body.
    details: dict | None = None


def inject_fault(target: str) -> None:
    """Apply an operator's injected fault for `target`, so a check shows what users would see."""
    try:
        from apps.modules.faults import inject
    except ImportError:
        return
    inject(target)


def observed(error: Exception, value, unit: str | None = None) -> Exception:
    """Attach a measured value to a warn or fail error, so the report still shows it."""
    error.observation = Observation(value, unit)  # type: ignore[attr-defined]
    return error


__all__ = [
    "BrokerCheck",
    "CacheCheck",
    "ChannelLayerCheck",
    "Database",
    "DiskCheck",
    "Observation",
    "QueueDepthCheck",
    "Storage",
    "observed",
]


@dataclasses.dataclass
class CacheCheck(HealthCheck):
    """Write and read back one key, synchronously.

    The library's Cache check goes through Django's async cache API, which runs the call on
    asgiref's single shared thread; a hung Redis would then block every other
    thread-sensitive call in the process. This one blocks only the check's own thread.
    """

    alias: str = "default"

    def run(self):
        cache = caches[self.alias]
        key = f"kelmah-health:{uuid.uuid4().hex}"
        value = uuid.uuid4().hex
        try:
            inject_fault("cache")
            cache.set(key, value, timeout=10)
            stored = cache.get(key)
            cache.delete(key)
        except Exception as error:  # backends raise their own error classes (redis, memcached)
            raise ServiceUnavailable(f"Cache {self.alias!r} failed: {type(error).__name__}") from error
        if stored != value:
            # django-redis with IGNORE_EXCEPTIONS, or a breaker, turns failures into misses.
            raise ServiceUnavailable(f"Cache {self.alias!r} did not return the value just written")


@dataclasses.dataclass
class BrokerCheck(HealthCheck):
    """Open a connection to the Celery broker and close it again."""

    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=1), repr=False)

    def run(self):
        from kelmah.celery import app

        # The URL is read from settings on each run, so a changed setting takes effect at once.
        connection = app.connection_for_write(url=getattr(settings, "CELERY_BROKER_URL", None))
        try:
            inject_fault("broker")
            connection.ensure_connection(max_retries=0, timeout=self.timeout.total_seconds())
        except Exception as error:  # kombu raises transport-specific errors
            raise ServiceUnavailable(f"Broker unreachable: {type(error).__name__}") from error
        finally:
            connection.release()


@dataclasses.dataclass
class QueueDepthCheck(HealthCheck):
    """Count the messages waiting in each required Celery queue."""

    # Messages waiting in one queue before the check warns: far more than a few minutes of
    # normal work, so workers are missing or too few.
    warn_depth: int = dataclasses.field(default=1000, repr=False)

    def run(self):
        from apps.monitoring.workers import required_queue_names
        from kelmah.celery import app

        depths = {}
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=0, timeout=self.timeout.total_seconds())
            channel = connection.default_channel
            for name in sorted(required_queue_names(app)):
                try:
                    depths[name] = channel.queue_declare(queue=name, passive=True).message_count
                except Exception:  # a queue that was never declared contains no messages
                    depths[name] = 0
        total = sum(depths.values())
        summary_text = ", ".join(f"{name}={depth}" for name, depth in depths.items())
        deepest = max(depths.values(), default=0)
        if deepest >= self.warn_depth:
            error = observed(ServiceWarning(f"Queue backlog: {summary_text}"), total, "messages")
            error.observation = Observation(total, "messages", details=depths)
            raise error
        return Observation(total, "messages", details=depths)


@dataclasses.dataclass
class ChannelLayerCheck(HealthCheck):
    """Send one message through the channel layer and receive it back."""

    alias: str = "default"
    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=1), repr=False)

    async def run(self):
        import asyncio

        from channels.layers import get_channel_layer

        layer = get_channel_layer(self.alias)
        if layer is None:
            raise ServiceWarning("No channel layer is configured; live updates are off")
        try:
            channel = await layer.new_channel()
            payload = {"type": "health.probe", "token": uuid.uuid4().hex}
            await asyncio.wait_for(layer.send(channel, payload), self.timeout.total_seconds())
            received = await asyncio.wait_for(layer.receive(channel), self.timeout.total_seconds())
        except TimeoutError as error:
            raise ServiceUnavailable("Channel layer timed out") from error
        except Exception as error:  # channels_redis raises redis errors, others their own
            raise ServiceUnavailable(f"Channel layer failed: {type(error).__name__}") from error
        if received.get("token") != payload["token"]:
            raise ServiceUnavailable("Channel layer returned a different message")


def _disk_paths() -> list[Path]:
    paths = [Path(settings.MEDIA_ROOT), Path(getattr(settings, "VAR_DIR", settings.BASE_DIR))]
    database = settings.DATABASES.get("default", {})
    if database.get("ENGINE", "").endswith("sqlite3") and str(database.get("NAME", "")) not in ("", ":memory:"):
        paths.append(Path(database["NAME"]).parent)
    return paths


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


@dataclasses.dataclass
class DiskCheck(HealthCheck):
    """Report the fullest volume that contains uploads, var/ or the SQLite database.

    Uses shutil.disk_usage from the standard library, so the check needs no psutil.
    """

    def run(self):
        thresholds = conf.get()
        fullest_percent, fullest_path = 0.0, None
        for path in _disk_paths():
            usage = shutil.disk_usage(_existing_ancestor(path))
            percent = round(100 * usage.used / usage.total, 1) if usage.total else 0.0
            if percent >= fullest_percent:
                fullest_percent, fullest_path = percent, path
        message = f"{fullest_percent}% used on the volume holding {fullest_path}"
        if fullest_percent >= thresholds.disk_fail_percent:
            raise observed(ServiceUnavailable(message), fullest_percent, "percent")
        if fullest_percent >= thresholds.disk_warn_percent:
            raise observed(ServiceWarning(message), fullest_percent, "percent")
        return Observation(fullest_percent, "percent")
