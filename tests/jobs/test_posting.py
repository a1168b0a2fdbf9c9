"""The multi-step job posting form, submitted as plain POSTs the way a browser without JavaScript does."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from apps.jobs.models import Job, JobStatus
from tests.jobs.conftest import make_job

pytestmark = pytest.mark.django_db

DETAILS = {"title": "Build a wardrobe", "trade": "carpentry", "description": "Two doors, mahogany, 2 m tall."}


def test_full_walk_from_details_to_published(hirer_client, hirer):
    response = hirer_client.post("/jobs/new/", DETAILS | {"action": "next"})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/edit/budget/"

    response = hirer_client.post(
        f"/jobs/{job.pk}/edit/budget/",
        {"budget_type": "range", "budget_min": "800", "budget_max": "1,200.50", "action": "next"},
    )
    assert response["Location"] == f"/jobs/{job.pk}/edit/location/"
    response = hirer_client.post(
        f"/jobs/{job.pk}/edit/location/",
        {"region": "ashanti", "town": "Kumasi", "gps_code": "ak-039-5028", "action": "next"},
    )
    assert response["Location"] == f"/jobs/{job.pk}/edit/schedule/"
    start = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = hirer_client.post(
        f"/jobs/{job.pk}/edit/schedule/", {"start_date": start, "urgency": "this_week", "action": "next"}
    )
    assert response["Location"] == f"/jobs/{job.pk}/edit/review/"
    review = hirer_client.get(f"/jobs/{job.pk}/edit/review/")
    assert "GH₵ 800.00 – GH₵ 1,200.50" in review.content.decode()

    response = hirer_client.post(f"/jobs/{job.pk}/edit/review/", {"action": "publish"})

    assert response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == JobStatus.OPEN
    assert (job.budget_min, job.budget_max) == (80000, 120050)
    assert job.gps_code == "AK-039-5028"
    assert job.hirer == hirer


def test_save_as_draft_on_the_first_step(hirer_client):
    response = hirer_client.post("/jobs/new/", {"title": "Build a wardrobe", "trade": "carpentry", "action": "save"})

    job = Job.objects.get()
    assert response["Location"] == "/hirer/jobs/?status=draft"
    assert job.status == JobStatus.DRAFT
    assert job.description == ""


def test_save_as_draft_keeps_empty_later_steps(hirer_client, hirer):
    job = make_job(hirer, publish=False, region="", town="")

    response = hirer_client.post(f"/jobs/{job.pk}/edit/location/", {"region": "", "town": "", "action": "save"})

    assert response.status_code == HTTPStatus.FOUND
    job.refresh_from_db()
    assert job.region == ""


def test_continue_needs_the_step_filled(hirer_client, hirer):
    job = make_job(hirer, publish=False)

    response = hirer_client.post(f"/jobs/{job.pk}/edit/location/", {"region": "", "town": "", "action": "next"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Choose the region" in response.content.decode()


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("budget", {"budget_type": "fixed", "amount": "lots"}, "is not an amount"),
        ("budget", {"budget_type": "fixed", "amount": ""}, "Enter the amount you will pay"),
        ("budget", {"budget_type": "range", "budget_min": "900", "budget_max": "300"}, "below the lowest"),
        ("budget", {"budget_type": "range", "budget_min": "900"}, "Enter the highest amount"),
        ("budget", {"budget_type": "weekly", "amount": "100"}, "Choose a fixed amount or a budget range"),
        ("location", {"region": "lagos", "town": "Ikeja"}, "is not a region of Ghana"),
        ("location", {"region": "ashanti", "town": "Kumasi", "gps_code": "AK-39"}, "is not a GhanaPostGPS code"),
        ("schedule", {"start_date": "2001-01-01", "urgency": "flexible"}, "in the past"),
        ("schedule", {"start_date": "31/12/2030", "urgency": "flexible"}, "YYYY-MM-DD"),
        ("details", {"title": "Wardrobe", "trade": "astrology", "description": "x"}, "is not a trade we list"),
    ],
)
@pytest.mark.parametrize("action", ["next", "save"])
def test_bad_step_input_is_explained_and_nothing_changes(hirer_client, hirer, step, data, message, action):
    job = make_job(hirer, publish=False)
    before = Job.objects.filter(pk=job.pk).values().get()
    if action == "save" and message in {"Enter the amount you will pay", "Enter the highest amount"}:
        pytest.skip("empty amounts are allowed while saving a draft")

    response = hirer_client.post(f"/jobs/{job.pk}/edit/{step}/", data | {"action": action})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    after = Job.objects.filter(pk=job.pk).values().get()
    assert after == before


def test_new_job_form_rejects_bad_details(hirer_client):
    response = hirer_client.post("/jobs/new/", {"title": "", "trade": "astrology", "action": "next"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Enter a title" in response.content.decode()
    assert Job.objects.count() == 0


def test_review_lists_missing_steps_and_refuses_publish(hirer_client, hirer):
    response = hirer_client.post("/jobs/new/", {"title": "Wardrobe", "trade": "carpentry", "action": "save"})
    job = Job.objects.get()

    review = hirer_client.get(f"/jobs/{job.pk}/edit/review/").content.decode()
    response = hirer_client.post(f"/jobs/{job.pk}/edit/review/", {"action": "publish"})

    assert f"/jobs/{job.pk}/edit/budget/" in review
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "cannot be published yet" in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT


def test_editing_an_open_job_keeps_it_open(hirer_client, hirer):
    job = make_job(hirer)

    hirer_client.post(f"/jobs/{job.pk}/edit/details/", DETAILS | {"action": "save"})

    job.refresh_from_db()
    assert job.title == "Build a wardrobe"
    assert job.status == JobStatus.OPEN


def test_edit_form_shows_stored_amount_in_cedis(hirer_client, hirer):
    job = make_job(hirer, publish=False, budget_min=45050, budget_max=45050)

    response = hirer_client.get(f"/jobs/{job.pk}/edit/budget/")

    assert 'value="450.50"' in response.content.decode()


def test_editing_an_awarded_job_is_refused(hirer_client, hirer):
    job = make_job(hirer)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.AWARDED)

    response = hirer_client.post(f"/jobs/{job.pk}/edit/details/", DETAILS | {"action": "save"})

    assert response.status_code == HTTPStatus.FOUND
    job.refresh_from_db()
    assert job.title != "Build a wardrobe"


def test_other_users_cannot_edit(stranger_client, client, other_hirer, hirer):
    from tests.conftest import _client_for

    job = make_job(hirer, publish=False)

    assert _client_for(other_hirer).get(f"/jobs/{job.pk}/edit/details/").status_code == HTTPStatus.NOT_FOUND
    assert _client_for(other_hirer).post(f"/jobs/{job.pk}/edit/details/", DETAILS).status_code == 404
    assert stranger_client.get(f"/jobs/{job.pk}/edit/details/").status_code == HTTPStatus.FORBIDDEN
    assert client.get(f"/jobs/{job.pk}/edit/details/").status_code == HTTPStatus.FOUND
    job.refresh_from_db()
    assert job.title != "Build a wardrobe"


def test_unknown_step_is_404(hirer_client, hirer):
    job = make_job(hirer, publish=False)

    assert hirer_client.get(f"/jobs/{job.pk}/edit/payment/").status_code == HTTPStatus.NOT_FOUND


def test_workers_cannot_post_jobs(worker_client):
    response = worker_client.post("/jobs/new/", DETAILS | {"action": "next"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Job.objects.count() == 0


def test_hirer_jobs_page_has_status_tabs(hirer_client, hirer):
    make_job(hirer, title="An open one")
    make_job(hirer, title="A draft one", publish=False)

    drafts = hirer_client.get("/hirer/jobs/", {"status": "draft"}).content.decode()
    default = hirer_client.get("/hirer/jobs/", {"status": "nonsense"}).content.decode()

    assert "A draft one" in drafts
    assert "An open one" not in drafts
    assert "An open one" in default
    assert "Draft (1)" in drafts


def test_new_job_replay_creates_one(hirer_client):
    assert 'name="idempotency_key"' in hirer_client.get("/jobs/new/").content.decode()
    data = DETAILS | {"action": "next", "idempotency_key": "new-job-key-1"}

    first = hirer_client.post("/jobs/new/", data)
    second = hirer_client.post("/jobs/new/", data)

    assert first["Location"] == second["Location"]
    assert Job.objects.count() == 1
