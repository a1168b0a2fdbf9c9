from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.workers import services
from apps.workers.models import GhanaCardState, WorkerProfile
from tests.workers.helpers import forget_cached_directory, listed_worker

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("workers:directory")


def names_in(response) -> list[str]:
    return [card.name for card in response.context["page"]]


def test_directory_lists_only_workers_with_a_trade(client, worker, hirer):
    listed = listed_worker(name="Kwabena Darko")

    response = client.get(DIRECTORY)

    assert response.status_code == HTTPStatus.OK
    assert names_in(response) == [listed.full_name]


def test_directory_filters_by_each_field(client):
    listed_worker(
        name="Akosua Plumber",
        trades=["plumbing"],
        region="greater-accra",
        town="Tema",
        rate_pesewas=20000,
        availability="busy",
        skills="PPR pipes",
    )
    listed_worker(
        name="Yaw Welder",
        trades=["welding", "aluminium"],
        region="ashanti",
        town="Kumasi",
        rate_pesewas=5000,
        rate_unit="hour",
    )
    top = listed_worker(name="Dzifa Tiler", trades=["tiling"], region="volta", town="Ho", rate_pesewas=15000)
    services.worker_rating_record(worker_user=top, stars=5)

    assert names_in(client.get(DIRECTORY, {"trade": "aluminium"})) == ["Yaw Welder"]
    assert names_in(client.get(DIRECTORY, {"region": "volta"})) == ["Dzifa Tiler"]
    assert names_in(client.get(DIRECTORY, {"q": "ppr"})) == ["Akosua Plumber"]
    assert names_in(client.get(DIRECTORY, {"q": "kumasi"})) == ["Yaw Welder"]
    assert names_in(client.get(DIRECTORY, {"min_rating": "4"})) == ["Dzifa Tiler"]
    assert names_in(client.get(DIRECTORY, {"availability": "busy"})) == ["Akosua Plumber"]
    # GH₵ 50 an hour is GH₵ 400 a day, so only the GH₵ 150 day rate fits under GH₵ 160.
    assert names_in(client.get(DIRECTORY, {"max_rate": "160"})) == ["Dzifa Tiler"]
    assert names_in(client.get(DIRECTORY, {"sort": "rate_low"})) == ["Dzifa Tiler", "Akosua Plumber", "Yaw Welder"]
    assert names_in(client.get(DIRECTORY, {"sort": "best"}))[0] == "Dzifa Tiler"


@pytest.mark.parametrize(
    "query",
    [
        {"trade": "astronaut"},
        {"min_rating": "NaN"},
        {"max_rate": "1e309"},
        {"max_rate": "-5"},
        {"sort": "'; drop table"},
        {"page": "9999"},
        {"page": "abc"},
        {"q": "x" * 500},
    ],
)
def test_directory_survives_malformed_query(client, query):
    listed_worker()

    response = client.get(DIRECTORY, query)

    assert response.status_code == HTTPStatus.OK
    assert len(names_in(response)) == 1


def test_directory_paginates(client):
    for number in range(23):
        listed_worker(name=f"Worker {number:02d}")

    first = client.get(DIRECTORY, {"sort": "newest"})
    second = client.get(DIRECTORY, {"sort": "newest", "page": 2})

    assert len(names_in(first)) == 20
    assert len(names_in(second)) == 3
    assert 'rel="next"' in first.content.decode()
    assert "sort=newest" in first.content.decode()


def count_queries(client, url, query=None) -> int:
    """Count the queries of a cold directory load after a warm request has loaded the layout's switch caches."""
    client.get(url, query)
    forget_cached_directory()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, query).status_code == HTTPStatus.OK
    return len(queries)


def add_workers(first: int, last: int) -> None:
    for number in range(first, last):
        listed_worker(name=f"Worker {number}", trades=["plumbing", "tiling"])


@pytest.mark.parametrize(("client_name", "cap"), [("client", 6), ("hirer_client", 16)])
def test_directory_query_count_is_fixed(request, settings, django_assert_max_num_queries, client_name, cap):
    # Keep the layout's cached switches from reloading mid-test, which would add queries at random.
    settings.KELMAH_SWITCH_CACHE_TTL_S = 600
    client = request.getfixturevalue(client_name)
    query = {"trade": "plumbing", "region": "ashanti"}
    add_workers(0, 5)
    with_five = count_queries(client, DIRECTORY, query)
    add_workers(5, 50)

    with_fifty = count_queries(client, DIRECTORY, query)
    # Three directory queries (count, page, trades); a logged-in user adds the session, the user
    # and the layout's navigation counters.
    forget_cached_directory()
    with django_assert_max_num_queries(cap):
        response = client.get(DIRECTORY, query)

    assert with_fifty == with_five
    assert len(names_in(response)) == 20


def test_profile_page_hides_phone_email_and_card(client, hirer_client):
    user = listed_worker(name="Esi Quartey", headline="Dressmaker for weddings", trades=["tailoring"])
    services.ghana_card_submit(user=user, number="GHA-123456789-0")
    url = reverse("workers:profile", kwargs={"user_id": user.pk})

    for visitor in (client, hirer_client):
        response = visitor.get(url)
        body = response.content.decode()
        assert response.status_code == HTTPStatus.OK
        assert "Dressmaker for weddings" in body
        assert user.phone not in body
        assert user.phone[4:] not in body
        assert user.email not in body
        assert "123456789" not in body


def test_profile_page_shows_verified_badge(client, staff):
    user = listed_worker()
    services.ghana_card_submit(user=user, number="GHA-123456789-0")
    services.ghana_card_review(reviewer=staff, worker_user=user, approve=True)

    response = client.get(reverse("workers:profile", kwargs={"user_id": user.pk}))

    assert "Ghana Card verified" in response.content.decode()


def test_profile_page_404_unless_listed(client, worker, hirer):
    for user_id in (worker.pk, hirer.pk, 999999):
        assert client.get(reverse("workers:profile", kwargs={"user_id": user_id})).status_code == HTTPStatus.NOT_FOUND


def test_profile_page_of_deactivated_worker_is_404(client):
    user = listed_worker()
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert client.get(reverse("workers:profile", kwargs={"user_id": user.pk})).status_code == HTTPStatus.NOT_FOUND


def edit_form(**overrides) -> dict:
    return {
        "headline": "Electrician for homes and shops",
        "bio": "Wiring, rewiring and fault finding.",
        "trades": ["electrical", "electronics-repair"],
        "primary_trade": "electrical",
        "skills": "house wiring, solar panels",
        "years_experience": "7",
        "rate": "250.50",
        "rate_unit": "day",
        "region": "central",
        "town": "Cape Coast",
        "service_radius_km": "25",
        "availability": "available",
        "certification_level": "nc1",
    } | overrides


def test_edit_page_saves_profile(worker_client, worker):
    assert worker_client.get(reverse("workers:edit")).status_code == HTTPStatus.OK

    response = worker_client.post(reverse("workers:edit"), edit_form())

    assert response.status_code == HTTPStatus.FOUND
    profile = WorkerProfile.objects.get(user=worker)
    assert profile.rate_pesewas == 25050
    assert profile.primary_trade == "electrical"
    assert profile.skill_list == ["house wiring", "solar panels"]
    assert set(profile.trades.values_list("trade", flat=True)) == {"electrical", "electronics-repair"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"trades": []}, "This field is required"),
        ({"trades": ["electrical"], "primary_trade": "plumbing"}, "main trade"),
        ({"rate": "abc"}, "not an amount"),
        ({"rate": "NaN"}, "finite"),
        ({"rate": "1e309"}, "too large"),
        ({"years_experience": "-3"}, "greater than or equal"),
        ({"skills": ",".join(f"s{n}" for n in range(20))}, "at most 15"),
        ({"region": "atlantis"}, "valid choice"),
    ],
)
def test_edit_page_shows_errors_and_saves_nothing(worker_client, worker, overrides, message):
    response = worker_client.post(reverse("workers:edit"), edit_form(**overrides))

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    profile = WorkerProfile.objects.get(user=worker)
    assert profile.headline == ""
    assert not profile.trades.exists()


def test_edit_page_hirer_and_visitor(hirer_client, client):
    assert hirer_client.get(reverse("workers:edit")).status_code == HTTPStatus.NOT_FOUND
    assert hirer_client.post(reverse("workers:edit"), edit_form()).status_code == HTTPStatus.NOT_FOUND
    response = client.post(reverse("workers:edit"), edit_form())
    assert response.status_code == HTTPStatus.FOUND
    assert reverse("accounts:login") in response["Location"]


def test_ghana_card_page_submits_number(worker_client, worker):
    response = worker_client.post(reverse("workers:ghana_card"), {"number": "GHA-000111222-3"})

    assert response.status_code == HTTPStatus.FOUND
    assert WorkerProfile.objects.get(user=worker).ghana_card_state == GhanaCardState.PENDING


def test_ghana_card_page_rejects_bad_number(worker_client, worker, hirer_client, client):
    response = worker_client.post(reverse("workers:ghana_card"), {"number": "12345"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "GHA-123456789-0" in response.content.decode()
    assert WorkerProfile.objects.get(user=worker).ghana_card_state == GhanaCardState.UNVERIFIED
    assert worker_client.get(reverse("workers:ghana_card")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert hirer_client.post(reverse("workers:ghana_card"), {"number": "GHA-000111222-3"}).status_code == 404
    assert client.post(reverse("workers:ghana_card"), {"number": "GHA-000111222-3"}).status_code == HTTPStatus.FOUND


def test_edit_page_shows_completeness(worker_client):
    response = worker_client.get(reverse("workers:edit"))

    assert "Profile 0% complete" in response.content.decode()
    assert "Choose your trade" in response.content.decode()


def test_directory_htmx_request_gets_results_only(client):
    listed_worker(name="Kwame Asante")

    full = client.get(DIRECTORY)
    partial = client.get(DIRECTORY, {"trade": "carpentry"}, HTTP_HX_REQUEST="true")

    assert "<html" in full.content.decode()
    assert "<html" not in partial.content.decode()
    assert "Kwame Asante" in partial.content.decode()
    assert "HX-Request" in partial["Vary"]


def test_unlisted_profile_shows_owner_a_notice(worker_client, worker):
    response = worker_client.get(reverse("workers:profile", kwargs={"user_id": worker.pk}))
    page = response.content.decode()

    assert response.status_code == HTTPStatus.OK
    assert "Your profile is hidden from hirers until you complete:" in page
    assert "Choose your trade" in page
    assert "Add a photo of your work" in page
    assert reverse("workers:edit") in page


def test_unlisted_profile_is_404_for_others(client, hirer_client, stranger_client, worker):
    url = reverse("workers:profile", kwargs={"user_id": worker.pk})

    assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    assert hirer_client.get(url).status_code == HTTPStatus.NOT_FOUND
    assert stranger_client.get(url).status_code == HTTPStatus.NOT_FOUND
    assert hirer_client.get(reverse("workers:directory")).content.decode().count(worker.full_name) == 0


def test_listed_profile_has_no_hidden_notice(client):
    user = listed_worker()
    url = reverse("workers:profile", kwargs={"user_id": user.pk})

    client.force_login(user)
    response = client.get(url)

    assert response.status_code == HTTPStatus.OK
    assert "hidden from hirers" not in response.content.decode()
