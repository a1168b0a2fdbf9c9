"""The jobs API as the owner, the wrong user, an anonymous client, and with malformed bodies."""

from http import HTTPStatus

import pytest

from apps.jobs import services
from apps.jobs.models import Application, Job, JobStatus
from tests.jobs.conftest import make_application, make_job

pytestmark = pytest.mark.django_db

JOB_BODY = {
    "title": "Wire a new shop",
    "trade": "electrical",
    "description": "Sockets, lights and a meter board.",
    "budget_type": "range",
    "budget_min_ghs": "500",
    "budget_max_ghs": 900.5,
    "region": "greater-accra",
    "town": "Tema",
    "gps_code": "GT-123-4567",
}
# Raw JSON bodies, so that values Python cannot encode (1e309) reach the server as sent.
NESTED = '{"a": {"b": {"c": {"d": {"e": 1}}}}}'
MALFORMED = [
    "[]",
    '"text"',
    "null",
    "12",
    '{"title": ["a list"], "trade": "electrical"}',
    '{"title": "Ok", "trade": "electrical", "budget_min_ghs": "NaN"}',
    '{"title": "Ok", "trade": "electrical", "budget_min_ghs": 1e309}',
    '{"title": "Ok", "trade": "electrical", "budget_min_ghs": ' + NESTED + "}",
    '{"title": ' + NESTED + ', "trade": "electrical"}',
    '{"title": "Ok", "trade": "astrology"}',
    '{"title": "Ok", "trade": "electrical", "region": "lagos"}',
    '{"title": "Ok", "trade": "electrical", "gps_code": "nope"}',
    '{"title": "Ok", "trade": "electrical", "start_date": "2001-01-01"}',
    '{"title": "Ok", "trade": "electrical", "budget_type": "range", "budget_min_ghs": "9", "budget_max_ghs": "3"}',
    "{not json",
]


def send_raw(client, method: str, url: str, body: str):
    return getattr(client, method)(url, data=body, content_type="application/json")


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_search_is_public_and_paginated(api_client, hirer):
    for number in range(3):
        make_job(hirer, title=f"Paint house {number}")
    make_job(hirer, title="Hidden draft", publish=False)

    response = api_client.get("/api/v1/jobs/", {"q": "paint", "page_size": 2})

    body = response.json()
    assert response.status_code == HTTPStatus.OK
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["results"][0]["budget_min_ghs"] == "450.00"
    assert body["results"][0]["address"] == ""


@pytest.mark.parametrize(
    "params",
    [
        {"trade": "astrology"},
        {"budget_min_ghs": "NaN"},
        {"budget_min_ghs": "1e309"},
        {"sort": "random"},
        {"budget_min_ghs": "9", "budget_max_ghs": "3"},
        {"region": "lagos"},
    ],
)
def test_search_rejects_bad_params(api_client, params):
    response = api_client.get("/api/v1/jobs/", params)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert error_code(response) == "invalid"


def test_hirer_creates_and_publishes(as_api, hirer):
    response = as_api(hirer).post("/api/v1/jobs/", JOB_BODY | {"publish": True}, format="json")

    assert response.status_code == HTTPStatus.CREATED
    job = Job.objects.get()
    assert job.status == JobStatus.OPEN
    assert (job.budget_min, job.budget_max) == (50000, 90050)
    assert response.json()["gps_code"] == "GT-123-4567"


def test_create_saves_a_draft_by_default(as_api, hirer):
    response = as_api(hirer).post("/api/v1/jobs/", {"title": "Wardrobe", "trade": "carpentry"}, format="json")

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["status"] == "draft"


@pytest.mark.parametrize("body", MALFORMED)
def test_create_rejects_malformed_bodies(as_api, hirer, body):
    response = send_raw(as_api(hirer), "post", "/api/v1/jobs/", body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert error_code(response) in {"invalid", "parse_error", "past_date"}
    assert Job.objects.count() == 0


def test_create_needs_a_hirer(as_api, api_client, worker):
    assert as_api(worker).post("/api/v1/jobs/", JOB_BODY, format="json").status_code == HTTPStatus.CONFLICT
    assert api_client.post("/api/v1/jobs/", JOB_BODY, format="json").status_code == HTTPStatus.UNAUTHORIZED
    assert Job.objects.count() == 0


def test_publish_incomplete_draft_explains(as_api, hirer):
    job = services.job_create(hirer=hirer, title="Wardrobe", trade="carpentry")

    response = as_api(hirer).post(f"/api/v1/jobs/{job.pk}/publish/")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert error_code(response) == "incomplete"
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT


def test_detail_visibility(api_client, as_api, hirer, stranger):
    draft = make_job(hirer, publish=False)
    open_job = make_job(hirer, address="House 4")

    assert api_client.get(f"/api/v1/jobs/{open_job.pk}/").json()["address"] == ""
    assert as_api(hirer).get(f"/api/v1/jobs/{open_job.pk}/").json()["address"] == "House 4"
    assert api_client.get(f"/api/v1/jobs/{draft.pk}/").status_code == HTTPStatus.NOT_FOUND
    assert as_api(stranger).get(f"/api/v1/jobs/{draft.pk}/").status_code == HTTPStatus.NOT_FOUND
    assert as_api(hirer).get(f"/api/v1/jobs/{draft.pk}/").status_code == HTTPStatus.OK
    assert api_client.get("/api/v1/jobs/nope/").status_code == HTTPStatus.NOT_FOUND


def test_update_by_owner(as_api, hirer):
    job = make_job(hirer, publish=False)

    response = as_api(hirer).patch(
        f"/api/v1/jobs/{job.pk}/", {"title": "New title", "budget_min_ghs": "600"}, format="json"
    )

    assert response.status_code == HTTPStatus.OK
    job.refresh_from_db()
    assert (job.title, job.budget_min, job.budget_max) == ("New title", 60000, 60000)


@pytest.mark.parametrize("body", MALFORMED[:9])
def test_update_rejects_malformed_bodies(as_api, hirer, body):
    job = make_job(hirer, publish=False)
    before = Job.objects.filter(pk=job.pk).values().get()

    response = send_raw(as_api(hirer), "patch", f"/api/v1/jobs/{job.pk}/", body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert Job.objects.filter(pk=job.pk).values().get() == before


def test_update_with_unknown_field_is_400(as_api, hirer):
    job = make_job(hirer, publish=False)
    before = Job.objects.filter(pk=job.pk).values().get()

    response = as_api(hirer).patch(f"/api/v1/jobs/{job.pk}/", {"budget_min": "600"}, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    error = response.json()["error"]
    assert list(error["fields"]) == ["budget_min"]
    assert "budget_min_ghs" in error["fields"]["budget_min"][0]
    assert Job.objects.filter(pk=job.pk).values().get() == before


def test_create_with_unknown_fields_is_400(as_api, hirer):
    body = {**JOB_BODY, "budget": "600", "colour": "blue"}

    response = as_api(hirer).post("/api/v1/jobs/", body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert sorted(response.json()["error"]["fields"]) == ["budget", "colour"]
    assert not Job.objects.exists()


def test_update_by_others_is_404(as_api, api_client, hirer, other_hirer, worker):
    job = make_job(hirer)

    assert as_api(other_hirer).patch(f"/api/v1/jobs/{job.pk}/", {"title": "x"}, format="json").status_code == 404
    assert as_api(worker).patch(f"/api/v1/jobs/{job.pk}/", {"title": "x"}, format="json").status_code == 404
    assert api_client.patch(f"/api/v1/jobs/{job.pk}/", {"title": "x"}, format="json").status_code == 401
    job.refresh_from_db()
    assert job.title != "x"


def test_cancel_and_transitions(as_api, hirer, worker):
    job = make_job(hirer)
    application = make_application(job, worker)
    services.application_accept(application=application, hirer=hirer)
    client = as_api(hirer)

    assert client.post(f"/api/v1/jobs/{job.pk}/start/").json()["status"] == "in_progress"
    refused = client.post(f"/api/v1/jobs/{job.pk}/cancel/", {"reason": "x"}, format="json")
    assert client.post(f"/api/v1/jobs/{job.pk}/complete/").json()["status"] == "completed"

    assert refused.status_code == HTTPStatus.CONFLICT
    assert error_code(refused) == "invalid_transition"


def test_cancel_by_another_hirer_is_404(as_api, hirer, other_hirer):
    job = make_job(hirer)

    response = as_api(other_hirer).post(f"/api/v1/jobs/{job.pk}/cancel/", {}, format="json")

    assert response.status_code == HTTPStatus.NOT_FOUND
    job.refresh_from_db()
    assert job.status == JobStatus.OPEN


@pytest.mark.parametrize("body", ["[]", '"text"', "null", '{"reason": ["x"]}', '{"reason": ' + NESTED + "}", "{"])
def test_cancel_rejects_malformed_bodies(as_api, hirer, body):
    job = make_job(hirer)

    response = send_raw(as_api(hirer), "post", f"/api/v1/jobs/{job.pk}/cancel/", body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    job.refresh_from_db()
    assert job.status == JobStatus.OPEN


def test_hirer_lists_own_jobs_by_status(as_api, hirer, other_hirer):
    make_job(hirer, title="Mine open")
    make_job(hirer, title="Mine draft", publish=False)
    make_job(other_hirer, title="Not mine")

    response = as_api(hirer).get("/api/v1/jobs/mine/", {"status": "draft"})

    assert [job["title"] for job in response.json()["results"]] == ["Mine draft"]
    assert as_api(hirer).get("/api/v1/jobs/mine/", {"status": "nope"}).status_code == 400


def test_worker_applies_and_sees_own_applications(as_api, worker, hirer):
    job = make_job(hirer)
    client = as_api(worker)

    response = client.post(
        f"/api/v1/jobs/{job.pk}/applications/",
        {"cover_letter": "I can do it", "proposed_amount_ghs": "420.5"},
        format="json",
    )
    mine = client.get("/api/v1/jobs/applications/")

    assert response.status_code == HTTPStatus.CREATED
    assert Application.objects.get().proposed_amount == 42050
    assert mine.json()["results"][0]["proposed_amount_ghs"] == "420.50"


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '"text"',
        "null",
        "12",
        '{"cover_letter": ["x"], "proposed_amount_ghs": "1"}',
        '{"cover_letter": "Hi", "proposed_amount_ghs": "NaN"}',
        '{"cover_letter": "Hi", "proposed_amount_ghs": NaN}',
        '{"cover_letter": "Hi", "proposed_amount_ghs": 1e309}',
        '{"cover_letter": "Hi", "proposed_amount_ghs": [1]}',
        '{"cover_letter": "Hi", "proposed_amount_ghs": true}',
        '{"cover_letter": ' + NESTED + ', "proposed_amount_ghs": "1"}',
        '{"cover_letter": "Hi", "proposed_amount_ghs": "0.001"}',
        '{"cover_letter": "", "proposed_amount_ghs": "10"}',
        '{"cover_letter": "Hi", "proposed_amount_ghs": "0"}',
    ],
)
def test_apply_rejects_malformed_bodies(as_api, worker, hirer, body):
    job = make_job(hirer)

    response = send_raw(as_api(worker), "post", f"/api/v1/jobs/{job.pk}/applications/", body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert Application.objects.count() == 0


def test_second_application_is_a_clear_error(as_api, worker, hirer):
    job = make_job(hirer)
    make_application(job, worker)

    response = as_api(worker).post(
        f"/api/v1/jobs/{job.pk}/applications/", {"cover_letter": "Again", "proposed_amount_ghs": "10"}, format="json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert error_code(response) == "duplicate_application"
    assert Application.objects.count() == 1


def test_apply_by_hirer_or_nobody_is_refused(as_api, api_client, other_hirer, hirer):
    job = make_job(hirer)
    body = {"cover_letter": "Hi", "proposed_amount_ghs": "10"}

    assert as_api(other_hirer).post(f"/api/v1/jobs/{job.pk}/applications/", body, format="json").status_code == 409
    assert api_client.post(f"/api/v1/jobs/{job.pk}/applications/", body, format="json").status_code == 401
    assert Application.objects.count() == 0


def test_applicants_list_for_owner_only(as_api, api_client, hirer, other_hirer, worker):
    application = make_application(make_job(hirer), worker)
    url = f"/api/v1/jobs/{application.job_id}/applications/"

    owner = as_api(hirer).get(url)

    assert owner.status_code == HTTPStatus.OK
    assert owner.json()[0]["worker"]["name"] == worker.full_name
    assert as_api(other_hirer).get(url).status_code == HTTPStatus.NOT_FOUND
    assert as_api(worker).get(url).status_code == HTTPStatus.NOT_FOUND
    assert api_client.get(url).status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize(
    ("decision", "status"), [("shortlist", "shortlisted"), ("accept", "accepted"), ("reject", "rejected")]
)
def test_hirer_decides(as_api, hirer, other_hirer, worker, decision, status):
    application = make_application(make_job(hirer), worker)
    url = f"/api/v1/jobs/applications/{application.pk}/{decision}/"

    assert as_api(other_hirer).post(url).status_code == HTTPStatus.NOT_FOUND
    assert as_api(worker).post(url).status_code == HTTPStatus.NOT_FOUND
    response = as_api(hirer).post(url)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["status"] == status
    application.refresh_from_db()
    assert application.status == status


def test_withdraw_own_only(as_api, api_client, hirer, worker, stranger):
    application = make_application(make_job(hirer), worker)
    url = f"/api/v1/jobs/applications/{application.pk}/withdraw/"

    assert as_api(stranger).post(url).status_code == HTTPStatus.NOT_FOUND
    assert api_client.post(url).status_code == HTTPStatus.UNAUTHORIZED
    assert as_api(worker).post(url).json()["status"] == "withdrawn"
    assert as_api(worker).post(url).status_code == HTTPStatus.CONFLICT


def test_my_applications_needs_a_worker(as_api, api_client, hirer):
    assert as_api(hirer).get("/api/v1/jobs/applications/").status_code == HTTPStatus.CONFLICT
    assert api_client.get("/api/v1/jobs/applications/").status_code == HTTPStatus.UNAUTHORIZED


def test_schema_renders(api_client):
    response = api_client.get("/api/v1/schema/")

    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert "/api/v1/jobs/{job_id}/applications/" in body
    assert "/api/v1/hirers/saved-workers/" in body


def test_my_applications_filter_by_status(as_api, worker, hirer):
    pending = make_application(make_job(hirer), worker)
    withdrawn = make_application(make_job(hirer), worker)
    services.application_withdraw(application=withdrawn, worker=worker)
    client = as_api(worker)

    response = client.get("/api/v1/jobs/applications/", {"status": "pending"})

    assert [row["id"] for row in response.json()["results"]] == [pending.pk]
    assert client.get("/api/v1/jobs/applications/", {"status": "lost"}).status_code == HTTPStatus.BAD_REQUEST
