"""The operations dashboard and /metrics: who may see them, what they show, what the controls do."""

import pytest
from django.test import Client

from apps.modules.models import FaultRule, ModuleState
from apps.monitoring import metrics

OPS_PATHS = ["/ops/", "/ops/live/"]
POST_PATHS = ["/ops/maintenance/", "/ops/faults/", "/ops/faults/clear/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", OPS_PATHS)
def test_ops_is_404_for_anonymous_and_non_staff(path, client, worker_client, hirer_client):
    assert client.get(path).status_code == 404
    assert worker_client.get(path).status_code == 404
    assert hirer_client.get(path).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("path", POST_PATHS)
def test_ops_controls_are_404_for_non_staff_and_change_nothing(path, client, worker_client):
    data = {"module": "payments", "action": "off", "target": "payments", "mode": "raise"}

    assert client.post(path, data).status_code == 404
    assert worker_client.post(path, data).status_code == 404
    assert not ModuleState.objects.exists()
    assert not FaultRule.objects.exists()


@pytest.mark.django_db
def test_ops_shows_cards_with_figures(staff_client, django_assert_max_num_queries):
    for latency in range(1, 101):
        metrics.record_request("jobs", "apps.jobs.views.search", latency, 200)
    assert metrics.flush()

    with django_assert_max_num_queries(25):
        response = staff_client.get("/ops/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-subject="module:jobs"' in html
    assert 'data-subject="module:payments"' in html
    assert 'data-subject="dependency:database"' in html
    assert 'data-subject="dependency:cache"' in html
    assert "<svg" in html and "<polyline" in html
    assert "95 ms" in html
    assert 'hx-trigger="every' in html
    assert "/ws/ops/" in html
    assert 'http-equiv="refresh"' in html


@pytest.mark.django_db
def test_ops_live_returns_the_status_section(staff_client):
    response = staff_client.get("/ops/live/")

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'data-subject="module:jobs"' in response.content


@pytest.mark.django_db(transaction=True)
def test_maintenance_switch_from_dashboard(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff, backend="apps.accounts.backends.EmailOrPhoneBackend")
    page = client.get("/ops/")
    token = page.cookies["csrftoken"].value

    response = client.post(
        "/ops/maintenance/",
        {"module": "payments", "action": "off", "reason": "Provider upgrade", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    state = ModuleState.objects.get(module="payments")
    assert state.enabled is False
    assert state.reason == "Provider upgrade"
    assert 'data-status="maintenance"' in client.get("/ops/live/").content.decode()

    client.post("/ops/maintenance/", {"module": "payments", "action": "on", "csrfmiddlewaretoken": token})
    assert ModuleState.objects.get(module="payments").enabled is True


@pytest.mark.django_db
def test_controls_reject_missing_csrf_token(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff, backend="apps.accounts.backends.EmailOrPhoneBackend")

    response = client.post("/ops/maintenance/", {"module": "payments", "action": "off"})

    assert response.status_code == 403
    assert not ModuleState.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"module": "layout", "action": "off"},
        {"module": "nosuch", "action": "off"},
        {"module": "payments", "action": "explode"},
        {"module": ["payments", "jobs"], "action": "off", "reason": "x" * 500},
        {},
    ],
    ids=["critical-module", "unknown-module", "bad-action", "list-and-long-reason", "empty"],
)
def test_maintenance_rejects_bad_input(staff_client, data):
    response = staff_client.post("/ops/maintenance/", data)

    assert response.status_code == 400
    assert b"form-errors" in response.content
    assert not ModuleState.objects.filter(enabled=False).exists()


@pytest.mark.django_db(transaction=True)
def test_fault_injection_and_clearing_from_dashboard(staff):
    client = Client()
    client.force_login(staff, backend="apps.accounts.backends.EmailOrPhoneBackend")

    response = client.post("/ops/faults/", {"target": "payments", "mode": "raise"})
    assert response.status_code == 302
    assert FaultRule.objects.get(target="payments").mode == "raise"
    live = client.get("/ops/live/").content.decode()
    assert "Fault injected: payments: raise" in live
    assert 'data-subject="module:payments" data-status="degraded"' in live

    response = client.post("/ops/faults/", {"target": "payments.views", "mode": "slow", "amount": "250"})
    assert FaultRule.objects.get(target="payments.views").amount == 250

    client.post("/ops/faults/clear/", {"target": "payments"})
    assert list(FaultRule.objects.values_list("target", flat=True)) == ["payments.views"]
    client.post("/ops/faults/clear/", {})
    assert not FaultRule.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"target": "payments", "mode": "slow"},
        {"target": "payments", "mode": "slow", "amount": "NaN"},
        {"target": "payments", "mode": "slow", "amount": "1e309"},
        {"target": "payments", "mode": "fail-rate", "amount": "2"},
        {"target": "payments", "mode": "melt"},
        {"target": "nowhere", "mode": "raise"},
        {"target": "", "mode": "raise"},
    ],
    ids=["slow-without-amount", "nan", "huge", "rate-above-one", "unknown-mode", "unknown-target", "empty-target"],
)
def test_fault_form_rejects_bad_input(staff_client, data):
    response = staff_client.post("/ops/faults/", data)

    assert response.status_code == 400
    assert not FaultRule.objects.exists()


@pytest.mark.django_db
def test_fault_injection_refused_when_disabled(staff_client, settings):
    settings.KELMAH_ALLOW_FAULT_INJECTION = False

    page = staff_client.get("/ops/")
    response = staff_client.post("/ops/faults/", {"target": "payments", "mode": "raise"})

    assert b"Fault injection is disabled" in page.content
    assert response.status_code == 400
    assert not FaultRule.objects.exists()


@pytest.mark.django_db
def test_metrics_is_404_without_token_or_allowed_address(client, worker_client, staff_client, settings):
    settings.KELMAH_METRICS_TOKEN = "s3cret-scrape-token"
    settings.KELMAH_METRICS_ALLOWED_IPS = []

    assert client.get("/metrics").status_code == 404
    assert worker_client.get("/metrics").status_code == 404
    assert staff_client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="s3cret-scrape-token").status_code == 404
    # A forged forwarding header does not make an address allowed.
    settings.KELMAH_METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 404


@pytest.mark.django_db
def test_metrics_with_token_exposes_module_figures(client, settings):
    settings.KELMAH_METRICS_TOKEN = "s3cret-scrape-token"
    for latency in range(1, 101):
        metrics.record_request("jobs", "apps.jobs.views.search", latency, 500 if latency > 98 else 200)
    metrics.record_cache("miss")
    assert metrics.flush()

    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'kelmah_module_requests{module="jobs",window="1m"} 100.0' in text
    assert 'kelmah_module_errors{module="jobs",window="1m"} 2.0' in text
    assert 'kelmah_module_latency_seconds{module="jobs",quantile="0.95",window="1m"} 0.095' in text
    assert 'kelmah_health_check_status{check="database:responseTime"} 1.0' in text
    assert 'kelmah_cache_events_15m{event="miss"} 1.0' in text
    assert 'kelmah_subject_status{kind="module",module="jobs",status="healthy",subject="module:jobs"} 1.0' in text
    assert "kelmah_queue_depth" in text
    assert "kelmah_outbox_lag_seconds" in text


@pytest.mark.django_db
def test_metrics_for_allowed_address(client, settings):
    settings.KELMAH_METRICS_TOKEN = ""
    settings.KELMAH_METRICS_ALLOWED_IPS = ["127.0.0.1", "not-an-address"]

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 200
    assert b"kelmah_websocket_connections" in response.content


@pytest.mark.django_db
def test_ops_says_when_metrics_store_is_down(staff_client, settings, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the store's folder should be")
    settings.KELMAH_METRICS_SQLITE_PATH = blocked / "metrics.sqlite3"
    metrics.record_request("jobs", "view", 10, 200)
    assert metrics.flush() is False

    response = staff_client.get("/ops/")

    assert response.status_code == 200
    assert b"The shared metrics store is unreachable" in response.content
    assert b'data-subject="module:jobs"' in response.content


@pytest.mark.django_db
def test_dependency_cards_show_check_latency(client, staff_client):
    client.get("/health/")
    assert metrics.flush()

    from apps.monitoring import selectors

    database = selectors.dependency_windows()["database"]["1m"]
    response = staff_client.get("/ops/live/")

    assert database.requests >= 1
    assert database.errors == 0
    assert database.p95 is not None
    html = response.content.decode()
    card = html[html.index('data-subject="dependency:database"') :]
    assert "checks/s" in card[: card.index("</article>")]


@pytest.mark.django_db
def test_breaker_card_lists_recent_transitions(staff_client, settings):
    from datetime import UTC, datetime

    metrics.record_breaker_transition("sms", "closed", "open", "HTTP 503 from gateway", datetime.now(UTC))
    assert metrics.flush()

    html = staff_client.get("/ops/live/").content.decode()

    card = html[html.index('data-subject="breaker:sms"') :]
    card = card[: card.index("</article>")]
    assert "closed → open: HTTP 503 from gateway" in card


@pytest.mark.django_db(transaction=True)
def test_metrics_reports_database_down(client, settings):
    from tests.monitoring.conftest import unreachable_database

    settings.KELMAH_METRICS_TOKEN = "s3cret-scrape-token"

    with unreachable_database():
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")

    assert response.status_code == 200
    text = response.content.decode()
    assert 'kelmah_health_check_status{check="database:responseTime"} 0.0' in text
    database_failed = 'status="failed",subject="dependency:database"} 1.0'
    assert database_failed in text
