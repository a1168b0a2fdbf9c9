"""Turn observed statuses into incidents and alerts, debouncing flapping subjects.

For each subject, in one transaction:

- bad (degraded or failed) with no unresolved incident: open one and alert staff once;
- bad while its incident is recovering: the incident goes back to open and counts a flap,
  with no new alert;
- healthy while its incident is open: the incident starts recovering;
- healthy for the whole debounce period while recovering: the incident is resolved, the
  recovery recorded, and staff are told once.

Maintenance and unknown statuses neither open nor resolve incidents.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from apps.monitoring.alerts import alert_enqueue
from apps.monitoring.models import (
    BAD_STATUSES,
    Incident,
    IncidentEvent,
    IncidentStatus,
    SubjectState,
    SubjectStatus,
)

logger = logging.getLogger(__name__)

_SEVERITY = {SubjectStatus.DEGRADED: 1, SubjectStatus.FAILED: 2}


def subject_observe(*, subject: str, status: str, detail: str = "", debounce: float, now: datetime | None = None):
    """Record one observation of `subject` and move its incident along; return the incident or None."""
    now = now or timezone.now()
    with transaction.atomic():
        _state_record(subject=subject, status=status, detail=detail, now=now)
        incident = (
            Incident.objects.select_for_update().filter(subject=subject).exclude(status=IncidentStatus.RESOLVED).first()
        )
        if status in BAD_STATUSES:
            return _incident_worsen(incident, subject=subject, status=status, detail=detail, now=now)
        if status == SubjectStatus.HEALTHY and incident is not None:
            return _incident_recover(incident, detail=detail, debounce=debounce, now=now)
        return incident


def _state_record(*, subject: str, status: str, detail: str, now: datetime) -> None:
    state, created = SubjectState.objects.get_or_create(
        subject=subject, defaults={"status": status, "since": now, "detail": detail[:2000], "checked_at": now}
    )
    if created:
        return
    if state.status != status:
        state.status, state.since = status, now
    state.detail, state.checked_at = detail[:2000], now
    state.save(update_fields=["status", "since", "detail", "checked_at"])


def _incident_worsen(incident, *, subject: str, status: str, detail: str, now: datetime) -> Incident:
    if incident is None:
        incident = Incident.objects.create(
            subject=subject, severity=status, summary=_summary(subject, status, detail), started_at=now, alerted_at=now
        )
        IncidentEvent.objects.create(incident=incident, at=now, kind="started", status=status, detail=detail[:2000])
        alert_enqueue(incident=incident, kind="opened")
        logger.warning("Incident opened: %s is %s", subject, status, extra={"incident_id": incident.pk})
        return incident

    changed = []
    if incident.status == IncidentStatus.RECOVERING:
        incident.status, incident.recovering_since = IncidentStatus.OPEN, None
        incident.flaps += 1
        changed += ["status", "recovering_since", "flaps"]
        IncidentEvent.objects.create(incident=incident, at=now, kind="flapped", status=status, detail=detail[:2000])
        logger.info("Incident %s: %s turned %s again while recovering", incident.pk, subject, status)
    if _SEVERITY[status] > _SEVERITY.get(incident.severity, 0):
        incident.severity = status
        incident.summary = _summary(subject, status, detail)
        changed += ["severity", "summary"]
        IncidentEvent.objects.create(incident=incident, at=now, kind="worsened", status=status, detail=detail[:2000])
    if changed:
        incident.save(update_fields=changed)
    return incident


def _incident_recover(incident: Incident, *, detail: str, debounce: float, now: datetime) -> Incident:
    if incident.status == IncidentStatus.OPEN:
        incident.status, incident.recovering_since = IncidentStatus.RECOVERING, now
        incident.save(update_fields=["status", "recovering_since"])
        IncidentEvent.objects.create(incident=incident, at=now, kind="recovering", status=SubjectStatus.HEALTHY)
        return incident
    if now - incident.recovering_since < timedelta(seconds=debounce):
        return incident

    incident.status, incident.resolved_at, incident.recovery_alerted_at = IncidentStatus.RESOLVED, now, now
    incident.save(update_fields=["status", "resolved_at", "recovery_alerted_at"])
    IncidentEvent.objects.create(
        incident=incident, at=now, kind="resolved", status=SubjectStatus.HEALTHY, detail=detail
    )
    alert_enqueue(incident=incident, kind="recovered")
    logger.info("Incident %s resolved: %s recovered", incident.pk, incident.subject, extra={"incident_id": incident.pk})
    return incident


def _summary(subject: str, status: str, detail: str) -> str:
    text = f"{subject} is {status}"
    if detail:
        text += f": {detail}"
    return text[:300]


def statuses_observe(*, views, debounce: float, now: datetime | None = None) -> list[Incident]:
    """Record every subject's status; return the incidents that exist afterwards for them."""
    now = now or timezone.now()
    touched = []
    for view in views:
        incident = subject_observe(
            subject=view.subject, status=view.status, detail="; ".join(view.reasons), debounce=debounce, now=now
        )
        if incident is not None:
            touched.append(incident)
    return touched
