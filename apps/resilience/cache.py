"""Resilient reads: get-or-build with fresh and stale periods, single flight and tags.

Public API (stable):

    get_or_build(key: str, build: Callable[[], T], *, fresh: int, stale: int,
                 tags: Iterable[str] = ()) -> Cached[T] | Unavailable
    bump(*tags: str) -> None          # the rows behind these tags changed (after commit)
    class Cached: value, built_at, age (timedelta), is_stale, source ("live", "memory", "shared")
    class Unavailable: reason; falsy, so `{% if result %}` works in templates

How a read goes:

1. The in-process tier (a few µs), then the shared tier (Redis in production, a file
   cache on the embedded default). An entry is fresh for `fresh` seconds (less a little
   jitter, so keys built together do not expire together) and may be served stale for
   `stale` more seconds.
2. An entry is invalid once any of its tags was bumped after it was built. Tag versions
   live in the shared tier; each process reads them at most once a second, so a bump
   reaches every process within about a second.
3. When no fresh entry exists, one caller per key rebuilds it: a lock with a TTL in the
   shared tier across processes, and a per-key lock inside the process. Others get the
   stale entry meanwhile, or wait briefly for the builder when there is none.
4. If the build fails, a stale entry is served (stale-if-error) with its age; with nothing
   to serve the result is Unavailable, and the page says so honestly.

A shared-tier outage makes reads act as misses: the cache backend's breaker
(apps.resilience.cache_backends) fails fast, so the build reads the database instead.
Templates show age with `{{ result.built_at|timesince }}` or `{{ result.age_text }}`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from apps.resilience.injection import inject

logger = logging.getLogger(__name__)

T = TypeVar("T")

_MISSING = object()
# Seconds between two warnings about failing cache metrics, so a broken metrics store
# logs once a minute instead of once per read.
METRICS_WARNING_INTERVAL = 60.0
_metrics_warned_at = -METRICS_WARNING_INTERVAL


@dataclass(frozen=True)
class Cached(Generic[T]):
    """A value with its build time; `is_stale` means it is past its fresh period."""

    value: T
    built_at: datetime
    is_stale: bool = False
    source: str = "live"

    def __bool__(self) -> bool:
        return True

    @property
    def age(self) -> timedelta:
        return datetime.now(tz=UTC) - self.built_at

    @property
    def age_text(self) -> str:
        """'updated 4 minutes ago', for the stale note in templates."""
        return _("updated %(age)s ago") % {"age": timesince(self.built_at)}


@dataclass(frozen=True)
class Unavailable:
    """Nothing can be served: no cached copy and the build failed."""

    reason: str = ""
    value: Any = None
    is_stale: bool = True

    def __bool__(self) -> bool:
        return False


@dataclass
class _Entry:
    value: Any
    built_at: float
    fresh_until: float
    stale_until: float
    tags: dict[str, int] = field(default_factory=dict)


class _LocalTier:
    """A bounded least-recently-used dict of entries private to this process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> _Entry | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is not None:
                self._items.move_to_end(key)
            return entry

    def set(self, key: str, entry: _Entry) -> None:
        with self._lock:
            self._items[key] = entry
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class _TagVersions:
    """Tag versions from the shared tier, re-read at most every `ttl` seconds per tag."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._known: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def current(self, tags: Iterable[str]) -> dict[str, int]:
        now = time.monotonic()
        tags = list(tags)
        versions: dict[str, int] = {}
        missing = []
        with self._lock:
            for tag in tags:
                known = self._known.get(tag)
                if known and now - known[1] < self.ttl:
                    versions[tag] = known[0]
                else:
                    missing.append(tag)
        if missing:
            fetched = _shared_get_many([_tag_key(t) for t in missing])
            with self._lock:
                for tag in missing:
                    version = fetched.get(_tag_key(tag), 0) if fetched is not None else None
                    if version is None:
                        # Shared tier down: keep the last known version rather than treating
                        # every entry as invalid.
                        version = self._known.get(tag, (0, 0))[0]
                    self._known[tag] = (int(version), now)
                    versions[tag] = int(version)
        return versions

    def bumped(self, tag: str, version: int) -> None:
        with self._lock:
            self._known[tag] = (version, time.monotonic())

    def clear(self) -> None:
        with self._lock:
            self._known.clear()


_local = _LocalTier(size=2048)
_tags = _TagVersions(ttl=1.0)
_build_locks: dict[str, threading.Lock] = {}
_build_locks_guard = threading.Lock()


def _tag_key(tag: str) -> str:
    return f"rc:tag:{tag}"


def _entry_key(key: str) -> str:
    return f"rc:e:{key}"


def _lock_key(key: str) -> str:
    return f"rc:lock:{key}"


def _shared():
    return caches[settings.RESILIENCE_CACHE_ALIAS]


def _shared_call(method: str, *args: Any, default: Any = None) -> Any:
    """Call the shared tier, treating any failure as a miss; `default` is returned then."""
    try:
        inject("cache")
        return getattr(_shared(), method)(*args)
    except Exception as error:  # the backend's breaker already logged the outage
        logger.debug("Shared cache %s failed: %s", method, error)
        return default


def _shared_get_many(keys: list[str]) -> dict | None:
    result = _shared_call("get_many", keys, default=_MISSING)
    return None if result is _MISSING else result


def _shared_available() -> bool:
    backend = _shared()
    available = getattr(backend, "available", None)
    return True if available is None else bool(available)


def get_or_build(
    key: str,
    build: Callable[[], T],
    *,
    fresh: int,
    stale: int,
    tags: Iterable[str] = (),
) -> Cached[T] | Unavailable:
    """Return the cached value for `key`, building it with `build()` when needed.

    `fresh` and `stale` are seconds. While the shared tier is up, `build` runs once per
    key at a time across processes, except that a caller with nothing to serve builds
    too after waiting RESILIENCE_CACHE_WAIT_SECONDS for another builder. While the tier
    is down it runs once per key at a time in each process. `build` must return a
    picklable value; its exceptions are logged and turned into a stale result or
    Unavailable, never raised. Each read is counted once in the monitoring metrics as a
    hit, a stale serve or a miss.
    """
    if fresh <= 0 or stale < 0:
        raise ValueError("fresh must be positive and stale non-negative")
    result = _read(key, build, fresh, stale, tuple(tags))
    _record_outcome(result)
    return result


def _read(key, build, fresh, stale, tags):
    now = time.time()
    versions = _tags.current(tags) if tags else {}

    entry, source = _lookup(key)
    if entry is not None and _valid(entry, versions) and now < entry.fresh_until:
        return _result(entry, stale=False, source=source)
    usable_stale = entry if entry is not None and now < entry.stale_until else None

    local_lock = _local_lock(key)
    if usable_stale is None:
        acquired = local_lock.acquire(timeout=settings.RESILIENCE_CACHE_WAIT_SECONDS)
    else:
        acquired = local_lock.acquire(blocking=False)
    if not acquired:
        # Another thread here is building; serve what we have.
        if usable_stale is not None:
            return _result(usable_stale, stale=True, source=source)
        return _build_without_lock(key, build, fresh, stale, versions)
    try:
        entry, source = _lookup(key)  # another thread may have just built it
        if entry is not None and _valid(entry, versions) and time.time() < entry.fresh_until:
            return _result(entry, stale=False, source=source)
        if entry is not None and time.time() < entry.stale_until:
            usable_stale = entry
        return _build_with_shared_lock(key, build, fresh, stale, versions, usable_stale)
    finally:
        local_lock.release()


def _record_outcome(result: Cached | Unavailable) -> None:
    """Count a read in the monitoring metrics as a hit, a stale serve or a miss.

    A miss is a read that ran `build` or had nothing to serve; a fresh copy that another
    caller just built is a hit.
    """
    if result.is_stale and isinstance(result, Cached):
        outcome = "stale"
    elif isinstance(result, Unavailable) or result.source == "live":
        outcome = "miss"
    else:
        outcome = "hit"
    try:
        from apps.monitoring.metrics import record_cache

        record_cache(outcome)
    except Exception as error:  # a metrics failure must never break a read
        _warn_metrics_failure(error)


def _warn_metrics_failure(error: Exception) -> None:
    global _metrics_warned_at
    now = time.monotonic()
    if now - _metrics_warned_at >= METRICS_WARNING_INTERVAL:
        _metrics_warned_at = now
        logger.warning("Recording a cache metric failed (%s); reads go on without it", error)


def _build_with_shared_lock(key, build, fresh, stale, versions, usable_stale):
    token = uuid.uuid4().hex
    lock_ttl = settings.RESILIENCE_CACHE_LOCK_SECONDS
    # NOTE: add() is atomic on Redis (SET NX). Django's file cache checks and then writes,
    # so on the embedded default two processes can rarely both build the same key.
    got_lock = _shared_call("add", _lock_key(key), token, lock_ttl, default=_MISSING)
    if got_lock is _MISSING or (got_lock is False and not _shared_available()):
        got_lock = False  # the shared tier is down: build here without waiting
    elif not got_lock:
        # Another process is building it.
        if usable_stale is not None:
            return _result(usable_stale, stale=True, source="shared")
        waited = _wait_for_build(key, versions)
        if waited is not None:
            return _result(waited, stale=False, source="shared")
    try:
        return _build_and_store(key, build, fresh, stale, versions, usable_stale)
    finally:
        if got_lock and _shared_call("get", _lock_key(key)) == token:
            _shared_call("delete", _lock_key(key))


def _build_without_lock(key, build, fresh, stale, versions):
    return _build_and_store(key, build, fresh, stale, versions, None)


def _wait_for_build(key: str, versions: dict[str, int]) -> _Entry | None:
    deadline = time.monotonic() + settings.RESILIENCE_CACHE_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.02)
        entry = _shared_call("get", _entry_key(key))
        if isinstance(entry, _Entry) and _valid(entry, versions) and time.time() < entry.fresh_until:
            _local.set(key, entry)
            return entry
    return None


def _build_and_store(key, build, fresh, stale, versions, usable_stale):
    started = time.time()
    try:
        value = build()
    except Exception as error:
        if usable_stale is not None:
            logger.warning(
                "Cache rebuild of %s failed (%s); serving the copy built %.0f s ago",
                key,
                error,
                started - usable_stale.built_at,
                extra={"cache_key": key},
            )
            return _result(usable_stale, stale=True, source="stale-if-error")
        logger.warning("Cache build of %s failed (%s); nothing to serve", key, error, extra={"cache_key": key})
        return Unavailable(reason=f"{type(error).__name__}")

    jitter = settings.RESILIENCE_CACHE_JITTER
    fresh_for = fresh * (1 - jitter * random.random())
    entry = _Entry(
        value=value,
        built_at=started,
        fresh_until=started + fresh_for,
        stale_until=started + fresh + stale,
        tags=dict(versions),
    )
    _local.set(key, entry)
    _shared_call("set", _entry_key(key), entry, int(fresh + stale) + 1)
    return _result(entry, stale=False, source="live")


def _lookup(key: str) -> tuple[_Entry | None, str]:
    entry = _local.get(key)
    if entry is not None and time.time() < entry.fresh_until:
        return entry, "memory"
    shared = _shared_call("get", _entry_key(key))
    if isinstance(shared, _Entry):
        _local.set(key, shared)
        return shared, "shared"
    return entry, "memory"


def _valid(entry: _Entry, versions: dict[str, int]) -> bool:
    return all(entry.tags.get(tag, 0) == version for tag, version in versions.items())


def _result(entry: _Entry, *, stale: bool, source: str) -> Cached:
    return Cached(
        value=entry.value,
        built_at=datetime.fromtimestamp(entry.built_at, tz=UTC),
        is_stale=stale,
        source=source,
    )


def _local_lock(key: str) -> threading.Lock:
    with _build_locks_guard:
        lock = _build_locks.get(key)
        if lock is None:
            if len(_build_locks) > 4096:
                _build_locks.clear()
            lock = _build_locks[key] = threading.Lock()
        return lock


def bump(*tags: str) -> None:
    """Mark every entry built from `tags` as outdated, once the current transaction commits.

    Domain services call this when they change the rows behind a cached read, for example
    `bump("jobs:list")` after publishing a job. Outside a transaction it runs at once.
    """
    transaction.on_commit(lambda: _bump_now(tags))


def _bump_now(tags: Iterable[str]) -> None:
    for tag in tags:
        version = _shared_call("incr", _tag_key(tag), default=None)
        if version is None:
            # The key did not exist (incr raised ValueError) or the tier is down.
            version = int(time.time() * 1000)
            _shared_call("set", _tag_key(tag), version, None)
        _tags.bumped(tag, int(version))
        logger.debug("Cache tag %s bumped to %s", tag, version)


def clear_local() -> None:
    """Forget this process's in-memory tier and tag versions (tests, settings changes)."""
    _local.clear()
    _tags.clear()


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "CACHES" or setting.startswith("RESILIENCE_CACHE"):
        clear_local()
