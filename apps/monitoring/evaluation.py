"""One evaluation pass: current statuses, plus breaker trips that came and went since the last pass."""

import logging
from datetime import UTC, datetime

from django.db.models import Max
from django.utils import timezone

from apps.monitoring import conf
from apps.monitoring.breakers import OPEN_STATES
from apps.monitoring.models import Incident, IncidentStatus, SubjectState, SubjectStatus
from apps.monitoring.services import statuses_observe, subject_observe
from apps.monitoring.status import evaluate_now

logger = logging.getLogger(__name__)


def _breaker_trips_since(since: datetime | None) -> dict[str, dict]:
    """Return {breaker name: newest open event} for breakers that opened after `since`."""
    from apps.monitoring.selectors import recent_breaker_events

    try:
        events = recent_breaker_events(limit=200)
    except Exception:  # the metrics store is down; the current breaker states still count
        logger.warning("Breaker events unavailable for evaluation", exc_info=True)
        return {}
    trips: dict[str, dict] = {}
    for event in events:
        at = datetime.fromtimestamp(float(event.get("at", 0)), tz=UTC)
        if event.get("new") in OPEN_STATES and (since is None or at > since) and event["name"] not in trips:
            trips[event["name"]] = event
    return trips


def evaluate(*, now: datetime | None = None) -> int:
    """Record every subject's status and move incidents along; return the unresolved count."""
    settings = conf.get()
    now = now or timezone.now()
    since = SubjectState.objects.aggregate(last=Max("checked_at"))["last"]
    views = evaluate_now()

    # A breaker that opened and closed again between two passes still gets its incident:
    # record the trip first, then the current (healthy) state starts its recovery.
    current = {view.subject: view for view in views}
    for name, event in _breaker_trips_since(since).items():
        view = current.get(f"breaker:{name}")
        if view is not None and view.status == SubjectStatus.HEALTHY:
            subject_observe(
                subject=view.subject,
                status=SubjectStatus.DEGRADED,
                detail=f"Breaker {name} opened: {event.get('reason', '')}",
                debounce=settings.alert_debounce_seconds,
                now=now,
            )

    statuses_observe(views=views, debounce=settings.alert_debounce_seconds, now=now)
    return Incident.objects.exclude(status=IncidentStatus.RESOLVED).count()
