"""The operators' admin for jobs: pages load, and cancelling goes through the state machine."""

from http import HTTPStatus

import pytest

from apps.jobs import services
from apps.jobs.models import JobStatus
from tests.jobs.conftest import make_application, make_job

pytestmark = pytest.mark.django_db


def test_admin_pages_load(staff_client, hirer, worker):
    job = make_job(hirer)
    make_application(job, worker)

    for url in [
        "/admin/jobs/job/",
        f"/admin/jobs/job/{job.pk}/change/",
        "/admin/jobs/application/",
        "/admin/jobs/applicationemail/",
        "/admin/hirers/hirerprofile/",
        "/admin/hirers/savedworker/",
    ]:
        assert staff_client.get(url).status_code == HTTPStatus.OK, url


def test_admin_cancel_action_uses_the_state_machine(staff_client, staff, hirer, worker):
    open_job = make_job(hirer, title="Open job")
    completed = make_job(hirer, title="Done job")
    services.application_accept(application=make_application(completed, worker), hirer=hirer)
    services.job_start(job=completed, actor=hirer)
    services.job_complete(job=completed, actor=hirer)

    response = staff_client.post(
        "/admin/jobs/job/",
        {"action": "cancel_jobs", "_selected_action": [open_job.pk, completed.pk]},
        follow=True,
    )

    body = response.content.decode()
    open_job.refresh_from_db()
    completed.refresh_from_db()
    assert open_job.status == JobStatus.CANCELLED
    assert open_job.events.last().actor == staff
    assert completed.status == JobStatus.COMPLETED
    assert "Cancelled 1 job." in body
    assert "cannot be cancelled" in body
