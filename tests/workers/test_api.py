from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.workers import services
from apps.workers.models import GhanaCardState, PortfolioItem, WorkerProfile
from tests.workers.helpers import forget_cached_directory, listed_worker, upload

pytestmark = pytest.mark.django_db

DIRECTORY = "/api/v1/workers/"
ME = "/api/v1/workers/me/"
CARD = "/api/v1/workers/me/ghana-card/"
PORTFOLIO = "/api/v1/workers/me/portfolio/"

MALFORMED_BODIES = [
    [],
    "text",
    12,
    {"trades": "plumbing"},
    {"rate_pesewas": "NaN"},
    {"rate_pesewas": "1e309"},
    {"headline": ["a"]},
    {"skills": [[["deep"]]]},
    {"bio": {"a": {"b": {"c": {"d": {"e": 1}}}}}},
    {"trades": ["astronaut"]},
    {"years_experience": 1.5},
    {"region": None},
]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_directory_api_lists_and_filters(api_client):
    listed_worker(name="Abena Mason", trades=["masonry"], region="bono", town="Sunyani")
    listed_worker(name="Kojo Painter", trades=["painting"])

    response = api_client.get(DIRECTORY, {"trade": "masonry"})

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["count"] == 1
    [card] = body["results"]
    assert card["name"] == "Abena Mason"
    assert card["trades"] == ["masonry"]
    assert "phone" not in card
    assert "email" not in card
    assert "ghana_card_number" not in card


@pytest.mark.parametrize(
    "query",
    [
        {"trade": "astronaut"},
        {"min_rating": "NaN"},
        {"min_rating": "9"},
        {"max_day_rate_pesewas": "1e309"},
        {"sort": "random"},
        {"page": "0"},
    ],
)
def test_directory_api_rejects_bad_query(api_client, query):
    listed_worker()

    response = api_client.get(DIRECTORY, query)

    assert response.status_code in {HTTPStatus.BAD_REQUEST, HTTPStatus.NOT_FOUND}
    assert "error" in response.json()


def test_directory_api_query_count_is_fixed(api_client, settings, django_assert_max_num_queries):
    settings.KELMAH_SWITCH_CACHE_TTL_S = 600  # no switch reload in the middle of a count

    def add_workers(first: int, last: int) -> None:
        for number in range(first, last):
            listed_worker(name=f"Worker {number}", trades=["welding", "aluminium"])

    def count_queries() -> int:
        api_client.get(DIRECTORY)  # loads the maintenance and fault switch caches
        forget_cached_directory()
        with CaptureQueriesContext(connection) as queries:
            assert api_client.get(DIRECTORY, {"page_size": 100}).status_code == HTTPStatus.OK
        return len(queries)

    add_workers(0, 5)
    with_five = count_queries()
    add_workers(5, 50)

    with_fifty = count_queries()
    forget_cached_directory()
    with django_assert_max_num_queries(4):
        response = api_client.get(DIRECTORY, {"page_size": 100})

    assert response.json()["count"] == 50
    assert with_fifty == with_five


def test_detail_api_shows_public_profile(api_client, worker):
    user = listed_worker(name="Selasi Agbo", bio="Fridges and air-conditioners.")
    services.ghana_card_submit(user=user, number="GHA-123456789-0")

    response = api_client.get(f"{DIRECTORY}{user.pk}/")

    body = response.json()
    assert response.status_code == HTTPStatus.OK
    assert body["name"] == "Selasi Agbo"
    assert body["portfolio"] == []
    assert body["ghana_card_verified"] is False
    assert user.phone not in response.content.decode()
    assert "123456789" not in response.content.decode()
    assert api_client.get(f"{DIRECTORY}{worker.pk}/").status_code == HTTPStatus.NOT_FOUND
    assert api_client.get(f"{DIRECTORY}999999/").status_code == HTTPStatus.NOT_FOUND


def test_own_profile_get_and_patch(as_api, worker):
    client = as_api(worker)

    response = client.patch(
        ME, {"trades": ["plumbing"], "rate_pesewas": 30000, "skills": ["Borehole pumps"], "town": "Ho"}, format="json"
    )

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["primary_trade"] == "plumbing"
    assert body["skills"] == ["Borehole pumps"]
    assert body["completeness"]["percent"] > 0
    assert WorkerProfile.objects.get(user=worker).rate_pesewas == 30000
    assert client.get(ME).json()["town"] == "Ho"


@pytest.mark.parametrize("body", MALFORMED_BODIES)
def test_own_profile_patch_rejects_malformed_body(as_api, worker, body):
    response = as_api(worker).patch(ME, body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"]["code"] in {"invalid", "parse_error"}
    profile = WorkerProfile.objects.get(user=worker)
    assert (profile.primary_trade, profile.rate_pesewas, profile.headline) == ("", None, "")


def test_own_profile_patch_rejects_raw_json_edge_cases(as_api, worker):
    for raw in (b'{"rate_pesewas": NaN}', b'{"rate_pesewas": 1e309}', b'{"rate_pesewas": Infinity}', b"null", b"[{"):
        response = as_api(worker).generic("PATCH", ME, raw, content_type="application/json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
    assert WorkerProfile.objects.get(user=worker).rate_pesewas is None


def test_own_profile_other_roles_and_visitors(as_api, hirer, api_client):
    assert as_api(hirer).get(ME).status_code == HTTPStatus.NOT_FOUND
    assert as_api(hirer).patch(ME, {"headline": "x"}, format="json").status_code == HTTPStatus.NOT_FOUND
    assert api_client.get(ME).status_code in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}
    assert api_client.patch(ME, {"headline": "x"}, format="json").status_code in {401, 403}


def test_ghana_card_api(as_api, worker, hirer, api_client):
    assert as_api(worker).post(CARD, {"number": "bad"}, format="json").status_code == HTTPStatus.BAD_REQUEST
    assert as_api(worker).post(CARD, [], format="json").status_code == HTTPStatus.BAD_REQUEST
    assert as_api(hirer).post(CARD, {"number": "GHA-123456789-0"}, format="json").status_code == 404
    assert api_client.post(CARD, {"number": "GHA-123456789-0"}, format="json").status_code in {401, 403}
    assert WorkerProfile.objects.get(user=worker).ghana_card_state == GhanaCardState.UNVERIFIED

    response = as_api(worker).post(CARD, {"number": "GHA-123456789-0"}, format="json")

    assert response.status_code == HTTPStatus.OK
    assert response.json()["ghana_card_state"] == "pending"
    assert response.json()["ghana_card_number"] == "GHA-*****6789-0"


def test_portfolio_api_upload_list_delete(as_api, worker, stranger):
    client = as_api(worker)

    created = client.post(PORTFOLIO, {"image": upload(), "caption": "Gate"}, format="multipart")

    assert created.status_code == HTTPStatus.CREATED
    item_id = created.json()["id"]
    assert [item["id"] for item in client.get(PORTFOLIO).json()] == [item_id]
    assert as_api(stranger).delete(f"{PORTFOLIO}{item_id}/").status_code == HTTPStatus.NOT_FOUND
    assert PortfolioItem.objects.filter(pk=item_id).exists()
    assert client.delete(f"{PORTFOLIO}{item_id}/").status_code == HTTPStatus.NO_CONTENT
    assert not PortfolioItem.objects.exists()


@pytest.mark.parametrize(
    "content",
    [b"", b"GIF89a but really a shell script", b"\x89PNG\r\n\x1a\n" + b"\0" * 40],
)
def test_portfolio_api_rejects_bad_files(as_api, worker, content):
    response = as_api(worker).post(PORTFOLIO, {"image": upload("ok.jpg", content)}, format="multipart")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "image" in response.json()["error"]["fields"]
    assert not PortfolioItem.objects.exists()


def test_portfolio_api_rejects_json_and_missing_file(as_api, worker, hirer, api_client):
    assert as_api(worker).post(PORTFOLIO, {"image": "x"}, format="json").status_code == 415
    assert as_api(worker).post(PORTFOLIO, {}, format="multipart").status_code == HTTPStatus.BAD_REQUEST
    assert as_api(hirer).post(PORTFOLIO, {"image": upload()}, format="multipart").status_code == 404
    assert api_client.post(PORTFOLIO, {"image": upload()}, format="multipart").status_code in {401, 403}
    assert api_client.delete(f"{PORTFOLIO}1/").status_code in {401, 403}
    assert not PortfolioItem.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        [],
        "GHA-123456789-0",
        12,
        {"number": None},
        {"number": ["GHA-123456789-0"]},
        {"number": {"a": {"b": 1}}},
        {"number": "NaN"},
        {"number": 1e300},
    ],
)
def test_ghana_card_api_rejects_malformed_body(as_api, worker, body):
    response = as_api(worker).post(CARD, body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "error" in response.json()
    assert WorkerProfile.objects.get(user=worker).ghana_card_state == GhanaCardState.UNVERIFIED


def test_ghana_card_api_rejects_raw_json_edge_cases(as_api, worker):
    for raw in (b"null", b'{"number": NaN}', b'{"number": 1e309}', b"{", b'{"a":' * 5 + b"1" + b"}" * 5):
        response = as_api(worker).generic("POST", CARD, raw, content_type="application/json")
        assert response.status_code == HTTPStatus.BAD_REQUEST, raw

    assert WorkerProfile.objects.get(user=worker).ghana_card_state == GhanaCardState.UNVERIFIED
