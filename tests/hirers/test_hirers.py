"""Hirer profiles and saved workers: pages and API."""

from http import HTTPStatus

import pytest

from apps.hirers.models import HirerProfile, SavedWorker
from apps.hirers.services import hirer_profile_update
from tests.conftest import _client_for, make_user

pytestmark = pytest.mark.django_db

NESTED = '{"a": {"b": {"c": {"d": {"e": 1}}}}}'


def test_profile_created_at_sign_up(hirer, worker):
    assert HirerProfile.objects.filter(user=hirer).exists()
    assert not HirerProfile.objects.filter(user=worker).exists()


def test_profile_page_saves(hirer_client, hirer):
    response = hirer_client.post(
        "/hirer/profile/",
        {
            "kind": "business",
            "business_name": "Mensah Builders",
            "region": "ashanti",
            "town": "Kumasi",
            "about": "We build homes.",
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    profile = HirerProfile.objects.get(user=hirer)
    assert (profile.kind, profile.business_name, profile.region) == ("business", "Mensah Builders", "ashanti")
    assert profile.display_name == "Mensah Builders"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "business", "business_name": ""}, "Enter your business name"),
        ({"kind": "company"}, "Choose individual or business"),
        ({"kind": "individual", "region": "lagos"}, "is not a region of Ghana"),
        ({"kind": "individual", "about": "x" * 2001}, "at most 2000"),
    ],
)
def test_profile_page_explains_bad_input(hirer_client, hirer, data, message):
    response = hirer_client.post("/hirer/profile/", data)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    assert HirerProfile.objects.get(user=hirer).kind == "individual"


def test_profile_page_is_for_hirers(worker_client, client):
    assert worker_client.get("/hirer/profile/").status_code == HTTPStatus.FORBIDDEN
    assert client.get("/hirer/profile/").status_code == HTTPStatus.FOUND


def test_profile_update_service_refuses_workers(worker):
    from apps.common.errors import NotAllowed

    with pytest.raises(NotAllowed):
        hirer_profile_update(user=worker, town="Accra")


def test_save_and_unsave_worker_pages(hirer_client, hirer, worker):
    response = hirer_client.post(f"/hirer/saved-workers/{worker.pk}/save/", {"next": "/jobs/"})
    again = hirer_client.post(f"/hirer/saved-workers/{worker.pk}/save/")

    assert response["Location"] == "/jobs/"
    assert again.status_code == HTTPStatus.FOUND
    assert SavedWorker.objects.filter(hirer=hirer, worker=worker).count() == 1
    assert worker.full_name in hirer_client.get("/hirer/saved-workers/").content.decode()

    hirer_client.post(f"/hirer/saved-workers/{worker.pk}/unsave/")
    assert SavedWorker.objects.count() == 0


def test_save_redirect_ignores_foreign_next(hirer_client, worker):
    response = hirer_client.post(f"/hirer/saved-workers/{worker.pk}/save/", {"next": "https://evil.example/"})

    assert response["Location"] == "/hirer/saved-workers/"


@pytest.mark.parametrize("user_id", ["0", "abc", "99999999999999999999"])
def test_save_unknown_worker_is_404(hirer_client, user_id):
    assert hirer_client.post(f"/hirer/saved-workers/{user_id}/save/").status_code == HTTPStatus.NOT_FOUND
    assert SavedWorker.objects.count() == 0


def test_save_a_hirer_is_404(hirer_client, other_hirer):
    assert hirer_client.post(f"/hirer/saved-workers/{other_hirer.pk}/save/").status_code == HTTPStatus.NOT_FOUND


def test_saved_lists_are_private(hirer, other_hirer, worker):
    SavedWorker.objects.create(hirer=hirer, worker=worker)

    page = _client_for(other_hirer).get("/hirer/saved-workers/").content.decode()

    assert worker.full_name not in page


def test_save_pages_need_a_hirer_and_post(worker_client, client, hirer_client, worker):
    assert worker_client.post(f"/hirer/saved-workers/{worker.pk}/save/").status_code == HTTPStatus.FORBIDDEN
    assert client.post(f"/hirer/saved-workers/{worker.pk}/save/").status_code == HTTPStatus.FOUND
    assert hirer_client.get(f"/hirer/saved-workers/{worker.pk}/save/").status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert SavedWorker.objects.count() == 0


# API


def test_api_profile_get_and_patch(as_api, hirer):
    client = as_api(hirer)

    response = client.patch("/api/v1/hirers/profile/", {"town": "Tema", "about": "Home owner"}, format="json")

    assert response.status_code == HTTPStatus.OK
    assert client.get("/api/v1/hirers/profile/").json()["town"] == "Tema"
    assert HirerProfile.objects.get(user=hirer).about == "Home owner"


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '"text"',
        "null",
        "12",
        '{"town": ["x"]}',
        '{"kind": "company"}',
        '{"about": ' + NESTED + "}",
        '{"kind": "business", "business_name": ""}',
        '{"region": "lagos"}',
        '{"town": NaN}',
        "{",
    ],
)
def test_api_profile_rejects_malformed_bodies(as_api, hirer, body):
    response = as_api(hirer).patch("/api/v1/hirers/profile/", data=body, content_type="application/json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    profile = HirerProfile.objects.get(user=hirer)
    assert (profile.kind, profile.town, profile.about) == ("individual", "", "")


def test_api_profile_for_others(as_api, api_client, worker):
    assert as_api(worker).get("/api/v1/hirers/profile/").status_code == HTTPStatus.CONFLICT
    assert api_client.get("/api/v1/hirers/profile/").status_code == HTTPStatus.UNAUTHORIZED


def test_api_saved_workers(as_api, hirer, other_hirer, worker):
    client = as_api(hirer)

    created = client.post("/api/v1/hirers/saved-workers/", {"worker_id": worker.pk}, format="json")
    listed = client.get("/api/v1/hirers/saved-workers/")
    others = as_api(other_hirer).get("/api/v1/hirers/saved-workers/")
    removed = as_api(other_hirer).delete(f"/api/v1/hirers/saved-workers/{worker.pk}/")

    assert created.status_code == HTTPStatus.CREATED
    assert [row["worker_id"] for row in listed.json()] == [worker.pk]
    assert others.json() == []
    assert removed.status_code == HTTPStatus.NO_CONTENT
    assert SavedWorker.objects.filter(hirer=hirer).count() == 1
    assert client.delete(f"/api/v1/hirers/saved-workers/{worker.pk}/").status_code == HTTPStatus.NO_CONTENT
    assert SavedWorker.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '"text"',
        "null",
        "12",
        '{"worker_id": "abc"}',
        '{"worker_id": [1]}',
        '{"worker_id": 1e309}',
        '{"worker_id": NaN}',
        '{"worker_id": ' + NESTED + "}",
        '{"worker_id": -1}',
        "{",
    ],
)
def test_api_save_rejects_malformed_bodies(as_api, hirer, body):
    response = as_api(hirer).post("/api/v1/hirers/saved-workers/", data=body, content_type="application/json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert SavedWorker.objects.count() == 0


def test_api_save_unknown_or_non_worker_is_404(as_api, hirer, other_hirer):
    assert as_api(hirer).post("/api/v1/hirers/saved-workers/", {"worker_id": 999999}, format="json").status_code == 404
    response = as_api(hirer).post("/api/v1/hirers/saved-workers/", {"worker_id": other_hirer.pk}, format="json")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert SavedWorker.objects.count() == 0


def test_api_saved_workers_need_a_hirer(as_api, api_client):
    worker = make_user(role="worker")

    assert as_api(worker).get("/api/v1/hirers/saved-workers/").status_code == HTTPStatus.CONFLICT
    assert api_client.get("/api/v1/hirers/saved-workers/").status_code == HTTPStatus.UNAUTHORIZED
