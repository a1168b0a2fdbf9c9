"""Read shared switch tables through a short in-process snapshot that never raises.

The snapshot is reloaded at most once per KELMAH_SWITCH_CACHE_TTL_S. A failed load (the
database down, the table not migrated yet, database access forbidden in this context)
keeps the site serving: the loader's fallback is used and a warning is logged at most
once per minute.
"""

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from apps.modules.conf import setting

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Set while a snapshot loads, so a query wrapper that itself reads a snapshot (the
# per-module database fault) gets the current copy instead of re-entering the load.
_loading: contextvars.ContextVar[bool] = contextvars.ContextVar("kelmah_snapshot_loading", default=False)


class Snapshot(Generic[T]):
    def __init__(self, name: str, loader: Callable[[], T], fallback: Callable[[], T]):
        self.name = name
        self._loader = loader
        self._fallback = fallback
        self._lock = threading.Lock()
        self._value: T | None = None
        self._loaded_at = float("-inf")
        self._last_warning_at = -1e9

    def get(self) -> T:
        now = time.monotonic()
        if self._fresh(now):
            return self._value  # type: ignore[return-value]
        if _loading.get():
            return self._value if self._value is not None else self._fallback()
        with self._lock:
            if self._fresh(now):
                return self._value  # type: ignore[return-value]
            self._value = self._load(now)
            self._loaded_at = time.monotonic()
            return self._value

    def _fresh(self, now: float) -> bool:
        # The lifetime is read on every call, so a changed setting applies to the copy
        # already loaded, not only to the next one.
        return now < self._loaded_at + float(setting("KELMAH_SWITCH_CACHE_TTL_S"))

    def is_fresh(self) -> bool:
        return self._fresh(time.monotonic())

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = float("-inf")

    def _load(self, now: float) -> T:
        token = _loading.set(True)
        try:
            connection = connections[DEFAULT_DB_ALIAS]
            if connection.in_atomic_block:
                # A savepoint keeps a failed read from aborting the caller's transaction.
                with transaction.atomic():
                    return self._loader()
            return self._loader()
        except Exception as error:
            # Any failure, not only DatabaseError: the database may be down, the table
            # missing before migrate, or access forbidden (async context, test guard).
            if now - self._last_warning_at > 60:
                self._last_warning_at = now
                logger.warning("Could not read %s, using the fallback: %r", self.name, error)
            return self._fallback()
        finally:
            _loading.reset(token)
