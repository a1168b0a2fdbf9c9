"""Circuit breakers, one per outside dependency and one per module, shared by all processes.

Public API (stable):

    breaker(name: str) -> CircuitBreaker
    all_breakers() -> list[CircuitBreaker]           # configured names plus any seen in the store
    is_failure(error: BaseException) -> bool         # the default failure classification
    class BreakerOpen(Exception): name, state, retry_after (seconds), reason

    CircuitBreaker.call(func, *args, **kwargs)                # sync; raises BreakerOpen
    await CircuitBreaker.acall(async_func, *args, **kwargs)   # asyncio
    with CircuitBreaker.guard(): ...                          # sync block
    async with CircuitBreaker.aguard(): ...                   # asyncio block
    CircuitBreaker.allow() -> Permit; CircuitBreaker.record(permit, failed=..., duration=...)
    CircuitBreaker.state -> str; CircuitBreaker.is_open -> bool (would a call fail fast now?)
    CircuitBreaker.force_open(reason=...), force_close(reason=...), reset(reason=...)
    CircuitBreaker.describe() -> dict                         # for the admin and `breakers list`

Names: "redis", "provider:paystack", "provider:momo", "sms", "email", and "module:<app>" for
modules. Settings: RESILIENCE_BREAKER_DEFAULTS, RESILIENCE_BREAKERS (per name, or per prefix
as "module:*"), RESILIENCE_BREAKER_STORE (redis://, sqlite:///path or memory://).

The shared state lives in the store (apps.resilience.breaker_store) but stays off the
per-call path: each process keeps a snapshot refreshed at most every
`refresh_interval` seconds, and adds its call counts to the shared window in the same
round trip. A trip, a probe claim and a close write to the store at once, so every
process sees a trip within one refresh interval. A process never resets shared state
when it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from apps.resilience.breaker_store import (
    CLOSED,
    FORCED_CLOSED,
    FORCED_OPEN,
    HALF_OPEN,
    OPEN,
    BreakerState,
    BreakerStore,
    Counts,
    build_store,
)
from apps.resilience.signals import breaker_state_changed

logger = logging.getLogger(__name__)

__all__ = [
    "CLOSED",
    "FORCED_CLOSED",
    "FORCED_OPEN",
    "HALF_OPEN",
    "OPEN",
    "BreakerConfig",
    "BreakerOpen",
    "CircuitBreaker",
    "Permit",
    "all_breakers",
    "breaker",
    "is_failure",
]


class BreakerOpen(Exception):
    """A call was refused without being attempted because its breaker is open.

    `retry_after` is the number of seconds until the breaker lets a probe through (0 when
    unknown, for example while another process holds the half-open probe).
    """

    def __init__(self, name: str, *, state: str, retry_after: float = 0.0, reason: str = "") -> None:
        self.name = name
        self.state = state
        self.retry_after = max(0.0, retry_after)
        self.reason = reason
        if state == HALF_OPEN:
            detail = "a recovery probe is already in flight"
        elif state == FORCED_OPEN:
            detail = "an operator forced it open"
        else:
            detail = f"retry in {self.retry_after:.1f} s"
        super().__init__(f"Circuit breaker {name!r} is {state}: {detail}")


@dataclass(frozen=True)
class BreakerConfig:
    """Thresholds of one breaker; the settings document each value's reason."""

    consecutive_failures: int = 5
    failure_rate: float = 0.5
    slow_call_rate: float = 0.8
    slow_call_seconds: float = 2.0
    window_seconds: int = 30
    minimum_calls: int = 10
    open_seconds: float = 5.0
    max_open_seconds: float = 300.0
    open_jitter: float = 0.2
    half_open_probes: int = 1
    probe_timeout_seconds: float = 30.0
    refresh_interval: float = 1.0

    def __post_init__(self) -> None:
        checks = {
            "consecutive_failures": self.consecutive_failures >= 1,
            "failure_rate": 0 < self.failure_rate <= 1,
            "slow_call_rate": 0 < self.slow_call_rate <= 1,
            "slow_call_seconds": self.slow_call_seconds > 0,
            "window_seconds": self.window_seconds >= 1,
            "minimum_calls": self.minimum_calls >= 1,
            "open_seconds": self.open_seconds > 0,
            "max_open_seconds": self.max_open_seconds >= self.open_seconds,
            "open_jitter": 0 <= self.open_jitter < 1,
            "half_open_probes": self.half_open_probes >= 1,
            "probe_timeout_seconds": self.probe_timeout_seconds > 0,
            "refresh_interval": 0 <= self.refresh_interval <= 10,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"Invalid breaker settings: {', '.join(bad)} out of range")

    @property
    def bucket_seconds(self) -> int:
        return max(1, self.window_seconds // 10)


@dataclass
class Permit:
    """Permission for one call; hand it back to record() with the outcome."""

    probe: bool = False
    started: float = 0.0


def is_failure(error: BaseException) -> bool:
    """Return True when `error` should count against a breaker.

    Timeouts, connection errors, 5xx and 429 responses count; client errors (other 4xx,
    domain errors with a status below 500) are the caller's fault and count as successes.
    """
    status = _status_of(error)
    if status is not None:
        return status >= 500 or status == 429
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.http import Http404

    return not isinstance(error, (BreakerOpen, Http404, PermissionDenied, ValidationError))


def _status_of(error: BaseException) -> int | None:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        return status
    status = getattr(error, "status", None)
    try:
        return int(status) if status is not None else None
    except (TypeError, ValueError):
        return None


def _aware(epoch: float) -> datetime | None:
    return datetime.fromtimestamp(epoch, tz=UTC) if epoch else None


_transitions_counter = None


def _count_transition(name: str, old: str, new: str) -> None:
    global _transitions_counter
    try:
        if _transitions_counter is None:
            from prometheus_client import Counter

            _transitions_counter = Counter(
                "kelmah_breaker_transitions", "Circuit breaker state transitions", ["breaker", "from_state", "to_state"]
            )
        _transitions_counter.labels(breaker=name, from_state=old, to_state=new).inc()
    except ValueError:  # registered twice after a settings reload in tests
        pass


class CircuitBreaker:
    """One named breaker in this process; its state is shared through the store."""

    def __init__(self, name: str, config: BreakerConfig, store: BreakerStore) -> None:
        self.name = name
        self.config = config
        self.store = store
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._snapshot = BreakerState()
        self._window = Counts()
        self._snapshot_at = float("-inf")
        self._pending: dict[int, Counts] = {}
        self._consecutive_failures = 0
        self.transitions: dict[str, int] = {}

    # Reading state ----------------------------------------------------------------

    @property
    def state(self) -> str:
        self._refresh(force=False)
        snapshot = self._snapshot
        if snapshot.state == OPEN and time.time() >= snapshot.open_until:
            return HALF_OPEN
        return snapshot.state

    @property
    def is_open(self) -> bool:
        """True when a call now would fail fast (open, forced open, or half-open with no probe free)."""
        self._refresh(force=False)
        snapshot = self._snapshot
        if snapshot.state in (CLOSED, FORCED_CLOSED):
            return False
        if snapshot.state == FORCED_OPEN:
            return True
        now = time.time()
        if snapshot.state == OPEN:
            return now < snapshot.open_until
        return snapshot.probes >= self.config.half_open_probes and now < snapshot.probe_deadline

    def describe(self) -> dict[str, Any]:
        self._refresh(force=True)
        snapshot = self._snapshot
        return {
            "name": self.name,
            "state": self.state,
            "opened_at": _aware(snapshot.opened_at),
            "open_until": _aware(snapshot.open_until) if snapshot.state == OPEN else None,
            "trips": snapshot.trips,
            "reason": snapshot.reason,
            "window_calls": self._window.calls,
            "window_failures": self._window.failures,
            "window_slow": self._window.slow,
            "shared": self.store.shared,
        }

    # Calling through the breaker -------------------------------------------------

    def allow(self) -> Permit:
        """Return a Permit for one call, or raise BreakerOpen without making the call."""
        self._refresh(force=False)
        snapshot = self._snapshot
        now = time.time()
        if snapshot.state in (CLOSED, FORCED_CLOSED):
            return Permit(started=time.perf_counter())
        if snapshot.state == FORCED_OPEN:
            raise BreakerOpen(self.name, state=FORCED_OPEN, reason=snapshot.reason)
        if snapshot.state == OPEN and now < snapshot.open_until:
            raise BreakerOpen(self.name, state=OPEN, retry_after=snapshot.open_until - now, reason=snapshot.reason)
        probes_taken = snapshot.probes >= self.config.half_open_probes and now < snapshot.probe_deadline
        if snapshot.state == HALF_OPEN and probes_taken:
            raise BreakerOpen(self.name, state=HALF_OPEN, reason=snapshot.reason)
        if self._claim_probe(now):
            return Permit(probe=True, started=time.perf_counter())
        snapshot = self._snapshot
        if snapshot.state in (CLOSED, FORCED_CLOSED):
            return Permit(started=time.perf_counter())
        retry_after = snapshot.open_until - now if snapshot.state == OPEN else 0.0
        raise BreakerOpen(self.name, state=snapshot.state, retry_after=retry_after, reason=snapshot.reason)

    def record(self, permit: Permit, *, failed: bool, duration: float | None = None, reason: str = "") -> None:
        """Record the outcome of a call made under `permit`."""
        if duration is None:
            duration = time.perf_counter() - permit.started
        slow = duration >= self.config.slow_call_seconds
        if permit.probe:
            if failed or slow:
                self._reopen_after_probe(reason or ("slow probe" if slow else "probe failed"))
            else:
                self._probe_succeeded()
            return
        if self._snapshot.state == FORCED_CLOSED:
            return
        self._add_outcome(failed=failed, slow=slow)
        if failed or slow:
            self._check_trip(reason)

    def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call `func` through the breaker; failures are classified by is_failure()."""
        permit = self.allow()
        try:
            result = func(*args, **kwargs)
        except BaseException as error:
            self.record(permit, failed=is_failure(error), reason=_reason(error))
            raise
        self.record(permit, failed=False)
        return result

    async def acall(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Await `func(*args, **kwargs)` through the breaker."""
        permit = await self._allow_async()
        try:
            result = await func(*args, **kwargs)
        except BaseException as error:
            await self._record_async(permit, failed=is_failure(error), reason=_reason(error))
            raise
        await self._record_async(permit, failed=False)
        return result

    @contextlib.contextmanager
    def guard(self):
        """Run the block through the breaker: `with breaker("sms").guard(): send(...)`."""
        permit = self.allow()
        try:
            yield permit
        except BaseException as error:
            self.record(permit, failed=is_failure(error), reason=_reason(error))
            raise
        self.record(permit, failed=False)

    @contextlib.asynccontextmanager
    async def aguard(self):
        """The asyncio form of guard()."""
        permit = await self._allow_async()
        try:
            yield permit
        except BaseException as error:
            await self._record_async(permit, failed=is_failure(error), reason=_reason(error))
            raise
        await self._record_async(permit, failed=False)

    async def _allow_async(self) -> Permit:
        # A store round trip may block (up to the store timeout when Redis hangs), so it
        # runs in a thread; the usual case needs none and stays on the event loop.
        if self._needs_store():
            return await asyncio.to_thread(self.allow)
        return self.allow()

    async def _record_async(self, permit: Permit, *, failed: bool, reason: str = "") -> None:
        duration = time.perf_counter() - permit.started
        if permit.probe or failed or self._needs_store():
            await asyncio.to_thread(self.record, permit, failed=failed, duration=duration, reason=reason)
        else:
            self.record(permit, failed=failed, duration=duration, reason=reason)

    def _needs_store(self) -> bool:
        if time.monotonic() - self._snapshot_at >= self.config.refresh_interval:
            return True
        return self._snapshot.state in (OPEN, HALF_OPEN) and time.time() >= self._snapshot.open_until

    # Operator controls -----------------------------------------------------------

    def force_open(self, *, reason: str = "forced open by an operator") -> None:
        now = time.time()
        self._transition(
            lambda s: dataclasses.replace(s, state=FORCED_OPEN, opened_at=s.opened_at or now, reason=reason),
            reason,
        )

    def force_close(self, *, reason: str = "forced closed by an operator") -> None:
        self._transition(
            lambda s: dataclasses.replace(s, state=FORCED_CLOSED, opened_at=0.0, open_until=0.0, reason=reason),
            reason,
        )
        self._clear_window()

    def reset(self, *, reason: str = "reset by an operator") -> None:
        """Close the breaker and forget its counts and open-period growth."""
        self._transition(lambda s: BreakerState(reason=reason, version=s.version), reason)
        self._clear_window()

    # Internals --------------------------------------------------------------------

    def _refresh(self, *, force: bool) -> None:
        now_monotonic = time.monotonic()
        if not force and now_monotonic - self._snapshot_at < self.config.refresh_interval:
            return
        # One thread syncs; the others keep using the snapshot they have.
        if not self._sync_lock.acquire(blocking=force):
            return
        try:
            with self._lock:
                pending, self._pending = self._pending, {}
            bucket_seconds = self.config.bucket_seconds
            since = int(time.time() // bucket_seconds) - self.config.window_seconds // bucket_seconds + 1
            result = self.store.sync(self.name, pending, since, self.config.window_seconds * 2)
            self._snapshot, self._window = result.state, result.window
            self._snapshot_at = time.monotonic()
        finally:
            self._sync_lock.release()

    def _add_outcome(self, *, failed: bool, slow: bool) -> None:
        bucket = int(time.time() // self.config.bucket_seconds)
        with self._lock:
            counts = self._pending.setdefault(bucket, Counts())
            counts.calls += 1
            counts.failures += int(failed)
            counts.slow += int(slow)
            self._consecutive_failures = self._consecutive_failures + 1 if failed else 0

    def _check_trip(self, reason: str) -> None:
        config = self.config
        with self._lock:
            consecutive = self._consecutive_failures
            window = Counts(self._window.calls, self._window.failures, self._window.slow)
            for counts in self._pending.values():
                window.add(counts)
        why = ""
        if consecutive >= config.consecutive_failures:
            why = f"{consecutive} consecutive failures"
        elif window.calls >= config.minimum_calls:
            if window.failures / window.calls >= config.failure_rate:
                why = f"failure rate {window.failures}/{window.calls} over {config.window_seconds} s"
            elif window.slow / window.calls >= config.slow_call_rate:
                why = f"slow-call rate {window.slow}/{window.calls} over {config.window_seconds} s"
        if why:
            self._trip(f"{why}; last error: {reason}" if reason else why)

    def _open_period(self, trips: int) -> float:
        """Seconds to stay open after the `trips`-th consecutive opening: doubled, capped, jittered down."""
        config = self.config
        period = min(config.max_open_seconds, config.open_seconds * 2 ** max(0, trips - 1))
        return period * (1 - config.open_jitter * random.random())

    def _trip(self, reason: str) -> None:
        now = time.time()

        def open_it(s: BreakerState) -> BreakerState | None:
            if s.state != CLOSED:
                return None
            trips = s.trips + 1
            return dataclasses.replace(
                s,
                state=OPEN,
                opened_at=now,
                open_until=now + self._open_period(trips),
                trips=trips,
                probes=0,
                probe_successes=0,
                reason=reason,
            )

        if self._transition(open_it, reason):
            with self._lock:
                self._consecutive_failures = 0
            self._clear_window()

    def _claim_probe(self, now: float) -> bool:
        limit = self.config.half_open_probes
        claimed = False

        def claim(s: BreakerState) -> BreakerState | None:
            nonlocal claimed
            if s.state == OPEN and now >= s.open_until:
                claimed = True
                return dataclasses.replace(
                    s,
                    state=HALF_OPEN,
                    probes=1,
                    probe_successes=0,
                    probe_deadline=now + self.config.probe_timeout_seconds,
                )
            if s.state == HALF_OPEN and (s.probes < limit or now >= s.probe_deadline):
                claimed = True
                expired = now >= s.probe_deadline
                return dataclasses.replace(
                    s,
                    probes=1 if expired else s.probes + 1,
                    probe_successes=0 if expired else s.probe_successes,
                    probe_deadline=now + self.config.probe_timeout_seconds if expired else s.probe_deadline,
                )
            return None

        self._transition(claim, "open period over; letting a probe through")
        return claimed

    def _probe_succeeded(self) -> None:
        needed = self.config.half_open_probes

        def succeed(s: BreakerState) -> BreakerState | None:
            if s.state != HALF_OPEN:
                return None
            if s.probe_successes + 1 < needed:
                return dataclasses.replace(s, probe_successes=s.probe_successes + 1)
            return BreakerState(reason="probe succeeded", version=s.version)

        if self._transition(succeed, "probe succeeded"):
            self._clear_window()

    def _reopen_after_probe(self, reason: str) -> None:
        now = time.time()

        def reopen(s: BreakerState) -> BreakerState | None:
            if s.state != HALF_OPEN:
                return None
            trips = s.trips + 1
            return dataclasses.replace(
                s,
                state=OPEN,
                opened_at=now,
                open_until=now + self._open_period(trips),
                trips=trips,
                probes=0,
                probe_successes=0,
                reason=reason,
            )

        self._transition(reopen, reason)

    def _clear_window(self) -> None:
        with self._lock:
            self._pending.clear()
            self._window = Counts()
            self._consecutive_failures = 0
        self.store.clear_window(self.name)

    def _transition(self, updater, reason: str) -> bool:
        """Apply `updater` to the shared state; log and signal if the state name changed."""
        old, new = self.store.update(self.name, updater)
        self._snapshot = new
        self._snapshot_at = time.monotonic()
        if old.state == new.state:
            return new is not old and new.version != old.version
        self._announce(old.state, new, reason)
        return True

    def _announce(self, old: str, new: BreakerState, reason: str) -> None:
        self.transitions[new.state] = self.transitions.get(new.state, 0) + 1
        _count_transition(self.name, old, new.state)
        log = logger.warning if new.state in (OPEN, FORCED_OPEN) else logger.info
        log(
            "Circuit breaker %s: %s -> %s (%s)",
            self.name,
            old,
            new.state,
            reason,
            extra={"breaker": self.name, "from_state": old, "to_state": new.state, "shared": self.store.shared},
        )
        responses = breaker_state_changed.send_robust(
            sender=CircuitBreaker,
            name=self.name,
            old=old,
            new=new.state,
            reason=reason,
            opened_at=_aware(new.opened_at),
        )
        for receiver_func, response in responses:
            if isinstance(response, Exception):
                logger.error(
                    "breaker_state_changed receiver %r failed: %s",
                    receiver_func,
                    response,
                    extra={"breaker": self.name},
                )


def _reason(error: BaseException) -> str:
    status = _status_of(error)
    text = f"{type(error).__name__}: {error}"[:200]
    return f"HTTP {status}" if status is not None else text


class _Registry:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._breakers: dict[str, CircuitBreaker] = {}
        self._store: BreakerStore | None = None

    @property
    def store(self) -> BreakerStore:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = build_store(
                        settings.RESILIENCE_BREAKER_STORE,
                        timeout=settings.RESILIENCE_BREAKER_STORE_TIMEOUT,
                        retry_after=settings.RESILIENCE_BREAKER_STORE_RETRY_SECONDS,
                    )
        return self._store

    def get(self, name: str) -> CircuitBreaker:
        found = self._breakers.get(name)
        if found is not None:
            return found
        with self._lock:
            found = self._breakers.get(name)
            if found is None:
                found = CircuitBreaker(name, config_for(name), self.store)
                self._breakers[name] = found
        return found

    def clear(self) -> None:
        with self._lock:
            self._breakers.clear()
            self._store = None


_registry = _Registry()


def config_for(name: str) -> BreakerConfig:
    """Merge RESILIENCE_BREAKER_DEFAULTS with the entry for `name` or its "prefix:*" entry."""
    per_name = getattr(settings, "RESILIENCE_BREAKERS", {})
    values = dict(getattr(settings, "RESILIENCE_BREAKER_DEFAULTS", {}))
    prefix = name.split(":", 1)[0]
    values.update(per_name.get(f"{prefix}:*", {}) if ":" in name else {})
    values.update(per_name.get(name, {}))
    return BreakerConfig(**values)


def breaker(name: str) -> CircuitBreaker:
    """Return this process's breaker called `name`, creating it on first use."""
    return _registry.get(name)


def all_breakers() -> list[CircuitBreaker]:
    """Return the configured breakers plus every breaker the shared store has seen."""
    names = {n for n in getattr(settings, "RESILIENCE_BREAKERS", {}) if not n.endswith(":*")}
    names.update(_registry.store.names())
    names.update(_registry._breakers)
    return [breaker(name) for name in sorted(names)]


def reset_registry() -> None:
    """Forget this process's breaker objects and store connection (after a settings change)."""
    _registry.clear()


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("RESILIENCE_BREAKER"):
        reset_registry()


class SharedModuleBreaker:
    """A module breaker for apps.modules' fragment boundary, with state shared by all processes.

    Implements the boundary's ModuleBreaker protocol (allow, record_success,
    record_failure, state, reset) on top of a CircuitBreaker named `name` ("module:jobs").
    Select it with KELMAH_MODULE_BREAKER_CLASS = "apps.resilience.breakers.SharedModuleBreaker".
    The permit between allow() and the record call is kept per thread.
    """

    def __init__(self, name: str, *, failure_threshold: int, cooldown_seconds: float) -> None:
        self.name = name
        base = config_for(name)
        config = dataclasses.replace(
            base,
            consecutive_failures=failure_threshold,
            open_seconds=cooldown_seconds,
            max_open_seconds=max(base.max_open_seconds, cooldown_seconds),
        )
        self._breaker = CircuitBreaker(name, config, _registry.store)
        self._permits = threading.local()

    @property
    def state(self) -> str:
        state = self._breaker.state
        return {FORCED_OPEN: OPEN, FORCED_CLOSED: CLOSED}.get(state, state)

    def allow(self) -> bool:
        try:
            self._permits.current = self._breaker.allow()
        except BreakerOpen:
            return False
        return True

    def _take_permit(self) -> Permit:
        permit = getattr(self._permits, "current", None)
        self._permits.current = None
        return permit or Permit(started=time.perf_counter())

    def record_success(self) -> None:
        self._breaker.record(self._take_permit(), failed=False)

    def record_failure(self) -> None:
        self._breaker.record(self._take_permit(), failed=True, reason="fragment failed")

    def reset(self) -> None:
        self._breaker.reset(reason="module breaker reset")
