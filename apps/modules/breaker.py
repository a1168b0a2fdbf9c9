"""Per-module breakers for fragments.

After KELMAH_MODULE_BREAKER_FAILURES consecutive fragment failures a module's fragments
are skipped at once for KELMAH_MODULE_BREAKER_COOLDOWN_S seconds. Then one probe render
is let through, and its outcome closes or reopens the breaker.

The boundary talks to breakers only through the ModuleBreaker protocol, so the
in-process LocalBreaker can be swapped for a breaker with shared state by setting
KELMAH_MODULE_BREAKER_CLASS to a class with the same constructor and methods.
"""

import logging
import threading
import time
from typing import Protocol

from django.utils.module_loading import import_string

from apps.modules.conf import setting

logger = logging.getLogger(__name__)


class ModuleBreaker(Protocol):
    name: str

    def allow(self) -> bool:
        """Return True when a call may go ahead (closed, or the single half-open probe)."""

    def record_success(self) -> None: ...

    def record_failure(self) -> None: ...

    @property
    def state(self) -> str:
        """Return "closed", "open" or "half_open"."""

    def reset(self) -> None: ...


class LocalBreaker:
    """A consecutive-failure breaker whose state lives in this process only."""

    def __init__(self, name: str, *, failure_threshold: int, cooldown_seconds: float):
        self.name = name
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_in_flight = False

    @property
    def state(self) -> str:
        with self._lock:
            return self._state_locked(time.monotonic())

    def _state_locked(self, now: float) -> str:
        if self._opened_at is None:
            return "closed"
        if now - self._opened_at < self.cooldown_seconds:
            return "open"
        return "half_open"

    def allow(self) -> bool:
        with self._lock:
            state = self._state_locked(time.monotonic())
            if state == "closed":
                return True
            if state == "open" or self._probe_in_flight:
                return False
            self._probe_in_flight = True
            return True

    def record_success(self) -> None:
        with self._lock:
            was_open = self._opened_at is not None
            self._failures = 0
            self._opened_at = None
            self._probe_in_flight = False
        if was_open:
            logger.info(
                "Module breaker %s closed after a successful probe", self.name, extra={"module_name": self.name}
            )

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            reopen = self._probe_in_flight
            self._probe_in_flight = False
            if not reopen and (self._opened_at is not None or self._failures < self.failure_threshold):
                return
            self._opened_at = time.monotonic()
        logger.warning(
            "Module breaker %s opened after %d consecutive failures; skipping its fragments for %ss",
            self.name,
            self._failures,
            self.cooldown_seconds,
            extra={"module_name": self.name},
        )

    def reset(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probe_in_flight = False


_breakers: dict[str, ModuleBreaker] = {}
_breakers_lock = threading.Lock()


def get_breaker(module_name: str) -> ModuleBreaker:
    """Return the breaker of `module_name`, creating it on first use."""
    breaker = _breakers.get(module_name)
    if breaker is not None:
        return breaker
    with _breakers_lock:
        if module_name not in _breakers:
            _breakers[module_name] = _new_breaker(module_name)
        return _breakers[module_name]


def _new_breaker(module_name: str) -> ModuleBreaker:
    breaker_class = import_string(setting("KELMAH_MODULE_BREAKER_CLASS"))
    return breaker_class(
        f"module:{module_name}",
        failure_threshold=int(setting("KELMAH_MODULE_BREAKER_FAILURES")),
        cooldown_seconds=float(setting("KELMAH_MODULE_BREAKER_COOLDOWN_S")),
    )


def reset_breakers(module_names: list[str] | None = None) -> None:
    """Close the breakers of `module_names` (default: those this process has used) and forget them.

    Tests call this so one test's failures do not leak into the next; with a shared
    breaker the reset also clears the state other processes see.
    """
    with _breakers_lock:
        names = set(_breakers) | set(module_names or ())
        for name in names:
            breaker = _breakers.get(name)
            if breaker is None:
                breaker = _new_breaker(name)
            breaker.reset()
        _breakers.clear()
