"""Decide each subject's status from its health check and its recent metrics.

The dashboard and the incident evaluator both call current_statuses(), so what operators
see and what they are alerted about always agree.
"""

from dataclasses import dataclass, field

from apps.monitoring import components
from apps.monitoring.breakers import breaker_key
from apps.monitoring.health import FAIL, PASS, WARN, CheckResult, runner
from apps.monitoring.models import SubjectStatus
from apps.monitoring.selectors import WindowStats

_ORDER = {
    SubjectStatus.HEALTHY: 0,
    SubjectStatus.UNKNOWN: 1,
    SubjectStatus.MAINTENANCE: 2,
    SubjectStatus.DEGRADED: 3,
    SubjectStatus.FAILED: 4,
}
# Share of a minute's requests that fail before a module counts as failed, not degraded.
FAILED_ERROR_RATE = 0.5


@dataclass
class SubjectView:
    subject: str
    kind: str
    name: str
    status: str = SubjectStatus.HEALTHY
    reasons: list[str] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(SubjectStatus(self.status).label)

    def worsen(self, status: str, reason: str) -> None:
        if _ORDER[status] > _ORDER[self.status]:
            self.status = status
        if reason:
            self.reasons.append(reason)


def status_of_check(result: CheckResult) -> str:
    if result.status == FAIL:
        return SubjectStatus.FAILED
    if result.status == WARN:
        if result.observed_value == "unknown":
            return SubjectStatus.UNKNOWN
        if components.MAINTENANCE_NOTE in result.output.lower():
            return SubjectStatus.MAINTENANCE
        return SubjectStatus.DEGRADED
    return SubjectStatus.HEALTHY


def _apply_metrics(view: SubjectView, minute: WindowStats | None, settings) -> None:
    if minute is None:
        return
    if minute.requests >= settings.module_min_requests:
        if minute.error_rate >= FAILED_ERROR_RATE:
            view.worsen(SubjectStatus.FAILED, f"{minute.error_rate:.0%} of requests failed in the last minute")
        elif minute.error_rate >= settings.module_error_rate_degraded:
            view.worsen(SubjectStatus.DEGRADED, f"{minute.error_rate:.0%} of requests failed in the last minute")
    if minute.fragments >= settings.module_min_requests and minute.degraded_rate >= settings.module_error_rate_degraded:
        view.worsen(SubjectStatus.DEGRADED, f"{minute.degraded_rate:.0%} of fragments rendered degraded")


def current_statuses(
    results: list[CheckResult], windows: dict[str, dict[str, WindowStats]], settings
) -> list[SubjectView]:
    """Return one SubjectView per module, dependency and non-module breaker."""
    by_key = {result.key: result for result in results}
    views: list[SubjectView] = []

    for name in components.module_names():
        view = SubjectView(f"module:{name}", "module", name)
        for key in (f"{name}:status", breaker_key(f"module:{name}")):
            result = by_key.get(key)
            if result is not None:
                view.checks.append(result)
                if result.status != PASS:
                    view.worsen(status_of_check(result), result.output)
        _apply_metrics(view, windows.get(name, {}).get("1m"), settings)
        views.append(view)

    for result in results:
        component, _, measurement = result.key.partition(":")
        if measurement == "status" or component.startswith("module."):
            continue
        kind = "breaker" if measurement == "breaker" else "dependency"
        name = component.replace(".", ":") if kind == "breaker" else component
        view = SubjectView(f"{kind}:{name}", kind, name, checks=[result])
        if result.status != PASS:
            view.worsen(status_of_check(result), result.output)
        views.append(view)
    return views


def evaluate_now() -> list[SubjectView]:
    """Run every check (cached results count) and read the metrics; return the statuses."""
    from apps.monitoring import conf
    from apps.monitoring.selectors import module_windows

    settings = conf.get()
    results = runner.run(components.all_components())
    try:
        windows = module_windows()
    except Exception:  # the metrics store is down; statuses fall back to the checks alone
        windows = {}
    return current_statuses(results, windows, settings)
