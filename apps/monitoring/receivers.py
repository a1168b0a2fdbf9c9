"""Connect the metrics recorder to the signals of the module and resilience layers.

Each signal's module is imported inside a guard, so monitoring starts even while a layer
is missing; the receivers themselves never raise (apps.monitoring.metrics catches).
"""

import logging

from apps.monitoring import metrics

logger = logging.getLogger(__name__)


def on_module_request_finished(sender, *, module, view, latency_ms, status, error=None, **kwargs):
    metrics.record_request(module, view, latency_ms, status, error)


def on_fragment_rendered(sender, *, module, fragment, latency_ms, outcome, **kwargs):
    metrics.record_fragment(module, fragment, latency_ms, outcome)


def on_breaker_state_changed(sender, *, name, old, new, reason="", opened_at=None, **kwargs):
    metrics.record_breaker_transition(name, old, new, reason, opened_at)


def on_cache_read(sender, *, outcome, **kwargs):
    metrics.record_cache(outcome)


def connect() -> None:
    try:
        from apps.modules import signals as module_signals
    except ImportError:
        logger.info("Module signals are not available; per-module request metrics are off")
    else:
        module_signals.module_request_finished.connect(on_module_request_finished, dispatch_uid="monitoring-requests")
        module_signals.fragment_rendered.connect(on_fragment_rendered, dispatch_uid="monitoring-fragments")

    try:
        from apps.resilience import signals as resilience_signals
    except ImportError:
        logger.info("Resilience signals are not available; breaker metrics are off")
        return
    resilience_signals.breaker_state_changed.connect(on_breaker_state_changed, dispatch_uid="monitoring-breakers")
    cache_signal = getattr(resilience_signals, "cache_read", None)
    if cache_signal is not None:
        cache_signal.connect(on_cache_read, dispatch_uid="monitoring-cache")
