"""Error containment: a view's exception is handled by its own module, never a bare 500."""

import json
import logging

import pytest
from django.http import HttpResponse

from apps.common.errors import NotAllowed
from apps.modules import maintenance

pytestmark = pytest.mark.django_db


def test_failing_view_gets_degraded_page_in_layout(worker_client, worker, probe_site, signals):
    response = worker_client.get("/probe/raises/")

    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert 'data-module="probe"' in body
    assert 'class="degraded"' in body
    assert 'class="site-header"' in body
    # Still logged in: the layout shows the user's navigation.
    assert f'data-user="{worker.pk}"' in body
    assert "/accounts/logout/" in body


def test_failing_api_view_gets_problem_json(api_client, probe_site):
    response = api_client.get("/api/v1/probe/raises/", HTTP_X_REQUEST_ID="req-1234567890")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "30"
    problem = json.loads(response.content)
    assert problem["status"] == 503
    assert problem["module"] == "probe"
    assert problem["request_id"] == "req-1234567890"
    assert problem["instance"] == "/api/v1/probe/raises/"
    assert problem["type"].endswith("module-unavailable")
    assert problem["title"]
    assert problem["detail"]


def test_failure_is_counted_against_module(client, probe_site, signals):
    client.get("/probe/raises/")

    finished = [entry for entry in signals.requests if entry["module"] == "probe"]
    assert len(finished) == 1
    assert finished[0]["status"] == 503
    assert isinstance(finished[0]["error"], RuntimeError)
    assert finished[0]["view"] == "tests.modules.probe.probe_view_raises"
    assert finished[0]["latency_ms"] >= 0


def test_healthy_request_is_counted_without_error(client, probe_site, signals):
    client.get("/probe/page/ok/")

    finished = [entry for entry in signals.requests if entry["module"] == "host"]
    assert [(entry["status"], entry["error"]) for entry in finished] == [(200, None)]


def test_repeated_identical_failures_logged_once(client, probe_site, caplog):
    with caplog.at_level(logging.ERROR, logger="apps.modules.middleware"):
        for _ in range(5):
            assert client.get("/probe/raises/").status_code == 503

    failures = [record for record in caplog.records if record.name == "apps.modules.middleware"]
    assert len(failures) == 1
    assert failures[0].module_name == "probe"
    assert failures[0].view == "tests.modules.probe.probe_view_raises"
    assert failures[0].request_id


def test_no_django_request_log_for_handled_failure(client, probe_site, caplog):
    with caplog.at_level(logging.ERROR):
        client.get("/probe/raises/")

    assert not [record for record in caplog.records if record.name == "django.request"]


def test_module_error_handler_answers_first(client, probe_site):
    probe_site.probe.error_handler = lambda request, error, module: HttpResponse("probe's own answer", status=503)
    try:
        response = client.get("/probe/raises/")
    finally:
        probe_site.probe.error_handler = None

    assert response.status_code == 503
    assert response.content == b"probe's own answer"


def test_raising_error_handler_falls_back_to_default(api_client, probe_site):
    def broken_handler(request, error, module):
        raise ValueError("handler bug")

    probe_site.probe.error_handler = broken_handler
    try:
        response = api_client.get("/api/v1/probe/raises/")
    finally:
        probe_site.probe.error_handler = None

    assert response.status_code == 503
    assert json.loads(response.content)["module"] == "probe"


def test_api_answer_survives_broken_layout_and_translation(api_client, probe_site, settings):
    # A broken template directory cannot affect the API: its response uses no template.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": ["/nonexistent"], "APP_DIRS": False}]

    response = api_client.get("/api/v1/probe/raises/")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"


def test_broken_layout_serves_static_503(client, probe_site, settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": ["/nonexistent"], "APP_DIRS": False}]

    response = client.get("/probe/raises/")

    assert response.status_code == 503
    assert b"Temporarily unavailable" in response.content
    assert b"{%" not in response.content


def test_domain_error_keeps_its_status(client, probe_site):
    def refuses(request):
        raise NotAllowed("You cannot do that to this job.")

    from tests.modules import probe

    original = probe.probe_view_raises
    probe.probe_patterns[0].callback = refuses
    try:
        response = client.get("/probe/raises/")
    finally:
        probe.probe_patterns[0].callback = original

    assert response.status_code == 409
    assert "You cannot do that to this job." in response.content.decode()


def test_not_found_is_not_a_module_failure(client, probe_site, signals):
    response = client.get("/jobs/999999999/")

    assert response.status_code == 404
    assert signals.request_errors("jobs") == []


def test_unknown_api_url_answers_problem_json(api_client):
    response = api_client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 404


def test_view_fault_answers_503_for_its_module_only(client, inject_fault, signals):
    inject_fault("jobs.views", "raise")

    jobs = client.get("/jobs/")
    workers = client.get("/workers/")

    assert jobs.status_code == 503
    assert 'data-module="jobs"' in jobs.content.decode()
    assert workers.status_code == 200
    assert len(signals.request_errors("jobs")) == 1
    assert signals.request_errors("workers") == []


def test_switched_off_module_answers_503_with_layout(client, api_client, signals):
    maintenance.module_switch_off(module_name="workers", reason="Moving the directory")

    page = client.get("/workers/")
    api = api_client.get("/api/v1/workers/")
    other = client.get("/jobs/")

    assert page.status_code == 503
    assert 'class="maintenance"' in page.content.decode()
    assert "Moving the directory" in page.content.decode()
    assert 'class="site-header"' in page.content.decode()
    assert api.status_code == 503
    assert api["Content-Type"] == "application/problem+json"
    assert json.loads(api.content)["type"].endswith("module-maintenance")
    assert int(api["Retry-After"]) > 0
    assert other.status_code == 200


def test_switched_on_module_serves_again(client):
    maintenance.module_switch_off(module_name="workers")
    assert client.get("/workers/").status_code == 503

    maintenance.module_switch_on(module_name="workers")

    assert client.get("/workers/").status_code == 200


def test_db_fault_on_cached_directory_says_unavailable(client, inject_fault):
    inject_fault("workers.db", "raise")

    response = client.get("/workers/")

    assert response.status_code == 200
    assert "temporarily unavailable" in response.content.decode()


def test_db_fault_on_view_answers_503(client, inject_fault, worker):
    inject_fault("workers.db", "raise")

    # A profile page reads the database directly; the directory would answer from its cache.
    response = client.get(f"/workers/{worker.pk}/")

    assert response.status_code == 503
    assert 'data-module="workers"' in response.content.decode()
    # The page layout's own queries are not the module's: the 503 page still rendered.
    assert 'class="site-header"' in response.content.decode()


def test_login_and_logout_ignore_failing_modules(client, inject_fault, worker):
    for module in ["workers", "hirers", "jobs", "contracts", "payments", "messaging", "notifications", "dashboard"]:
        inject_fault(module, "raise")

    login_page = client.get("/accounts/login/")
    login = client.post("/accounts/login/", {"username": worker.email, "password": "Kelmah-test-pass-2026"})
    logout = client.post("/accounts/logout/")

    assert login_page.status_code == 200
    assert login.status_code == 302
    assert logout.status_code == 302


def test_unowned_api_view_failure_is_problem_json(api_client, probe_site, settings):
    from tests.modules import probe

    settings.DEBUG = True
    probe.probe.url_namespaces = []
    probe.probe.api_prefix = "nobody"
    probe.host.packages = []
    try:
        response = api_client.get("/api/v1/probe/raises/")
    finally:
        probe.probe.url_namespaces = ["probe"]
        probe.probe.api_prefix = "probe"
        probe.host.packages = ["tests.modules.probe"]

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 500


def test_domain_error_page_falls_back_when_layout_broken(client, probe_site, settings):
    def refuses(request):
        raise NotAllowed("You cannot do that to this job.")

    from tests.modules import probe

    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": ["/nonexistent"], "APP_DIRS": False}]
    original = probe.probe_view_raises
    probe.probe_patterns[0].callback = refuses
    try:
        response = client.get("/probe/raises/")
    finally:
        probe.probe_patterns[0].callback = original

    assert response.status_code == 503
    assert b"Temporarily unavailable" in response.content
