"""Incidents: one per outage however often the subject flaps, with its recovery recorded."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.modules.registry import HealthResult, Module, registered
from apps.monitoring import metrics
from apps.monitoring.evaluation import evaluate
from apps.monitoring.models import Incident, IncidentStatus, SubjectState, SubjectStatus
from apps.monitoring.services import subject_observe
from apps.resilience.models import OutboxMessage

DEBOUNCE = 120


def observe(status, at, subject="module:payments", detail=""):
    return subject_observe(subject=subject, status=status, detail=detail, debounce=DEBOUNCE, now=at)


def alerts_for(incident):
    return list(OutboxMessage.objects.filter(task_name="monitoring.send_alert", kwargs__incident_id=incident.pk))


@pytest.mark.django_db
def test_flapping_module_makes_one_incident_and_one_alert(staff):
    start = timezone.now()

    observe(SubjectStatus.DEGRADED, start, detail="errors")
    observe(SubjectStatus.HEALTHY, start + timedelta(seconds=15))
    observe(SubjectStatus.FAILED, start + timedelta(seconds=30))
    observe(SubjectStatus.HEALTHY, start + timedelta(seconds=45))
    observe(SubjectStatus.DEGRADED, start + timedelta(seconds=60))

    incidents = list(Incident.objects.filter(subject="module:payments"))
    assert len(incidents) == 1
    incident = incidents[0]
    assert incident.status == IncidentStatus.OPEN
    assert incident.flaps == 2
    assert incident.severity == SubjectStatus.FAILED
    assert incident.started_at == start
    assert len(alerts_for(incident)) == 1
    assert alerts_for(incident)[0].kwargs["kind"] == "opened"
    kinds = list(incident.events.values_list("kind", flat=True))
    assert kinds == ["started", "recovering", "flapped", "worsened", "recovering", "flapped"]


@pytest.mark.django_db
def test_recovery_is_recorded_after_quiet_period(staff):
    start = timezone.now()
    observe(SubjectStatus.DEGRADED, start)
    observe(SubjectStatus.HEALTHY, start + timedelta(seconds=10))

    still_recovering = observe(SubjectStatus.HEALTHY, start + timedelta(seconds=10 + DEBOUNCE - 1))
    assert still_recovering.status == IncidentStatus.RECOVERING
    resolved = observe(SubjectStatus.HEALTHY, start + timedelta(seconds=10 + DEBOUNCE))

    assert resolved.status == IncidentStatus.RESOLVED
    assert resolved.resolved_at == start + timedelta(seconds=10 + DEBOUNCE)
    assert [alert.kwargs["kind"] for alert in alerts_for(resolved)] == ["opened", "recovered"]
    assert resolved.events.last().kind == "resolved"
    state = SubjectState.objects.get(subject="module:payments")
    assert state.status == SubjectStatus.HEALTHY
    assert state.since == start + timedelta(seconds=10)


@pytest.mark.django_db
def test_new_outage_after_resolution_opens_new_incident(staff):
    start = timezone.now()
    observe(SubjectStatus.DEGRADED, start)
    observe(SubjectStatus.HEALTHY, start + timedelta(seconds=1))
    observe(SubjectStatus.HEALTHY, start + timedelta(seconds=1 + DEBOUNCE))

    observe(SubjectStatus.DEGRADED, start + timedelta(seconds=2 + DEBOUNCE))

    assert Incident.objects.filter(subject="module:payments").count() == 2
    assert Incident.objects.exclude(status=IncidentStatus.RESOLVED).count() == 1


@pytest.mark.django_db
def test_maintenance_and_unknown_open_no_incident():
    now = timezone.now()

    observe(SubjectStatus.MAINTENANCE, now)
    observe(SubjectStatus.UNKNOWN, now, subject="dependency:celery")
    observe(SubjectStatus.HEALTHY, now, subject="dependency:cache")

    assert not Incident.objects.exists()
    assert SubjectState.objects.count() == 3
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_alert_email_reaches_active_staff(staff, worker):
    from apps.monitoring.alerts import alert_send

    incident = observe(SubjectStatus.FAILED, timezone.now(), detail="database unreachable")

    sent = alert_send(incident_id=incident.pk, kind="opened")

    assert sent == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [staff.email]
    assert "module:payments" in mail.outbox[0].subject
    assert "database unreachable" in mail.outbox[0].body
    assert worker.email not in mail.outbox[0].to


@pytest.mark.django_db(transaction=True)
def test_evaluation_opens_incident_for_failing_module_then_recovers(staff, settings):
    settings.KELMAH_ALERT_DEBOUNCE_SECONDS = 0
    health = {"result": HealthResult("fail", "probe is down")}

    with registered(Module("probeflap", packages=[], health_check=lambda: health["result"])):
        assert evaluate() == 1
        incident = Incident.objects.get(subject="module:probeflap")
        assert incident.severity == SubjectStatus.FAILED
        assert "probe is down" in incident.summary

        health["result"] = HealthResult("ok")
        from apps.monitoring.health import runner

        runner.forget_all()
        evaluate()
        evaluate()

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert OutboxMessage.objects.filter(task_name="monitoring.send_alert").count() == 2


@pytest.mark.django_db(transaction=True)
def test_evaluation_uses_error_rate_of_last_minute(staff, settings):
    settings.KELMAH_MODULE_MIN_REQUESTS = 10
    for index in range(20):
        metrics.record_request("jobs", "apps.jobs.views.search", 5, 500 if index < 4 else 200)
    assert metrics.flush()

    evaluate()

    incident = Incident.objects.get(subject="module:jobs")
    assert incident.severity == SubjectStatus.DEGRADED
    assert "20% of requests failed" in incident.summary


@pytest.mark.django_db(transaction=True)
def test_breaker_that_opened_and_closed_between_passes_gets_incident(staff, settings):
    from datetime import UTC, datetime

    settings.RESILIENCE_BREAKERS = {**getattr(settings, "RESILIENCE_BREAKERS", {}), "sms": {}}
    evaluate()
    metrics.record_breaker_transition("sms", "closed", "open", "HTTP 503", datetime.now(UTC))
    metrics.record_breaker_transition("sms", "open", "closed", "probe succeeded", None)
    assert metrics.flush()

    evaluate()

    incident = Incident.objects.get(subject="breaker:sms")
    assert incident.status == IncidentStatus.RECOVERING
    assert "HTTP 503" in incident.summary


@pytest.mark.django_db
def test_admin_lists_incidents_for_staff(staff_client):
    incident = observe(SubjectStatus.FAILED, timezone.now(), detail="provider down")

    listing = staff_client.get("/admin/monitoring/incident/")
    detail = staff_client.get(f"/admin/monitoring/incident/{incident.pk}/change/")

    assert listing.status_code == 200
    assert b"module:payments" in listing.content
    assert detail.status_code == 200
    assert b"provider down" in detail.content


def test_beat_schedule_includes_monitoring_tasks(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE

    assert schedule["monitoring-evaluate-health"]["task"] == "monitoring.evaluate_health"
    assert schedule["monitoring-worker-heartbeat"]["task"] == "monitoring.worker_heartbeat"


def test_scheduled_tasks_have_consistent_time_limits():
    from apps.monitoring.tasks import evaluate_health, worker_heartbeat

    for task in (evaluate_health, worker_heartbeat):
        assert task.soft_time_limit <= task.time_limit, task.name
