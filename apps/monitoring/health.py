"""Run health checks in parallel, each with its own timeout, and cache what they find.

A check runs on its own daemon thread. The caller waits at most until the check's deadline
(its start time plus its timeout) and then reports it as timed out, so a hung dependency
can never hang an endpoint. A check that is still running is not started again. Later
callers share the running attempt, and once its deadline has passed they report it as
timed out without waiting. Results are reused for a short while, longer for a pass than for a fail.
"""

import asyncio
import dataclasses
import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from django.db import connections
from django.utils import timezone
from health_check.exceptions import HealthCheckException, ServiceWarning

from apps.monitoring import conf
from apps.monitoring.checks import Observation

logger = logging.getLogger(__name__)

PASS, WARN, FAIL = "pass", "warn", "fail"
ALL_MODULES = "*"


@dataclasses.dataclass(frozen=True)
class Component:
    """One named check: what to build, how long it may take, and whom it affects.

    `key` follows the health+json draft's "component:measurement" form. `build` returns a
    health_check HealthCheck (or any object with a run() method). A critical component's
    failure means the site cannot serve users; others only degrade it.
    """

    key: str
    build: Callable[[], object]
    component_type: str = "component"
    critical: bool = False
    modules: tuple[str, ...] = (ALL_MODULES,)
    timeout: float | None = None

    @property
    def component(self) -> str:
        return self.key.split(":", 1)[0]

    def affects(self, module: str) -> bool:
        return ALL_MODULES in self.modules or module in self.modules


@dataclasses.dataclass(frozen=True)
class CheckResult:
    key: str
    status: str
    observed_value: float | int | str | None
    observed_unit: str | None
    time: str
    output: str
    component_type: str
    critical: bool
    modules: tuple[str, ...]
    duration_ms: float
    details: dict | None = None

    def as_health_json(self) -> dict:
        entry = {
            "componentType": self.component_type,
            "status": self.status,
            "time": self.time,
            "affectedModules": list(self.modules),
        }
        if self.observed_value is not None:
            entry["observedValue"] = self.observed_value
        if self.observed_unit:
            entry["observedUnit"] = self.observed_unit
        if self.output:
            entry["output"] = self.output
        return entry


def execute_check(check) -> tuple[str, Observation | None, str]:
    """Run one check on the current thread; return (status, observation, output)."""
    try:
        outcome = check.run()
        if inspect.isawaitable(outcome):
            # Each check thread runs its own event loop, so an async check never waits
            # behind another one.
            outcome = asyncio.run(_await(outcome))
    except ServiceWarning as error:
        return WARN, getattr(error, "observation", None), str(error.message)
    except HealthCheckException as error:
        return FAIL, getattr(error, "observation", None), str(error.message)
    except Exception as error:
        logger.warning("Health check %r raised unexpectedly", check, exc_info=True)
        return FAIL, None, f"Check raised {type(error).__name__}"
    finally:
        # Connections are per thread; close this thread's so none is left open.
        connections.close_all()
    if isinstance(outcome, Observation):
        return PASS, outcome, outcome.output
    if isinstance(outcome, int | float) and not isinstance(outcome, bool):
        return PASS, Observation(outcome), ""
    return PASS, None, ""


async def _await(awaitable):
    return await awaitable


class CheckRunner:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[CheckResult, float]] = {}
        self._running: dict[str, tuple[Future, float, float]] = {}

    def forget(self, key: str) -> None:
        """Drop one cached result, so the next run checks again."""
        with self._lock:
            self._cache.pop(key, None)

    def forget_all(self) -> None:
        with self._lock:
            self._cache.clear()

    def run(self, components: Iterable[Component]) -> list[CheckResult]:
        """Return one result per component, waiting no longer than the configured deadline."""
        settings = conf.get()
        started = time.monotonic()
        pending = []
        results: dict[str, CheckResult] = {}
        for component in components:
            cached = self._cached(component.key)
            if cached is not None:
                results[component.key] = cached
            else:
                pending.append((component, *self._start(component, settings)))

        for component, future, check_started, timeout in pending:
            deadline = min(check_started + timeout, started + settings.check_deadline)
            try:
                results[component.key] = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                results[component.key] = self._timed_out(component, timeout)
        return list(results.values())

    def _cached(self, key: str) -> CheckResult | None:
        with self._lock:
            entry = self._cache.get(key)
        if entry is not None and entry[1] > time.monotonic():
            return entry[0]
        return None

    def _start(self, component: Component, settings) -> tuple[Future, float, float]:
        with self._lock:
            running = self._running.get(component.key)
            if running is not None and not running[0].done():
                return running
            future: Future = Future()
            timeout = component.timeout or settings.check_timeout
            entry = (future, time.monotonic(), timeout)
            self._running[component.key] = entry
        thread = threading.Thread(
            target=self._work,
            args=(component, future, settings),
            name=f"health-{component.key}",
            daemon=True,
        )
        thread.start()
        return entry

    def _work(self, component: Component, future: Future, settings) -> None:
        began = time.monotonic()
        try:
            status, observation, output = execute_check(component.build())
        except BaseException as error:  # building the check failed (bad settings, an import)
            logger.warning("Health check %s could not be built", component.key, exc_info=True)
            status, observation, output = FAIL, None, f"Check could not start: {type(error).__name__}"
        duration_ms = (time.monotonic() - began) * 1000
        if observation is None and status != FAIL:
            observation = Observation(round(duration_ms, 1), "ms")
        result = CheckResult(
            key=component.key,
            status=status,
            observed_value=observation.value if observation else None,
            observed_unit=observation.unit if observation else None,
            time=timezone.now().isoformat(),
            output=output,
            component_type=component.component_type,
            critical=component.critical,
            modules=component.modules,
            duration_ms=round(duration_ms, 1),
            details=observation.details if observation else None,
        )
        _record_duration(component, status, duration_ms)
        ttl = settings.fail_ttl if status == FAIL else settings.pass_ttl
        with self._lock:
            self._cache[component.key] = (result, time.monotonic() + ttl)
        future.set_result(result)

    def _timed_out(self, component: Component, timeout: float) -> CheckResult:
        logger.warning("Health check %s timed out after %.1f s", component.key, timeout, extra={"check": component.key})
        return CheckResult(
            key=component.key,
            status=FAIL,
            observed_value=None,
            observed_unit=None,
            time=timezone.now().isoformat(),
            output=f"Timed out after {timeout:g} s",
            component_type=component.component_type,
            critical=component.critical,
            modules=component.modules,
            duration_ms=round(timeout * 1000, 1),
        )


def _record_duration(component: Component, status: str, duration_ms: float) -> None:
    """Count a dependency check's run, so its cards show latency percentiles and failures."""
    from apps.monitoring import metrics
    from apps.monitoring.percentiles import bucket_field

    if component.component_type == "module" or component.key.endswith(":breaker"):
        return
    try:
        metrics.recorder.count(
            f"_dep:{component.component}",
            {"requests": 1, "errors": int(status == FAIL), f"lat:{bucket_field(duration_ms)}": 1},
        )
    except Exception:  # metrics must never break a health check
        logger.warning("Recording the duration of %s failed", component.key, exc_info=True)


runner = CheckRunner()


def overall_status(results: Iterable[CheckResult], *, also_critical: Iterable[str] = ()) -> str:
    """Fail when a critical check fails; warn when anything else is not passing.

    `also_critical` names checks to treat as critical for this response only, such as a
    module's own check on that module's endpoint.
    """
    extra = set(also_critical)
    overall = PASS
    for result in results:
        if result.status == FAIL and (result.critical or result.key in extra):
            return FAIL
        if result.status != PASS:
            overall = WARN
    return overall


def health_document(results: list[CheckResult], *, status: str, description: str) -> dict:
    """Build a body in the "Health Check Response Format for HTTP APIs" draft's shape."""
    checks: dict[str, list[dict]] = {}
    for result in sorted(results, key=lambda item: item.key):
        checks.setdefault(result.key, []).append(result.as_health_json())
    failing = [result.key for result in results if result.status != PASS]
    document = {
        "status": status,
        "version": "1",
        "serviceId": "kelmah",
        "description": description,
        "checks": checks,
    }
    if failing:
        document["notes"] = [f"Not passing: {', '.join(sorted(failing))}"]
    return document
