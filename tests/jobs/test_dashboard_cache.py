"""Cached dashboard figures: per user, fresh after that user's jobs or applications change."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.jobs import fragments, services
from apps.jobs.models import Application, Job, JobStatus
from apps.modules.faults import fault_clear, fault_set
from tests.conftest import make_user
from tests.jobs.conftest import make_application, make_job
from tests.jobs.test_fragments import request_for

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard:home")


def table_queries(render, table: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        render()
    return [entry["sql"] for entry in queries.captured_queries if table in entry["sql"]]


def test_hirer_counts_second_render_makes_no_job_queries(hirer):
    make_job(hirer, title="Counted job")
    request = request_for(hirer)

    first = table_queries(lambda: fragments.hirer_jobs_by_state(request), Job._meta.db_table)
    second = table_queries(lambda: fragments.hirer_jobs_by_state(request), Job._meta.db_table)

    assert first
    assert second == []


def test_worker_applications_second_render_makes_no_queries(hirer, worker):
    make_application(make_job(hirer), worker)
    request = request_for(worker)

    first = table_queries(lambda: fragments.worker_applications(request), Application._meta.db_table)
    second = table_queries(lambda: fragments.worker_applications(request), Application._meta.db_table)

    assert first
    assert second == []


def test_hirer_dashboard_shows_new_job_after_reload(hirer_client, hirer, django_capture_on_commit_callbacks):
    make_job(hirer, title="First job")
    assert "Open: 1" in hirer_client.get(DASHBOARD).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        make_job(hirer, title="Second job")

    body = hirer_client.get(DASHBOARD).content.decode()
    assert "Open: 2" in body
    assert Job.objects.filter(hirer=hirer, status=JobStatus.OPEN).count() == 2


def test_hirer_dashboard_shows_cancel_after_reload(hirer_client, hirer, django_capture_on_commit_callbacks):
    job = make_job(hirer)
    assert "Cancelled: 0" in hirer_client.get(DASHBOARD).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.job_cancel(job=job, actor=hirer, reason="Found someone")

    body = hirer_client.get(DASHBOARD).content.decode()
    assert "Cancelled: 1" in body
    assert "Open: 0" in body


def test_worker_dashboard_shows_decision_after_reload(worker_client, worker, hirer, django_capture_on_commit_callbacks):
    application = make_application(make_job(hirer, title="Tiling a bathroom"), worker)
    body = worker_client.get(DASHBOARD).content.decode()
    assert "Pending</span> (1)" in body

    with django_capture_on_commit_callbacks(execute=True):
        services.application_accept(application=application, hirer=hirer)

    body = worker_client.get(DASHBOARD).content.decode()
    assert "Accepted</span> (1)" in body
    assert "Pending</span> (1)" not in body
    assert Application.objects.get(pk=application.pk).status == "accepted"


def test_rejected_rivals_see_rejection_after_reload(hirer, worker, django_capture_on_commit_callbacks):
    rival = make_user(name="Rival Worker")
    job = make_job(hirer)
    chosen = make_application(job, worker)
    make_application(job, rival)
    assert "Pending" in fragments.worker_applications(request_for(rival))

    with django_capture_on_commit_callbacks(execute=True):
        services.application_accept(application=chosen, hirer=hirer)

    html = fragments.worker_applications(request_for(rival))
    assert "Rejected" in html
    assert "Pending" not in html


def test_renamed_job_shows_on_applicant_dashboard(hirer, worker, django_capture_on_commit_callbacks):
    job = make_job(hirer, title="Old title for the job")
    make_application(job, worker)
    assert "Old title for the job" in fragments.worker_applications(request_for(worker))

    with django_capture_on_commit_callbacks(execute=True):
        services.job_update(job=job, actor=hirer, title="New title for the job")

    assert "New title for the job" in fragments.worker_applications(request_for(worker))


def test_figures_are_cached_per_user(hirer, other_hirer):
    make_job(hirer)
    make_job(hirer)

    mine = fragments.hirer_jobs_by_state(request_for(hirer))
    theirs = fragments.hirer_jobs_by_state(request_for(other_hirer))

    assert "Open: 2" in mine
    assert "Open: 0" in theirs


def test_worker_dashboard_lists_five_newest_per_status_with_full_count(hirer, worker):
    for number in range(7):
        make_application(make_job(hirer, title=f"Job number {number}"), worker)

    html = fragments.worker_applications(request_for(worker))

    assert "Pending</span> (7)" in html
    assert "Job number 6" in html
    assert "Job number 1" not in html


def test_dashboard_serves_stale_counts_while_jobs_queries_fail(
    hirer_client, hirer, settings, django_capture_on_commit_callbacks
):
    settings.KELMAH_ALLOW_FAULT_INJECTION = True
    make_job(hirer)
    hirer_client.get(DASHBOARD)
    with django_capture_on_commit_callbacks(execute=True):
        make_job(hirer)

    fault_set(target="jobs.db", spec="raise")
    try:
        response = hirer_client.get(DASHBOARD)
    finally:
        fault_clear(target="jobs.db")

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Open: 1" in body
    assert "may be out of date" in body


def test_dashboard_says_counts_unavailable_when_never_built(hirer_client, hirer, settings):
    settings.KELMAH_ALLOW_FAULT_INJECTION = True
    make_job(hirer)

    fault_set(target="jobs.db", spec="raise")
    try:
        response = hirer_client.get(DASHBOARD)
    finally:
        fault_clear(target="jobs.db")

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Your job counts are temporarily unavailable" in body
    assert "Open: 1" not in body
