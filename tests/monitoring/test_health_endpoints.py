"""The health endpoints: format, statuses, timeouts, and answers with dependencies down."""

import time

import pytest
from django.test import Client

from apps.modules.registry import HealthResult, Module, registered
from tests.monitoring.conftest import health_checks, unreachable_database
from tests.support.faults import closed_port, redis_outage

HEALTH_JSON = "application/health+json"
ENDPOINT_BUDGET_SECONDS = 3.0


def timed_get(client, path, **extra):
    started = time.monotonic()
    response = client.get(path, **extra)
    return response, time.monotonic() - started


@pytest.mark.django_db
def test_aggregate_follows_health_json_format(client):
    response, elapsed = timed_get(client, "/health/")

    assert response.status_code == 200
    assert response["Content-Type"] == HEALTH_JSON
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] in ("pass", "warn")
    checks = health_checks(response)
    for key in (
        "database:responseTime",
        "cache:responseTime",
        "broker:responseTime",
        "storage:responseTime",
        "disk:utilization",
        "channels:responseTime",
        "celery:workers",
        "jobs:status",
        "payments:status",
    ):
        assert key in checks, key
    database = checks["database:responseTime"]
    assert database["status"] == "pass"
    assert database["observedUnit"] == "ms"
    assert database["observedValue"] >= 0
    assert database["time"].endswith("+00:00")
    assert database["affectedModules"] == ["*"]
    assert checks["payments:status"]["affectedModules"] == ["payments"]
    assert checks["disk:utilization"]["observedUnit"] == "percent"
    assert elapsed < ENDPOINT_BUDGET_SECONDS


@pytest.mark.django_db
def test_workers_warn_on_filesystem_broker_with_reason(client, settings):
    settings.CELERY_BROKER_URL = "filesystem://"

    checks = health_checks(client.get("/health/"))

    workers = checks["celery:workers"]
    assert workers["status"] == "warn"
    assert workers["observedValue"] == "unknown"
    assert "remote-control" in workers["output"]
    assert "No worker heartbeat has been recorded yet" in workers["output"]


@pytest.mark.django_db
def test_workers_warn_with_recent_heartbeat(client, settings):
    from apps.monitoring.tasks import worker_heartbeat

    settings.CELERY_BROKER_URL = "filesystem://"
    worker_heartbeat()

    workers = health_checks(client.get("/health/"))["celery:workers"]

    assert workers["status"] == "warn"
    assert "A worker ran the heartbeat task 0 s ago" in workers["output"]


@pytest.mark.django_db
def test_workers_fail_with_stale_heartbeat(client, settings):
    from apps.monitoring.metrics import get_store
    from apps.monitoring.tasks import worker_heartbeat

    settings.CELERY_BROKER_URL = "filesystem://"
    worker_heartbeat()
    get_store()._connection().execute("UPDATE gauges SET updated_at = updated_at - 600")

    response = client.get("/health/")
    workers = health_checks(response)["celery:workers"]

    assert workers["status"] == "fail"
    assert workers["observedUnit"] == "s"
    assert workers["observedValue"] >= 600
    assert "the worker or beat is down" in workers["output"]
    assert response.status_code == 200


@pytest.mark.django_db
def test_live_checks_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live")

    assert response.status_code == 200
    assert response["Content-Type"] == HEALTH_JSON
    assert response.json()["status"] == "pass"
    assert list(response.json()["checks"]) == ["process:uptime"]


@pytest.mark.django_db
def test_ready_runs_only_critical_checks(client):
    response = client.get("/health/ready")

    assert response.status_code == 200
    keys = set(response.json()["checks"])
    assert "database:responseTime" in keys
    assert "accounts:status" in keys
    assert "cache:responseTime" not in keys
    assert "payments:status" not in keys


@pytest.mark.django_db
def test_module_endpoint_reports_module_and_its_dependencies(client):
    response = client.get("/health/payments/")

    assert response.status_code == 200
    keys = set(response.json()["checks"])
    assert "payments:status" in keys
    assert "database:responseTime" in keys
    assert "celery:workers" in keys
    assert "jobs:status" not in keys


@pytest.mark.django_db
def test_unknown_module_is_404_health_json(client):
    response = client.get("/health/nosuchmodule/")

    assert response.status_code == 404
    assert response["Content-Type"] == HEALTH_JSON
    assert response.json()["status"] == "fail"


@pytest.mark.django_db
def test_module_raising_in_its_check_fails_by_name(client):
    def broken():
        raise RuntimeError("boom")

    with registered(Module("probehealth", packages=[], health_check=broken)):
        module_response = client.get("/health/probehealth/")
        aggregate = client.get("/health/")

    assert module_response.status_code == 503
    assert health_checks(module_response)["probehealth:status"]["status"] == "fail"
    assert "RuntimeError" in health_checks(module_response)["probehealth:status"]["output"]
    # A non-critical module failing degrades the site; it does not take it out of service.
    assert aggregate.status_code == 200
    assert aggregate.json()["status"] == "warn"
    assert health_checks(aggregate)["probehealth:status"]["status"] == "fail"


@pytest.mark.django_db
def test_critical_module_failing_fails_ready(client):
    with registered(
        Module("probecritical", packages=[], critical=True, health_check=lambda: HealthResult("fail", "down"))
    ):
        response = client.get("/health/ready")

    assert response.status_code == 503
    assert response["Content-Type"] == HEALTH_JSON
    assert health_checks(response)["probecritical:status"]["output"] == "down"


@pytest.mark.django_db
def test_module_warning_is_warn_not_503(client):
    with registered(Module("probewarn", packages=[], health_check=lambda: HealthResult("warn", "slow disk"))):
        response = client.get("/health/probewarn/")

    assert response.status_code == 200
    assert response.json()["status"] == "warn"
    assert health_checks(response)["probewarn:status"]["output"] == "slow disk"


@pytest.mark.django_db
def test_hung_check_times_out_and_is_not_rerun(client):
    def hangs():
        time.sleep(10)
        return HealthResult("ok")

    with registered(Module("probehang", packages=[], health_check=hangs)):
        first, first_elapsed = timed_get(client, "/health/probehang/")
        second, second_elapsed = timed_get(client, "/health/probehang/")

    assert first.status_code == 503
    assert health_checks(first)["probehang:status"]["output"].startswith("Timed out after")
    assert first_elapsed < ENDPOINT_BUDGET_SECONDS
    # The hung attempt is still running; the next request reports it without waiting again.
    assert health_checks(second)["probehang:status"]["status"] == "fail"
    assert second_elapsed < 0.5


@pytest.mark.django_db
def test_results_are_cached_briefly(client, settings):
    calls = []

    def counted():
        calls.append(time.monotonic())
        return HealthResult("ok")

    with registered(Module("probecount", packages=[], health_check=counted)):
        client.get("/health/probecount/")
        client.get("/health/probecount/")
        settings.KELMAH_HEALTH_PASS_TTL = 0
        from apps.monitoring.health import runner

        runner.forget("probecount:status")
        client.get("/health/probecount/")

    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("with_session", "through_middleware"),
    [(False, True), (True, True), (False, False)],
    ids=["anonymous", "session-cookie", "url-route-without-middleware"],
)
def test_database_unreachable_answers_health_json(with_session, through_middleware, staff, settings):
    # Without HealthEndpointMiddleware the URL route still answers, ATOMIC_REQUESTS or not;
    # a session cookie then reaches middleware that reads the session, which is why the
    # middleware comes first in MIDDLEWARE.
    if not through_middleware:
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("HealthEndpointMiddleware")]
    client = Client()
    if with_session:
        client.force_login(staff, backend="apps.accounts.backends.EmailOrPhoneBackend")
        assert client.cookies.get(settings.SESSION_COOKIE_NAME)

    with unreachable_database():
        response, elapsed = timed_get(client, "/health/")
        ready, _ = timed_get(client, "/health/ready")
        module, module_elapsed = timed_get(client, "/health/jobs/")
        live = client.get("/health/live")

    assert response.status_code == 503
    assert response["Content-Type"] == HEALTH_JSON
    database = health_checks(response)["database:responseTime"]
    assert database["status"] == "fail"
    assert database["output"]
    assert response.json()["status"] == "fail"
    assert elapsed < ENDPOINT_BUDGET_SECONDS
    assert ready.status_code == 503
    assert health_checks(ready)["database:responseTime"]["status"] == "fail"
    assert module.status_code == 503
    assert module["Content-Type"] == HEALTH_JSON
    assert health_checks(module)["database:responseTime"]["status"] == "fail"
    assert module_elapsed < ENDPOINT_BUDGET_SECONDS
    assert live.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_database_unreachable_leaves_live_passing(client):
    with unreachable_database():
        response = client.get("/health/live")

    assert response.status_code == 200
    assert response.json()["status"] == "pass"


@pytest.mark.django_db
@pytest.mark.redis
@pytest.mark.parametrize("mode", ["refused", "hung"])
def test_redis_outage_fails_cache_check_in_time(client, mode):
    with redis_outage(mode):
        response, elapsed = timed_get(client, "/health/")
        ready, ready_elapsed = timed_get(client, "/health/ready")
        module, module_elapsed = timed_get(client, "/health/jobs/")
        live, live_elapsed = timed_get(client, "/health/live")

    assert elapsed < ENDPOINT_BUDGET_SECONDS
    assert ready_elapsed < ENDPOINT_BUDGET_SECONDS
    checks = health_checks(response)
    assert checks["cache:responseTime"]["status"] == "fail"
    # The site serves from the database without its cache: degraded, not down.
    assert response.status_code == 200
    assert response.json()["status"] == "warn"
    assert ready.status_code == 200
    assert module_elapsed < ENDPOINT_BUDGET_SECONDS
    assert module.status_code == 200
    assert health_checks(module)["cache:responseTime"]["status"] == "fail"
    assert live_elapsed < ENDPOINT_BUDGET_SECONDS
    assert live.status_code == 200


@pytest.mark.django_db
def test_broker_down_fails_broker_check_in_time(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response, elapsed = timed_get(client, "/health/")
    module, module_elapsed = timed_get(client, "/health/payments/")
    ready = client.get("/health/ready")

    assert elapsed < ENDPOINT_BUDGET_SECONDS
    assert module_elapsed < ENDPOINT_BUDGET_SECONDS
    assert health_checks(module)["broker:responseTime"]["status"] == "fail"
    assert module.status_code == 200
    assert ready.status_code == 200
    broker = health_checks(response)["broker:responseTime"]
    assert broker["status"] == "fail"
    assert "Broker unreachable" in broker["output"]
    assert response.status_code == 200
    assert response.json()["status"] == "warn"


# Health checks run on their own threads with their own connections, so the rows they read
# must be committed.
@pytest.mark.django_db(transaction=True)
def test_injected_cache_fault_shows_in_cache_check(client):
    from apps.modules.faults import fault_clear, fault_set

    fault_set(target="cache", spec="raise")
    try:
        response = client.get("/health/")
    finally:
        fault_clear()

    cache = health_checks(response)["cache:responseTime"]
    assert cache["status"] == "fail"


@pytest.mark.django_db(transaction=True)
def test_maintenance_and_fault_show_on_module_check(client):
    from apps.modules.faults import fault_clear, fault_set
    from apps.modules.maintenance import module_switch_off, module_switch_on

    module_switch_off(module_name="payments", reason="provider migration")
    fault_set(target="jobs.views", spec="raise")
    try:
        checks = health_checks(client.get("/health/"))
    finally:
        module_switch_on(module_name="payments")
        fault_clear()

    assert checks["payments:status"]["status"] == "warn"
    assert "provider migration" in checks["payments:status"]["output"]
    assert checks["jobs:status"]["status"] == "warn"
    assert "jobs.views: raise" in checks["jobs:status"]["output"]


def test_health_rejects_post(client):
    response = client.post("/health/")

    assert response.status_code == 405


@pytest.mark.django_db
def test_probe_with_pod_address_as_host_is_answered(client):
    response = client.get("/health/live", HTTP_HOST="10.42.0.17:8000")

    assert response.status_code == 200
    assert response.json()["status"] == "pass"


@pytest.fixture
def private_breakers(settings):
    """Keep breaker state in this process, so forcing one open affects no other test run."""
    from tests.support.faults import fresh_breakers

    settings.RESILIENCE_BREAKER_STORE = "memory://"
    fresh_breakers()
    yield
    fresh_breakers()


@pytest.mark.django_db
def test_open_breaker_on_non_critical_dependency_warns_ready(client, private_breakers):
    from apps.resilience.breakers import breaker

    breaker("sms").force_open(reason="gateway outage")

    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json()["status"] == "warn"
    sms = health_checks(response)["sms:breaker"]
    assert sms["status"] == "warn"
    assert sms["observedValue"] == "forced_open"
    assert "gateway outage" in sms["output"]


@pytest.mark.django_db
def test_open_breaker_of_critical_module_fails_ready(client, private_breakers):
    from apps.modules.breaker import get_breaker
    from apps.modules.conf import setting

    accounts_breaker = get_breaker("accounts")
    for _ in range(int(setting("KELMAH_MODULE_BREAKER_FAILURES"))):
        accounts_breaker.record_failure()
    assert accounts_breaker.state == "open"

    response = client.get("/health/ready")

    assert response.status_code == 503
    check = health_checks(response)["module.accounts:breaker"]
    assert check["status"] == "fail"
    assert check["observedValue"] == "open"
