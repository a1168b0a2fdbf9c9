"""Dashboard fragments of the jobs and hirers apps, called directly and through the dashboards."""

import pytest
from django.test import RequestFactory

from apps.hirers.fragments import saved_workers
from apps.hirers.services import saved_worker_add
from apps.jobs import fragments
from apps.modules.faults import active_faults
from apps.workers.services import worker_profile_update
from tests.jobs.conftest import make_application, make_job

pytestmark = pytest.mark.django_db


def request_for(user):
    request = RequestFactory().get("/dashboard/")
    request.user = user
    return request


def test_worker_applications_groups_by_status(hirer, worker):
    accepted_job = make_job(hirer, title="Won this one")
    pending_job = make_job(hirer, title="Still waiting")
    from apps.jobs import services

    services.application_accept(application=make_application(accepted_job, worker), hirer=hirer)
    make_application(pending_job, worker)

    html = fragments.worker_applications(request_for(worker))

    assert html.index("Accepted") < html.index("Won this one") < html.index("Pending") < html.index("Still waiting")


def test_worker_applications_empty_state(worker):
    assert "You have not applied" in fragments.worker_applications(request_for(worker))


def test_recommended_jobs_match_trades_and_region(hirer, worker):
    worker_profile_update(user=worker, trades=["plumbing"], region="ashanti")
    make_job(hirer, title="Plumbing in Kumasi", trade="plumbing", region="ashanti", town="Kumasi")
    make_job(hirer, title="Plumbing in Accra", trade="plumbing", region="greater-accra")
    make_job(hirer, title="Wiring in Kumasi", trade="electrical", region="ashanti", town="Kumasi")
    applied = make_job(hirer, title="Already applied", trade="plumbing", region="ashanti", town="Kumasi")
    make_application(applied, worker)

    html = fragments.recommended_jobs(request_for(worker))

    assert "Plumbing in Kumasi" in html
    assert "Plumbing in Accra" not in html
    assert "Wiring in Kumasi" not in html
    assert "Already applied" not in html


def test_recommended_jobs_without_preferences_shows_newest(hirer, worker):
    make_job(hirer, title="Any job at all")

    html = fragments.recommended_jobs(request_for(worker))

    assert "Any job at all" in html
    assert "Add your trades and region" in html


def test_hirer_fragments(hirer, worker):
    job = make_job(hirer, title="Paint the gate")
    make_job(hirer, publish=False)
    make_application(job, worker)

    by_state = fragments.hirer_jobs_by_state(request_for(hirer))
    newest = fragments.newest_applicants(request_for(hirer))

    assert "Open: 1" in by_state
    assert "Draft: 1" in by_state
    assert worker.full_name in newest
    assert "Paint the gate" in newest


def test_newest_applicants_shows_only_own_jobs(hirer, other_hirer, worker):
    make_application(make_job(other_hirer, title="Not yours"), worker)

    assert "Not yours" not in fragments.newest_applicants(request_for(hirer))


def test_saved_workers_fragment(hirer, worker):
    saved_worker_add(hirer=hirer, worker_id=worker.pk)

    assert worker.full_name in saved_workers(request_for(hirer))


@pytest.mark.parametrize("count", [2, 12])
def test_fragment_query_counts_are_fixed(hirer, count, django_assert_max_num_queries):
    from tests.conftest import make_user

    job = make_job(hirer)
    for _ in range(count):
        worker = make_user(role="worker")
        make_application(make_job(hirer), worker)
        make_application(job, worker)
        saved_worker_add(hirer=hirer, worker_id=worker.pk)
    # The cached fragments check for injected cache faults; load the fault rules first.
    active_faults()

    with django_assert_max_num_queries(2):
        fragments.newest_applicants(request_for(hirer))
    with django_assert_max_num_queries(1):
        fragments.hirer_jobs_by_state(request_for(hirer))
    with django_assert_max_num_queries(2):
        saved_workers(request_for(hirer))
    with django_assert_max_num_queries(1):
        fragments.worker_applications(request_for(worker))


def test_dashboards_embed_the_fragments(hirer_client, worker_client, hirer, worker):
    job = make_job(hirer, title="Fix the roof")
    make_application(job, worker)

    hirer_page = hirer_client.get("/dashboard/")
    worker_page = worker_client.get("/dashboard/")

    assert hirer_page.status_code == 200
    assert "New applicants" in hirer_page.content.decode()
    assert worker_page.status_code == 200
    assert "Your applications" in worker_page.content.decode()
