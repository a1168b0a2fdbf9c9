"""The job pages, as the owner, the wrong user, an anonymous visitor, and with malformed input."""

from http import HTTPStatus

import pytest

from apps.jobs import services
from apps.jobs.models import Application, Job, JobStatus
from tests.jobs.conftest import make_application, make_job, page_query_count

pytestmark = pytest.mark.django_db

# A ceiling for a logged-in page: its own queries plus the session, the user and the
# layout's counters, each fragment inside a savepoint (and, on PostgreSQL, a statement
# timeout). The tests also check the count does not grow with the number of rows.
LOGGED_IN_PAGE_QUERIES = 20


def test_home_shows_trades_counts_and_newest_jobs(client, hirer):
    make_job(hirer, title="Wire a new shop", trade="electrical")

    response = client.get("/")

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Wire a new shop" in body
    assert "/jobs/?trade=electrical" in body
    assert "1 open job" in body


def test_search_page_filters_by_trade(client, hirer):
    make_job(hirer, title="Wire a new shop", trade="electrical")
    make_job(hirer, title="Fix the sink", trade="plumbing")

    response = client.get("/jobs/", {"trade": "electrical"})

    assert response.status_code == HTTPStatus.OK
    assert "Wire a new shop" in response.content.decode()
    assert "Fix the sink" not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"budget_min": "abc"}, "is not an amount"),
        ({"budget_min": "NaN"}, "finite amount"),
        ({"budget_min": "1e309"}, "too large"),
        ({"budget_min": "500", "budget_max": "100"}, "below"),
        ({"trade": "astrology"}, "is not a trade we list"),
        ({"region": "lagos"}, "is not a region of Ghana"),
        ({"sort": "random"}, "Choose a sort order"),
    ],
)
def test_search_page_explains_bad_filters(client, params, message):
    response = client.get("/jobs/", params)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()


def test_search_page_htmx_returns_only_results(client, hirer):
    make_job(hirer, title="Fix the sink")

    response = client.get("/jobs/", {"q": "sink"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Fix the sink" in body
    assert "<html" not in body


def test_search_page_past_the_end(client, hirer):
    make_job(hirer, title="Fix the sink")

    response = client.get("/jobs/", {"page": "99999999999999999999"})

    assert response.status_code == HTTPStatus.OK
    assert "Fix the sink" in response.content.decode()


def test_detail_is_public_for_open_jobs(client, open_job):
    response = client.get(f"/jobs/{open_job.pk}/")

    assert response.status_code == HTTPStatus.OK
    assert open_job.title in response.content.decode()
    assert "sign up as a worker" in response.content.decode()


def test_detail_hides_the_address_from_the_public(client, hirer, hirer_client):
    job = make_job(hirer, address="House 12, Lagos Avenue", gps_code="GA-183-8164")

    public = client.get(f"/jobs/{job.pk}/").content.decode()
    owner = hirer_client.get(f"/jobs/{job.pk}/").content.decode()

    assert "GA-183-8164" not in public
    assert "GA-183-8164" in owner
    assert "House 12" in owner


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_detail_of_hidden_job_is_404_to_others(client, stranger_client, hirer_client, hirer, status):
    job = make_job(hirer, publish=status != "draft")
    if status == "cancelled":
        services.job_cancel(job=job, actor=hirer)

    assert client.get(f"/jobs/{job.pk}/").status_code == HTTPStatus.NOT_FOUND
    assert stranger_client.get(f"/jobs/{job.pk}/").status_code == HTTPStatus.NOT_FOUND
    assert hirer_client.get(f"/jobs/{job.pk}/").status_code == HTTPStatus.OK


@pytest.mark.parametrize("job_id", ["0", "abc", "-1", "99999999999999999999999"])
def test_detail_with_bad_id_is_404(client, job_id):
    assert client.get(f"/jobs/{job_id}/").status_code == HTTPStatus.NOT_FOUND


def test_worker_applies_through_the_form(worker_client, worker, open_job):
    response = worker_client.post(
        f"/jobs/{open_job.pk}/apply/", {"cover_letter": "Ten years fixing taps.", "proposed_amount": "1,250.50"}
    )

    assert response.status_code == HTTPStatus.FOUND
    application = Application.objects.get()
    assert (application.worker, application.proposed_amount) == (worker, 125050)
    page = worker_client.get(f"/jobs/{open_job.pk}/").content.decode()
    assert "Your application" in page
    assert "Withdraw application" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cover_letter": "", "proposed_amount": "400"}, "Write a short message"),
        ({"cover_letter": "Hi", "proposed_amount": "four hundred"}, "is not an amount"),
        ({"cover_letter": "Hi", "proposed_amount": "0.5"}, "at least GH₵ 1.00"),
        ({"cover_letter": "Hi", "proposed_amount": "NaN"}, "finite amount"),
        ({"cover_letter": "Hi", "proposed_amount": "1e309"}, "too large"),
        ({"cover_letter": "Hi"}, "Enter your price"),
    ],
)
def test_apply_form_explains_bad_input(worker_client, open_job, data, message):
    response = worker_client.post(f"/jobs/{open_job.pk}/apply/", data)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    assert Application.objects.count() == 0


def test_second_application_gets_a_clear_error(worker_client, worker, open_job):
    make_application(open_job, worker)

    response = worker_client.post(f"/jobs/{open_job.pk}/apply/", {"cover_letter": "Again", "proposed_amount": "1"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "already applied" in response.content.decode()
    assert Application.objects.count() == 1


def test_apply_to_closed_job_explains(worker_client, hirer, open_job):
    services.job_cancel(job=open_job, actor=hirer)
    Job.objects.filter(pk=open_job.pk).update(status=JobStatus.COMPLETED)

    response = worker_client.post(f"/jobs/{open_job.pk}/apply/", {"cover_letter": "Hi", "proposed_amount": "100"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "no longer taking applications" in response.content.decode()
    assert Application.objects.count() == 0


def test_hirer_cannot_apply(hirer_client, other_hirer):
    job = make_job(other_hirer)

    response = hirer_client.post(f"/jobs/{job.pk}/apply/", {"cover_letter": "Hi", "proposed_amount": "100"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Only worker accounts" in response.content.decode()
    assert Application.objects.count() == 0


@pytest.mark.parametrize("persona", ["client", "worker_client", "hirer_client"])
def test_apply_get_redirects_to_job(request, persona, open_job):
    response = request.getfixturevalue(persona).get(f"/jobs/{open_job.pk}/apply/")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"/jobs/{open_job.pk}/"
    assert not Application.objects.exists()


def test_apply_other_methods_are_405(worker_client, open_job):
    assert worker_client.put(f"/jobs/{open_job.pk}/apply/").status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_apply_needs_login(client, open_job):
    response = client.post(f"/jobs/{open_job.pk}/apply/", {"cover_letter": "Hi", "proposed_amount": "100"})

    assert response.status_code == HTTPStatus.FOUND
    assert "/accounts/login/" in response["Location"]
    assert Application.objects.count() == 0


def test_apply_to_a_draft_is_404(worker_client, draft_job):
    response = worker_client.post(f"/jobs/{draft_job.pk}/apply/", {"cover_letter": "Hi", "proposed_amount": "100"})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert Application.objects.count() == 0


def test_worker_withdraws(worker_client, application):
    response = worker_client.post(f"/jobs/applications/{application.pk}/withdraw/")

    assert response.status_code == HTTPStatus.FOUND
    application.refresh_from_db()
    assert application.status == "withdrawn"


def test_withdraw_someone_elses_application_is_404(stranger_client, application):
    response = stranger_client.post(f"/jobs/applications/{application.pk}/withdraw/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    application.refresh_from_db()
    assert application.status == "pending"


def test_withdraw_twice_shows_a_message(worker_client, application):
    worker_client.post(f"/jobs/applications/{application.pk}/withdraw/")

    response = worker_client.post(f"/jobs/applications/{application.pk}/withdraw/", follow=True)

    assert response.status_code == HTTPStatus.OK
    assert "can be withdrawn" in response.content.decode()


def test_my_applications_lists_only_mine(worker_client, stranger, hirer, worker):
    job = make_job(hirer, title="Mine to apply")
    other = make_job(hirer, title="Someone else's")
    make_application(job, worker)
    make_application(other, stranger)

    response = worker_client.get("/jobs/applications/", {"status": "bogus"})

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Mine to apply" in body
    assert "Someone else" not in body


def test_my_applications_is_for_workers(hirer_client, client):
    assert hirer_client.get("/jobs/applications/").status_code == HTTPStatus.FORBIDDEN
    assert client.get("/jobs/applications/").status_code == HTTPStatus.FOUND


def test_applicants_page_for_the_owner(hirer_client, application, worker):
    response = hirer_client.get(f"/jobs/{application.job_id}/applicants/")

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert worker.full_name in body
    assert "GH₵ 400.00" in body
    assert f"/jobs/applications/{application.pk}/accept/" in body


def test_applicants_page_is_404_for_another_hirer(client, worker_client, application, other_hirer):
    from tests.conftest import _client_for

    assert _client_for(other_hirer).get(f"/jobs/{application.job_id}/applicants/").status_code == 404
    assert worker_client.get(f"/jobs/{application.job_id}/applicants/").status_code == 403
    assert client.get(f"/jobs/{application.job_id}/applicants/").status_code == 302


@pytest.mark.parametrize(
    ("decision", "status"), [("shortlist", "shortlisted"), ("reject", "rejected"), ("accept", "accepted")]
)
def test_hirer_decides_on_an_application(hirer_client, application, decision, status):
    response = hirer_client.post(f"/jobs/applications/{application.pk}/{decision}/")

    assert response.status_code == HTTPStatus.FOUND
    application.refresh_from_db()
    assert application.status == status


def test_decision_by_another_hirer_is_404(other_hirer, application):
    from tests.conftest import _client_for

    response = _client_for(other_hirer).post(f"/jobs/applications/{application.pk}/accept/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    application.refresh_from_db()
    assert application.status == "pending"


def test_decision_needs_post_and_a_known_action(hirer_client, application):
    assert hirer_client.get(f"/jobs/applications/{application.pk}/accept/").status_code == 405
    assert hirer_client.post(f"/jobs/applications/{application.pk}/promote/").status_code == 404
    application.refresh_from_db()
    assert application.status == "pending"


def test_accepting_a_second_applicant_shows_an_error(hirer_client, hirer, open_job, worker, stranger):
    first = make_application(open_job, worker)
    second = make_application(open_job, stranger)
    services.application_accept(application=first, hirer=hirer)

    response = hirer_client.post(f"/jobs/applications/{second.pk}/accept/", follow=True)

    assert response.status_code == HTTPStatus.OK
    assert "no application can be accepted" in response.content.decode()
    second.refresh_from_db()
    assert second.status == "rejected"


def test_hirer_cancels_a_job(hirer_client, open_job):
    response = hirer_client.post(f"/jobs/{open_job.pk}/cancel/", {"reason": "Found someone already"})

    assert response.status_code == HTTPStatus.FOUND
    open_job.refresh_from_db()
    assert open_job.status == JobStatus.CANCELLED
    assert open_job.events.last().note == "Found someone already"


def test_cancel_by_another_hirer_is_404(open_job, other_hirer):
    from tests.conftest import _client_for

    assert _client_for(other_hirer).post(f"/jobs/{open_job.pk}/cancel/").status_code == 404
    open_job.refresh_from_db()
    assert open_job.status == JobStatus.OPEN


def test_start_and_complete_buttons(hirer_client, hirer, application):
    services.application_accept(application=application, hirer=hirer)

    hirer_client.post(f"/jobs/{application.job_id}/start/")
    hirer_client.post(f"/jobs/{application.job_id}/complete/")

    assert Job.objects.get(pk=application.job_id).status == JobStatus.COMPLETED


def test_completing_an_open_job_shows_an_error(hirer_client, open_job):
    response = hirer_client.post(f"/jobs/{open_job.pk}/complete/", follow=True)

    assert response.status_code == HTTPStatus.OK
    assert "cannot be marked completed" in response.content.decode()
    open_job.refresh_from_db()
    assert open_job.status == JobStatus.OPEN


def test_apply_replay_stores_one(worker_client, open_job):
    page = worker_client.get(f"/jobs/{open_job.pk}/").content.decode()
    assert 'name="idempotency_key"' in page
    data = {"cover_letter": "Ten years fixing taps.", "proposed_amount": "400", "idempotency_key": "apply-key-1"}

    first = worker_client.post(f"/jobs/{open_job.pk}/apply/", data)
    second = worker_client.post(f"/jobs/{open_job.pk}/apply/", data)

    assert first.status_code == second.status_code == HTTPStatus.FOUND
    assert second["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1


def test_applicants_page_links_profiles_and_saves(hirer_client, hirer, application, worker):
    from apps.hirers.models import SavedWorker

    page = hirer_client.get(f"/jobs/{application.job_id}/applicants/").content.decode()
    hirer_client.post(f"/hirer/saved-workers/{worker.pk}/save/", {"next": f"/jobs/{application.job_id}/applicants/"})
    after = hirer_client.get(f"/jobs/{application.job_id}/applicants/").content.decode()

    assert f"/workers/{worker.pk}/" in page
    assert "Save worker" in page
    assert SavedWorker.objects.filter(hirer=hirer, worker=worker).exists()
    assert "Remove from saved" in after


def test_applicants_page_query_count_is_fixed(hirer_client, hirer):
    from tests.conftest import make_user

    job = make_job(hirer)
    make_application(job, make_user(role="worker"))
    few = page_query_count(hirer_client, f"/jobs/{job.pk}/applicants/")
    for _ in range(15):
        make_application(job, make_user(role="worker"))

    many = page_query_count(hirer_client, f"/jobs/{job.pk}/applicants/")

    assert many == few
    assert many <= LOGGED_IN_PAGE_QUERIES


def test_my_applications_query_count_is_fixed(worker_client, worker, hirer):
    make_application(make_job(hirer), worker)
    few = page_query_count(worker_client, "/jobs/applications/")
    for _ in range(15):
        make_application(make_job(hirer), worker)

    many = page_query_count(worker_client, "/jobs/applications/")

    assert many == few
    assert many <= LOGGED_IN_PAGE_QUERIES


def test_hirer_jobs_query_count_is_fixed(hirer_client, hirer):
    make_job(hirer)
    few = page_query_count(hirer_client, "/hirer/jobs/")
    for _ in range(15):
        make_job(hirer)

    many = page_query_count(hirer_client, "/hirer/jobs/")

    assert many == few
    assert many <= LOGGED_IN_PAGE_QUERIES


def test_detail_shows_the_messaging_panel_to_parties(worker_client, stranger_client, application):
    applicant = worker_client.get(f"/jobs/{application.job_id}/").content.decode()
    outsider = stranger_client.get(f"/jobs/{application.job_id}/").content.decode()

    assert "Message the hirer" in applicant
    assert "Messages about this job" not in outsider


def test_detail_survives_a_failing_messaging_panel(hirer_client, application, caplog):
    from django.template import TemplateSyntaxError

    from apps.modules import registry
    from apps.modules.breaker import reset_breakers

    def raise_template_error(request, **kwargs):
        raise TemplateSyntaxError("Invalid block tag on line 3: 'endif'")

    fragment = registry.get_fragment("messaging", "job_thread")
    original = fragment.render
    fragment.render = raise_template_error
    try:
        response = hirer_client.get(f"/jobs/{application.job_id}/")
    finally:
        fragment.render = original
        reset_breakers(["messaging"])

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert application.job.title in body
    assert "Manage this job" in body
    assert 'data-module="messaging" data-fragment="job_thread" data-state="error"' in body
    assert any(getattr(record, "fragment", None) == "job_thread" for record in caplog.records)


def test_detail_names_a_business_hirer(client, hirer):
    from apps.hirers.services import hirer_profile_update

    hirer_profile_update(user=hirer, kind="business", business_name="Mensah Builders")
    job = make_job(hirer)

    assert "Mensah Builders" in client.get(f"/jobs/{job.pk}/").content.decode()
