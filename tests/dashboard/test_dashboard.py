from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.jobs.services import application_create, job_create
from apps.modules import faults, maintenance
from apps.workers.services import worker_profile_update
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard:home")
API = "/api/v1/dashboard/"


def open_job(hirer, *, title="Fix leaking kitchen tap", trade="plumbing", region="greater-accra", town="Madina"):
    return job_create(
        hirer=hirer,
        title=title,
        trade=trade,
        description="The kitchen tap leaks at the base and the valve under the sink is stiff.",
        budget_min=15000,
        region=region,
        town=town,
        publish=True,
    )


def apply(job, worker, amount=14000):
    return application_create(
        job=job, worker=worker, cover_letter="I fix taps every week and can come tomorrow.", proposed_amount=amount
    )


@pytest.fixture
def plumber(worker):
    worker_profile_update(user=worker, trades=["plumbing"], region="greater-accra", town="Madina")
    return worker


def test_dashboard_needs_login(client):
    response = client.get(DASHBOARD)

    assert response.status_code == HTTPStatus.FOUND
    assert reverse("accounts:login") in response["Location"]


def test_worker_dashboard_shows_each_panel(worker_client, plumber, hirer):
    applied = open_job(hirer, title="Replace bathroom shower mixer")
    apply(applied, plumber)
    open_job(hirer, title="Install water storage tank")
    open_job(hirer, title="Fix Kumasi roof", trade="carpentry", region="ashanti", town="Kumasi")

    response = worker_client.get(DASHBOARD)

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "complete" in body  # the workers profile checklist
    assert "Replace bathroom shower mixer" in body  # the jobs applications panel
    assert "Install water storage tank" in body  # recommended: same trade and region
    assert "Fix Kumasi roof" not in body
    assert "no-store" in response["Cache-Control"]


def test_hirer_dashboard_shows_jobs_and_applicants(hirer_client, hirer, plumber):
    job = open_job(hirer, title="Unblock the compound drain")
    apply(job, plumber)

    response = hirer_client.get(DASHBOARD)

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Unblock the compound drain" in body
    assert plumber.full_name in body
    assert plumber.phone not in body
    assert "Profile 0% complete" not in body


def test_staff_dashboard_links_admin(staff_client):
    response = staff_client.get(DASHBOARD)

    assert response.status_code == HTTPStatus.OK
    assert reverse("admin:index") in response.content.decode()
    assert reverse("monitoring:ops") in response.content.decode()


def test_failing_jobs_fragments_leave_page_working(worker_client, plumber, hirer):
    open_job(hirer)
    faults.fault_set(target="jobs.fragments", spec="raise")

    response = worker_client.get(DASHBOARD)

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert 'data-module="jobs"' in body
    assert "temporarily unavailable" in body
    assert "Profile" in body
    assert "% complete" in body


def test_failing_workers_fragment_leaves_jobs_panels(worker_client, plumber, hirer):
    open_job(hirer, title="Fit new water heater")
    faults.fault_set(target="workers.fragments", spec="raise")

    response = worker_client.get(DASHBOARD)

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert 'data-module="workers"' in body
    assert "Fit new water heater" in body


def test_jobs_module_in_maintenance_shows_partial(hirer_client, hirer, staff):
    open_job(hirer, title="Tile the veranda")
    maintenance.module_switch_off(module_name="jobs", reason="Database upgrade", actor=staff)

    response = hirer_client.get(DASHBOARD)

    assert response.status_code == HTTPStatus.OK
    assert "Tile the veranda" not in response.content.decode()


def dashboard_queries(client) -> int:
    """Count the queries of a warm request: a first one may load the switch caches."""
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD).status_code == HTTPStatus.OK
    return len(queries)


# Each panel costs a few queries plus a savepoint, and on PostgreSQL two more statements that
# set and reset its statement timeout; the layout's own fragments (navigation counters) add
# some more. The cap leaves room for them; the equality with 5 and 50 rows is the real check.


def test_worker_dashboard_query_count_is_fixed(worker_client, plumber, settings, django_assert_max_num_queries):
    settings.KELMAH_SWITCH_CACHE_TTL_S = 600  # no switch reload in the middle of a count
    hirer = make_user(role="hirer", name="Akua Ofori")

    def add_jobs(first: int, last: int) -> None:
        for number in range(first, last):
            job = open_job(hirer, title=f"Plumbing job {number}")
            if number % 2:
                apply(job, plumber)

    add_jobs(0, 5)
    with_five = dashboard_queries(worker_client)
    add_jobs(5, 50)

    with_fifty = dashboard_queries(worker_client)
    with django_assert_max_num_queries(50):
        assert worker_client.get(DASHBOARD).status_code == HTTPStatus.OK
    assert with_fifty == with_five


def test_hirer_dashboard_query_count_is_fixed(hirer_client, hirer, settings, django_assert_max_num_queries):
    settings.KELMAH_SWITCH_CACHE_TTL_S = 600  # no switch reload in the middle of a count

    def add_jobs(first: int, last: int) -> None:
        for number in range(first, last):
            job = open_job(hirer, title=f"Plumbing job {number}")
            apply(job, make_user(role="worker", name=f"Worker {number}"))

    add_jobs(0, 5)
    with_five = dashboard_queries(hirer_client)
    add_jobs(5, 50)

    with_fifty = dashboard_queries(hirer_client)
    with django_assert_max_num_queries(50):
        assert hirer_client.get(DASHBOARD).status_code == HTTPStatus.OK
    assert with_fifty == with_five


# API


def test_api_needs_login(api_client):
    assert api_client.get(API).status_code in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}


def test_api_worker_figures_match(as_api, plumber, hirer):
    applied = open_job(hirer, title="Fix shower")
    apply(applied, plumber)
    recommended = open_job(hirer, title="Install tank")

    response = as_api(plumber).get(API)

    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "private, no-store"
    sections = response.json()["sections"]
    assert sections["applications"]["data"]["counts"]["pending"] == 1
    assert [job["id"] for job in sections["recommended_jobs"]["data"]] == [recommended.pk]
    assert sections["profile_completeness"]["status"] == "ok"
    assert "trade" not in {item["key"] for item in sections["profile_completeness"]["data"]["missing"]}


def test_api_hirer_figures_match(as_api, hirer, plumber):
    job = open_job(hirer)
    apply(job, plumber, amount=12500)

    sections = as_api(hirer).get(API).json()["sections"]

    assert sections["jobs_by_state"]["data"]["open"] == 1
    [applicant] = sections["newest_applicants"]["data"]
    assert applicant["worker_name"] == plumber.full_name
    assert applicant["proposed_amount_pesewas"] == 12500
    assert "phone" not in applicant
    assert sections["saved_workers"] == {"status": "ok", "data": []}


def test_api_reports_failing_section_alone(as_api, plumber, hirer):
    open_job(hirer)
    faults.fault_set(target="jobs.fragments", spec="raise")

    response = as_api(plumber).get(API)

    sections = response.json()["sections"]
    assert response.status_code == HTTPStatus.OK
    assert sections["applications"] == {"status": "unavailable"}
    assert sections["recommended_jobs"] == {"status": "unavailable"}
    assert sections["profile_completeness"]["status"] == "ok"


def test_api_staff_has_no_sections(as_api, staff):
    body = as_api(staff).get(API).json()

    assert body == {"role": "staff", "sections": {}}


def test_api_rejects_writes(as_api, hirer):
    assert as_api(hirer).post(API, {"x": 1}, format="json").status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_hirer_dashboard_shows_saved_workers(hirer_client, hirer, plumber):
    from apps.hirers.services import saved_worker_add

    saved_worker_add(hirer=hirer, worker_id=plumber.pk)

    response = hirer_client.get(DASHBOARD)

    assert response.status_code == HTTPStatus.OK
    assert plumber.full_name in response.content.decode()
    assert plumber.phone not in response.content.decode()


def test_worker_card_fragment_renders_public_card(rf, plumber, hirer):
    from apps.modules.boundary import render_fragment

    request = rf.get("/")
    request.user = hirer

    html = render_fragment(request, "workers", "worker_card", user_id=plumber.pk)
    missing = render_fragment(request, "workers", "worker_card", user_id=999999)

    assert plumber.full_name in html
    assert plumber.phone not in html
    assert missing == ""


def test_api_includes_wallet_in_pesewas(as_api, hirer, plumber):
    for user in (hirer, plumber):
        wallet = as_api(user).get(API).json()["sections"]["wallet"]

        assert wallet["status"] == "ok"
        assert wallet["data"]["escrow_pesewas"] == 0
        assert wallet["data"]["payable_pesewas"] == 0


def test_worker_profile_offers_message_button_to_hirers_only(hirer_client, client, worker_client, plumber):
    url = reverse("workers:profile", kwargs={"user_id": plumber.pk})
    button = f'name="worker" value="{plumber.pk}"'

    assert button in hirer_client.get(url).content.decode()
    assert button not in client.get(url).content.decode()
    assert button not in worker_client.get(url).content.decode()


def test_worker_profile_survives_failing_messaging(hirer_client, plumber):
    faults.fault_set(target="messaging.fragments", spec="raise")

    response = hirer_client.get(reverse("workers:profile", kwargs={"user_id": plumber.pk}))

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert plumber.full_name in body
    assert 'data-module="messaging"' in body
    assert f'name="worker" value="{plumber.pk}"' not in body
