"""Prometheus exposition of the shared figures, with a `module` label where one applies.

The collector reads the shared metrics store and the cached health results on each
scrape, so any process reports the figures of all of them; no multiprocess directory is needed.
Window figures are gauges over the rolling windows (1m, 15m, 1h), named by window.
"""

import logging

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from apps.monitoring import components, conf, selectors
from apps.monitoring.health import FAIL, PASS, runner
from apps.monitoring.models import SubjectStatus
from apps.monitoring.status import current_statuses

logger = logging.getLogger(__name__)

_CHECK_VALUE = {PASS: 1.0, FAIL: 0.0}


def _gauge(name: str, documentation: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=labels)


class KelmahCollector(Collector):
    def collect(self):
        results = runner.run(components.all_components())
        try:
            windows = selectors.module_windows()
        except Exception:  # the store is down: report the checks, and say so
            logger.warning("Metrics store unreadable during a scrape", exc_info=True)
            windows = {}
        store_up = _gauge("kelmah_metrics_store_up", "1 when the shared metrics store could be read", [])
        store_up.add_metric([], 1.0 if windows or _store_readable() else 0.0)
        yield store_up

        yield from self._health(results)
        yield from self._dependency_windows()
        yield from self._modules(windows)
        yield from self._statuses(results, windows)
        yield from self._dependencies(results)

    def _health(self, results):
        status = _gauge("kelmah_health_check_status", "Health check result: 1 pass, 0.5 warn, 0 fail", ["check"])
        seconds = _gauge("kelmah_health_check_duration_seconds", "Time the health check took", ["check"])
        for result in results:
            status.add_metric([result.key], _CHECK_VALUE.get(result.status, 0.5))
            seconds.add_metric([result.key], result.duration_ms / 1000)
        yield status
        yield seconds

    def _dependency_windows(self):
        try:
            windows = selectors.dependency_windows()
        except Exception:
            logger.warning("Metrics store unreadable during a scrape", exc_info=True)
            return
        latency = _gauge(
            "kelmah_dependency_check_latency_seconds",
            "Health check duration percentile in the window",
            ["dependency", "window", "quantile"],
        )
        failures = _gauge(
            "kelmah_dependency_check_failures", "Failed health checks in the window", ["dependency", "window"]
        )
        for dependency, by_window in windows.items():
            for window, stats in by_window.items():
                failures.add_metric([dependency, window], stats.errors)
                for quantile, value in (("0.5", stats.p50), ("0.95", stats.p95), ("0.99", stats.p99)):
                    if value is not None:
                        latency.add_metric([dependency, window, quantile], value / 1000)
        yield latency
        yield failures

    def _modules(self, windows):
        window_labels = ["module", "window"]
        rate = _gauge("kelmah_module_request_rate", "Requests per second over the window", window_labels)
        requests = _gauge("kelmah_module_requests", "Requests served in the window", window_labels)
        errors = _gauge(
            "kelmah_module_errors", "Requests that failed (5xx or error) in the window", ["module", "window"]
        )
        error_rate = _gauge(
            "kelmah_module_error_rate", "Share of requests that failed in the window", ["module", "window"]
        )
        latency = _gauge(
            "kelmah_module_latency_seconds",
            "Request latency percentile in the window",
            [*window_labels, "quantile"],
        )
        fragments = _gauge("kelmah_module_fragments", "Fragment renders in the window", window_labels)
        degraded = _gauge(
            "kelmah_module_degraded_fragments", "Fragment renders that showed a degraded partial", ["module", "window"]
        )
        for module, by_window in windows.items():
            for window, stats in by_window.items():
                labels = [module, window]
                rate.add_metric(labels, stats.request_rate)
                requests.add_metric(labels, stats.requests)
                errors.add_metric(labels, stats.errors)
                error_rate.add_metric(labels, stats.error_rate)
                fragments.add_metric(labels, stats.fragments)
                degraded.add_metric(labels, stats.degraded)
                for quantile, value in (("0.5", stats.p50), ("0.95", stats.p95), ("0.99", stats.p99)):
                    if value is not None:
                        latency.add_metric([*labels, quantile], value / 1000)
        yield from (rate, requests, errors, error_rate, latency, fragments, degraded)

    def _statuses(self, results, windows):
        state = _gauge(
            "kelmah_subject_status",
            "1 for the current status of each module, dependency and breaker",
            ["subject", "kind", "module", "status"],
        )
        for view in current_statuses(results, windows, conf.get()):
            module = view.name if view.kind == "module" else ""
            for status in SubjectStatus.values:
                state.add_metric([view.subject, view.kind, module, status], 1.0 if view.status == status else 0.0)
        yield state

    def _dependencies(self, results):
        by_key = {result.key: result for result in results}
        breaker_state = _gauge("kelmah_breaker_state", "1 for each breaker's current state", ["breaker", "state"])
        for result in results:
            if result.key.endswith(":breaker") and isinstance(result.observed_value, str):
                name = result.key.removesuffix(":breaker").replace(".", ":")
                breaker_state.add_metric([name, result.observed_value], 1.0)
        yield breaker_state

        transitions = _gauge(
            "kelmah_breaker_transitions_1h", "Breaker transitions in the last hour", ["breaker", "to_state"]
        )
        cache = _gauge("kelmah_cache_events_15m", "Cache reads in the last 15 minutes by outcome", ["event"])
        websockets = _gauge("kelmah_websocket_connections", "Open websocket connections over all processes", [])
        try:
            for (name, state), count in selectors.breaker_transition_counts().items():
                transitions.add_metric([name, state], count)
            for event, count in selectors.cache_counts().items():
                cache.add_metric([event], count)
            websockets.add_metric([], selectors.open_websockets())
        except Exception:
            logger.warning("Metrics store unreadable during a scrape", exc_info=True)
        yield from (transitions, cache, websockets)

        outbox = by_key.get("outbox:lag")
        if outbox is not None and outbox.details:
            lag = _gauge("kelmah_outbox_lag_seconds", "Age of the oldest unsent outbox message", [])
            lag.add_metric([], float(outbox.observed_value or 0))
            pending = _gauge("kelmah_outbox_pending", "Outbox messages not yet sent to the broker", [])
            pending.add_metric([], outbox.details.get("pending", 0))
            dead = _gauge("kelmah_dead_letters", "Dead letters waiting for an operator", [])
            dead.add_metric([], outbox.details.get("dead_letters", 0))
            yield from (lag, pending, dead)
        queues = by_key.get("queues:depth")
        if queues is not None and queues.details:
            depth = _gauge("kelmah_queue_depth", "Messages waiting in each Celery queue", ["queue"])
            for name, count in queues.details.items():
                depth.add_metric([name], count)
            yield depth


def _store_readable() -> bool:
    try:
        selectors.open_websockets()
    except Exception:
        return False
    return True


def build_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KelmahCollector())
    return registry
