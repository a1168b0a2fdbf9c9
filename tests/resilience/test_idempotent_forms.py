"""The idempotency layer on a real form: applying for a job twice with the page's key."""

import re

import pytest

from apps.jobs.models import Application
from apps.resilience.models import OutboxMessage
from tests.jobs.conftest import make_job


def rendered_key(html: str) -> str:
    match = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)
    assert match, "the apply form has no idempotency_key field"
    return match.group(1)


@pytest.mark.django_db
def test_double_submitted_application_stored_once(hirer, worker, worker_client):
    job = make_job(hirer, title="Tile a bathroom floor in Kumasi")
    page = worker_client.get(f"/jobs/{job.pk}/")
    form = {
        "idempotency_key": rendered_key(page.content.decode()),
        "cover_letter": "I have tiled many bathrooms in Asokwa and can start on Monday.",
        "proposed_amount": "450",
    }

    first = worker_client.post(f"/jobs/{job.pk}/apply/", form)
    second = worker_client.post(f"/jobs/{job.pk}/apply/", form)

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert second["Idempotent-Replayed"] == "true"
    assert Application.objects.filter(job=job, worker=worker).count() == 1
    emails = OutboxMessage.objects.filter(task_name="apps.jobs.tasks.send_application_email")
    assert emails.count() == 1


@pytest.mark.django_db
def test_new_key_is_a_new_request(hirer, worker, worker_client):
    job = make_job(hirer)
    form = {"cover_letter": "I can do this job well and on time.", "proposed_amount": "400"}

    first = worker_client.post(f"/jobs/{job.pk}/apply/", {**form, "idempotency_key": "first-render"})
    second = worker_client.post(f"/jobs/{job.pk}/apply/", {**form, "idempotency_key": "second-render"})

    assert first.status_code == 302
    assert second.status_code == 400  # the jobs app rejects a second application itself
    assert not second.has_header("Idempotent-Replayed")
    assert Application.objects.filter(job=job, worker=worker).count() == 1
