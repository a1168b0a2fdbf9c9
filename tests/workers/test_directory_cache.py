"""The cached worker directory: no queries on a repeat load, fresh after a change, honest when the database fails."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Role
from apps.modules.faults import fault_clear, fault_set
from apps.workers import services
from apps.workers.models import WorkerProfile
from tests.conftest import make_user
from tests.workers.helpers import listed_worker, upload

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("workers:directory")
API = "/api/v1/workers/"
PROFILE_TABLE = WorkerProfile._meta.db_table


def directory_queries(client, url: str, query: dict | None = None) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, query).status_code == HTTPStatus.OK
    return [entry["sql"] for entry in queries.captured_queries if PROFILE_TABLE in entry["sql"]]


@pytest.fixture
def faults_allowed(settings):
    settings.KELMAH_ALLOW_FAULT_INJECTION = True


def load_with_failing_database(client, url: str, query: dict | None = None):
    fault_set(target="workers.db", spec="raise")
    try:
        return client.get(url, query)
    finally:
        fault_clear(target="workers.db")


def test_second_directory_load_makes_no_directory_queries(client):
    listed_worker(name="Kwame Asante")

    first = directory_queries(client, DIRECTORY, {"trade": "carpentry"})
    second = directory_queries(client, DIRECTORY, {"trade": "carpentry"})

    assert first
    assert second == []


def test_keyword_spacing_and_case_share_one_cached_page(client):
    listed_worker(name="Kwame Asante")

    directory_queries(client, DIRECTORY, {"q": "kwame"})
    repeat = directory_queries(client, DIRECTORY, {"q": "  KWAME "})

    assert repeat == []


def test_each_page_and_filter_set_is_cached_apart(client):
    for number in range(23):
        listed_worker(name=f"Worker {number:02d}", region="volta" if number == 0 else "ashanti")

    client.get(DIRECTORY)
    second_page = client.get(DIRECTORY, {"page": 2})
    volta = client.get(DIRECTORY, {"region": "volta"})

    assert len(second_page.context["page"]) == 3
    assert second_page.context["page"].number == 2
    assert [card.name for card in volta.context["page"]] == ["Worker 00"]


def test_profile_change_shows_on_next_load(client, django_capture_on_commit_callbacks):
    user = listed_worker(name="Ama Mensah", headline="Kitchen cabinets")
    assert "Kitchen cabinets" in client.get(DIRECTORY).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.worker_profile_update(user=user, headline="Roofing and ceilings", availability="busy")

    body = client.get(DIRECTORY).content.decode()
    assert "Roofing and ceilings" in body
    assert "Kitchen cabinets" not in body
    assert WorkerProfile.objects.get(user=user).headline == "Roofing and ceilings"


def test_rating_and_verification_show_on_next_load(client, staff, django_capture_on_commit_callbacks):
    user = listed_worker(name="Yaw Boateng")
    assert "No ratings yet" in client.get(DIRECTORY).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.worker_rating_record(worker_user=user, stars=4)
        services.ghana_card_submit(user=user, number="GHA-123456789-0")
        services.ghana_card_review(reviewer=staff, worker_user=user, approve=True)

    body = client.get(DIRECTORY).content.decode()
    assert "★ 4.00 from 1 rating" in body
    assert "ID verified" in body


def test_portfolio_change_invalidates_cached_pages(client, django_capture_on_commit_callbacks):
    user = listed_worker(name="Efua Owusu")
    client.get(DIRECTORY)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.portfolio_item_add(user=user, upload=upload())

    assert callbacks
    assert directory_queries(client, DIRECTORY)


def test_uncommitted_change_keeps_cached_page(client):
    user = listed_worker(name="Kofi Badu", headline="Old headline")
    client.get(DIRECTORY)

    services.worker_profile_update(user=user, headline="Never committed")

    assert directory_queries(client, DIRECTORY) == []


def test_directory_serves_stale_page_with_its_age_while_database_fails(
    client, faults_allowed, django_capture_on_commit_callbacks
):
    user = listed_worker(name="Abena Darko", headline="Wedding dresses")
    client.get(DIRECTORY)
    with django_capture_on_commit_callbacks(execute=True):
        services.worker_profile_update(user=user, headline="Changed while the database failed")

    response = load_with_failing_database(client, DIRECTORY)

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Abena Darko" in body
    assert "Wedding dresses" in body
    assert response.context["result"].is_stale
    assert response.context["result"].age_text in body


def test_directory_never_loaded_says_unavailable_while_database_fails(client, faults_allowed):
    listed_worker(name="Unseen Worker")

    response = load_with_failing_database(client, DIRECTORY, {"trade": "carpentry"})

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "The directory is temporarily unavailable" in body
    assert "Unseen Worker" not in body


def test_htmx_results_say_unavailable_while_database_fails(client, faults_allowed):
    listed_worker(name="Unseen Worker")

    fault_set(target="workers.db", spec="raise")
    try:
        response = client.get(DIRECTORY, headers={"HX-Request": "true"})
    finally:
        fault_clear(target="workers.db")

    assert response.status_code == HTTPStatus.OK
    assert "The directory is temporarily unavailable" in response.content.decode()


def test_api_repeat_load_makes_no_directory_queries(api_client):
    listed_worker(name="Kwame Asante")

    first = directory_queries(api_client, API, {"page_size": 5})
    second = directory_queries(api_client, API, {"page_size": 5})

    assert first
    assert second == []


def test_api_cached_card_has_public_fields_only(api_client):
    user = listed_worker(name="Kwame Asante", skills=["roofing"], rate_pesewas=15000, rate_unit="day")

    api_client.get(API)
    card = api_client.get(API).json()["results"][0]

    assert card["user_id"] == user.pk
    assert card["name"] == "Kwame Asante"
    assert card["rating_average"] == "0.00"
    assert card["rate_pesewas"] == 15000
    assert card["trades"] == ["carpentry"]
    assert not {"phone", "email", "ghana_card_number", "ghana_card_state", "bio"} & set(card)


def test_api_page_past_the_end_is_404(api_client):
    listed_worker()

    response = api_client.get(API, {"page": 2})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["error"]["code"]


def test_api_serves_stale_page_while_database_fails(api_client, faults_allowed, django_capture_on_commit_callbacks):
    user = listed_worker(name="Abena Darko")
    api_client.get(API)
    with django_capture_on_commit_callbacks(execute=True):
        services.worker_profile_update(user=user, headline="Changed")

    response = load_with_failing_database(api_client, API)

    assert response.status_code == HTTPStatus.OK
    assert [card["name"] for card in response.json()["results"]] == ["Abena Darko"]
    assert "Age" in response.headers


def test_api_never_loaded_answers_503_while_database_fails(api_client, faults_allowed):
    listed_worker(name="Unseen Worker")

    response = load_with_failing_database(api_client, API)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["error"]["code"] == "directory_unavailable"


def test_worker_without_trade_is_not_cached_into_the_directory(client, django_capture_on_commit_callbacks):
    user = make_user(role=Role.WORKER, name="New Worker")
    assert "New Worker" not in client.get(DIRECTORY).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.worker_profile_update(user=user, trades=["masonry"])

    assert "New Worker" in client.get(DIRECTORY).content.decode()
