"""Record per-module metrics cheaply and share them between processes.

Public API (safe to call from any request, task or consumer; none of them raises):

    record_request(module, view, latency_ms, status, error=None)
    record_fragment(module, fragment, latency_ms, outcome)
    record_cache(event)               # "hit", "stale" or "miss"
    record_breaker_transition(name, old, new, reason, opened_at)
    websocket_opened(); websocket_closed()
    flush()                           # write the buffer now (tests, shutdown)

Each call adds to counters in this process under a lock, which costs a few microseconds.
A daemon thread writes the buffer to the shared store about once a second. When the
store is down the buffer is kept, bounded by the store's retention, and retried with a
growing pause; one warning is logged per outage.
"""

import logging
import os
import socket
import threading
import time
from collections import defaultdict

from apps.monitoring import conf
from apps.monitoring.metrics_store import (
    COARSE,
    TIERS,
    Counters,
    MetricsStore,
    RedisMetricsStore,
    SqliteMetricsStore,
    slot_of,
)
from apps.monitoring.percentiles import bucket_field

logger = logging.getLogger(__name__)

CACHE_SUBJECT = "_cache"
BREAKER_SUBJECT = "_breaker"
WEBSOCKETS_GAUGE = "websockets"
HEARTBEAT_GAUGE = "worker_heartbeat"
CACHE_EVENTS = ("hit", "stale", "miss")
# Fragment outcomes that are not failures: rendered, not shown to this user (skipped), or
# replaced by the maintenance partial on purpose. Any other outcome (error, timeout,
# breaker_open) showed the degraded partial.
FRAGMENT_NOT_DEGRADED = frozenset({"ok", "skipped", "maintenance"})
# Maximum pause between attempts to reach a store that is down, in seconds.
MAX_RETRY_PAUSE = 30.0
EVENTS_BUFFERED = 200


def _store_identity(settings) -> tuple:
    kind = settings.metrics_store
    if kind == "auto":
        kind = "redis" if _default_cache_is_redis() else "sqlite"
    if kind == "redis":
        return ("redis", settings.metrics_redis_url, settings.metrics_key_prefix)
    return ("sqlite", str(settings.metrics_sqlite_path))


def _default_cache_is_redis() -> bool:
    from django.conf import settings

    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return "redis" in backend.lower()


_stores: dict[tuple, MetricsStore] = {}
_stores_lock = threading.Lock()


def get_store() -> MetricsStore:
    """Return the store the current settings name, creating it once per identity."""
    identity = _store_identity(conf.get())
    with _stores_lock:
        store = _stores.get(identity)
        if store is None:
            if identity[0] == "redis":
                store = RedisMetricsStore(identity[1], prefix=identity[2])
            else:
                store = SqliteMetricsStore(identity[1])
            _stores[identity] = store
    return store


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: Counters = defaultdict(int)
        self._events: list[dict] = []
        self._websockets = 0
        self._flusher_pid: int | None = None
        self._flush_lock = threading.Lock()
        self._retry_at = 0.0
        self._retry_pause = 0.0
        self._outage_logged = False
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    # Recording --------------------------------------------------------------------

    def count(self, subject: str, fields: dict[str, int], *, now: float | None = None) -> None:
        timestamp = time.time() if now is None else now
        with self._lock:
            for tier in TIERS:
                slot = slot_of(tier, timestamp)
                for field, value in fields.items():
                    self._counters[(tier.name, slot, subject, field)] += value
        self._ensure_flusher()

    def event(self, payload: dict) -> None:
        with self._lock:
            self._events.append(payload)
            del self._events[:-EVENTS_BUFFERED]
        self._ensure_flusher()

    def websocket_delta(self, delta: int) -> None:
        with self._lock:
            self._websockets = max(0, self._websockets + delta)
        self._ensure_flusher()

    def discard(self) -> None:
        """Drop everything buffered in this process (tests start from nothing)."""
        with self._lock:
            self._counters = defaultdict(int)
            self._events = []
            self._websockets = 0

    # Flushing ---------------------------------------------------------------------

    def flush(self, *, force: bool = True) -> bool:
        """Write the buffer to the store; return False when the store failed."""
        with self._flush_lock:
            if not force and time.monotonic() < self._retry_at:
                return False
            with self._lock:
                counters, self._counters = self._counters, defaultdict(int)
                events, self._events = self._events, []
                gauges = {WEBSOCKETS_GAUGE: (self.owner, float(self._websockets))}
            try:
                get_store().add(dict(counters), gauges, events)
            except Exception as error:
                self._keep(counters, events)
                self._note_failure(error)
                return False
            self._note_success()
            return True

    def store_failing(self) -> bool:
        """Return True while the last write to the store failed and its retry pause runs."""
        return time.monotonic() < self._retry_at

    def _keep(self, counters: Counters, events: list[dict]) -> None:
        """Put unwritten data back, dropping slots the store would no longer keep."""
        now = time.time()
        oldest = {tier.name: slot_of(tier, now - tier.retention_seconds) for tier in TIERS}
        with self._lock:
            for key, value in counters.items():
                if key[1] >= oldest[key[0]]:
                    self._counters[key] += value
            self._events[:0] = events
            del self._events[:-EVENTS_BUFFERED]

    def _note_failure(self, error: Exception) -> None:
        self._retry_pause = min(MAX_RETRY_PAUSE, max(1.0, self._retry_pause * 2))
        self._retry_at = time.monotonic() + self._retry_pause
        if not self._outage_logged:
            self._outage_logged = True
            logger.warning("Metrics store unavailable, keeping metrics in memory: %r", error)

    def _note_success(self) -> None:
        if self._outage_logged:
            logger.info("Metrics store reachable again; buffered metrics written")
        self._outage_logged = False
        self._retry_pause = 0.0
        self._retry_at = 0.0

    def _ensure_flusher(self) -> None:
        pid = os.getpid()
        if self._flusher_pid == pid:
            return
        with self._flush_lock:
            if self._flusher_pid == pid:
                return
            # A forked worker inherits the parent's flag but not its thread.
            self._flusher_pid = pid
            self.owner = f"{socket.gethostname()}:{pid}"
            threading.Thread(target=self._flush_forever, name="metrics-flusher", daemon=True).start()

    def _flush_forever(self) -> None:
        while True:
            try:
                interval = conf.get().metrics_flush_interval
            except Exception:  # settings unreadable during interpreter shutdown
                interval = 1.0
            time.sleep(interval)
            try:
                self.flush(force=False)
            except Exception:  # never let the flusher thread die
                logger.exception("Metrics flush failed unexpectedly")


recorder = Recorder()


def _safely(func):
    def wrapper(*args, **kwargs):
        try:
            func(*args, **kwargs)
        except Exception:  # a metrics failure must never break the request being measured
            logger.warning("Recording a metric failed in %s", func.__name__, exc_info=True)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


@_safely
def record_request(module: str, view: str, latency_ms: float, status: int, error: object = None) -> None:
    """Count one request or API call of `module`; 5xx or an error counts as a failure."""
    failed = error is not None or int(status) >= 500
    recorder.count(
        str(module),
        {"requests": 1, "errors": int(failed), f"lat:{bucket_field(float(latency_ms))}": 1},
    )


@_safely
def record_fragment(module: str, fragment: str, latency_ms: float, outcome: str) -> None:
    """Count one fragment render of `module`; error, timeout and breaker_open are degraded renders."""
    degraded = str(outcome) not in FRAGMENT_NOT_DEGRADED
    recorder.count(
        str(module),
        {"fragments": 1, "degraded": int(degraded), f"flat:{bucket_field(float(latency_ms))}": 1},
    )


@_safely
def record_cache(event: str) -> None:
    """Count a cache hit, a stale serve or a miss."""
    if event not in CACHE_EVENTS:
        raise ValueError(f"Cache event must be one of {CACHE_EVENTS}, not {event!r}.")
    recorder.count(CACHE_SUBJECT, {event: 1})


@_safely
def record_breaker_transition(name: str, old: str, new: str, reason: str = "", opened_at=None) -> None:
    recorder.count(BREAKER_SUBJECT, {f"to:{name}|{new}": 1})
    recorder.event(
        {
            "kind": "breaker",
            "name": name,
            "old": old,
            "new": new,
            "reason": str(reason)[:200],
            "opened_at": opened_at.isoformat() if opened_at else None,
            "at": time.time(),
        }
    )


@_safely
def websocket_opened() -> None:
    """Count one more open websocket in this process."""
    recorder.websocket_delta(1)


@_safely
def websocket_closed() -> None:
    """Count one fewer open websocket in this process."""
    recorder.websocket_delta(-1)


def flush() -> bool:
    return recorder.flush()


def worker_heartbeat_record() -> None:
    """Record that a worker of this process just ran a task; raises when the store is down."""
    get_store().add({}, {HEARTBEAT_GAUGE: (recorder.owner, time.time())}, [])


def worker_heartbeat_age() -> float | None:
    """Return seconds since any worker last recorded a heartbeat, or None if none ever did."""
    latest = get_store().last_update(HEARTBEAT_GAUGE)
    return None if latest is None else max(0.0, time.time() - latest)


def coarse_slot(timestamp: float) -> int:
    return slot_of(COARSE, timestamp)
