"""Gather what the operations dashboard shows, in one place for the page, the poll and the websocket."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.monitoring import components, conf, metrics, selectors
from apps.monitoring.health import FAIL, PASS, WARN, overall_status, runner
from apps.monitoring.models import Incident, IncidentStatus, SubjectState
from apps.monitoring.status import SubjectView, current_statuses

logger = logging.getLogger(__name__)

SPARK_WIDTH, SPARK_HEIGHT = 120, 28
OVERALL_LABELS = {PASS: _("Healthy"), WARN: _("Degraded"), FAIL: _("Failing")}


def sparkline_points(values: list[float | None], *, width: int = SPARK_WIDTH, height: int = SPARK_HEIGHT) -> str:
    """Return SVG polyline points for `values`, scaled to the box; gaps (None) count as 0."""
    numbers = [float(value or 0) for value in values]
    if not numbers:
        return ""
    top = max(numbers) or 1.0
    step = width / max(1, len(numbers) - 1)
    return " ".join(
        f"{index * step:.1f},{height - 1 - (value / top) * (height - 2):.1f}" for index, value in enumerate(numbers)
    )


@dataclass
class Card:
    view: SubjectView
    title: str
    since: object = None
    windows: dict = field(default_factory=dict)
    breaker: str = ""
    maintenance: str = ""
    faults: list[str] = field(default_factory=list)
    transitions: list[dict] = field(default_factory=list)
    spark_requests: str = ""
    spark_p95: str = ""
    spark_errors: str = ""
    peak_requests: int = 0


def _module_extras(name: str) -> tuple[str, list[str]]:
    from apps.monitoring.components import _module_faults, _switched_off

    switched = _switched_off(name)
    maintenance = (switched.reason or "switched off") if switched is not None else ""
    return maintenance, [f"{rule.target}: {rule.spec}" for rule in _module_faults(name)]


def _safe(reader, default):
    # While the flusher finds the store down, reading it would only wait for the same
    # timeout again on every refresh.
    if metrics.recorder.store_failing():
        return default
    try:
        return reader()
    except Exception:  # the shared store is down; the dashboard still shows the checks
        logger.warning("Dashboard figure unavailable from %s", getattr(reader, "__name__", reader), exc_info=True)
        return default


def snapshot() -> dict:
    """Return the dashboard context: cards, figures, breakers and incidents."""
    settings = conf.get()
    results = runner.run(components.all_components())
    overall = overall_status(results)
    windows = _safe(selectors.module_windows, {})
    dependency_windows = _safe(selectors.dependency_windows, {})
    series = _safe(selectors.module_series, {})
    views = current_statuses(results, windows, settings)
    since = dict(SubjectState.objects.values_list("subject", "since"))
    transitions = [
        {**event, "at": datetime.fromtimestamp(float(event.get("at", 0)), tz=UTC)}
        for event in _safe(selectors.recent_breaker_events, [])
    ]

    by_breaker: dict[str, list[dict]] = {}
    for event in transitions:
        by_breaker.setdefault(event.get("name", ""), []).append(event)
    titles = {module.name: str(module.verbose_name) for module in components.registered_modules()}
    module_cards, dependency_cards, breaker_cards = [], [], []
    for view in views:
        card = Card(view=view, title=titles.get(view.name, view.name), since=since.get(view.subject))
        breaker_name = f"module:{view.name}" if view.kind == "module" else view.name
        card.transitions = by_breaker.get(breaker_name, [])[:3]
        if view.kind == "module":
            card.windows = windows.get(view.name, {})
            card.maintenance, card.faults = _module_extras(view.name)
            for result in view.checks:
                if result.key.endswith(":breaker"):
                    card.breaker = str(result.observed_value or "")
            points = series.get(view.name)
            if points is not None:
                card.spark_requests = sparkline_points(points.requests)
                card.spark_errors = sparkline_points(points.errors)
                card.spark_p95 = sparkline_points(points.p95)
                card.peak_requests = max(points.requests, default=0)
            module_cards.append(card)
        elif view.kind == "breaker":
            card.breaker = str(view.checks[0].observed_value or "") if view.checks else ""
            breaker_cards.append(card)
        else:
            card.windows = dependency_windows.get(view.name, {})
            dependency_cards.append(card)

    incidents = list(Incident.objects.prefetch_related("events")[:20])
    return {
        "generated_at": timezone.now(),
        "overall": overall,
        "overall_label": OVERALL_LABELS[overall],
        "module_cards": module_cards,
        "dependency_cards": dependency_cards,
        "breaker_cards": breaker_cards,
        "transitions": transitions[:15],
        "cache": _safe(selectors.cache_counts, {}),
        "websockets": _safe(selectors.open_websockets, None),
        "incidents": incidents,
        "open_incidents": sum(1 for incident in incidents if incident.status != IncidentStatus.RESOLVED),
        "refresh_seconds": settings.ops_refresh_seconds,
        "store_failing": metrics.recorder.store_failing(),
    }
