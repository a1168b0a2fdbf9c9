from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_logged_in_pages_are_private_and_not_stored(worker_client):
    response = worker_client.get(reverse("dashboard:home"))

    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "private, no-store"
    assert "Cookie" in response["Vary"]


def test_token_api_responses_are_private(worker, api_client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=worker)
    response = api_client.get("/api/v1/accounts/me/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "private, no-store"


def test_anonymous_pages_stay_cacheable():
    response = Client().get(reverse("home"))

    assert response.status_code == HTTPStatus.OK
    assert "no-store" not in response.get("Cache-Control", "")


def test_service_worker_is_served_from_the_root():
    response = Client().get("/sw.js")

    assert response.status_code == HTTPStatus.OK
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Content-Type"].startswith("text/javascript")
    assert b"networkFirst" in response.content


def test_logout_clears_site_data(worker_client):
    response = worker_client.post(reverse("accounts:logout"))

    assert '"cache"' in response["Clear-Site-Data"]
    assert '"storage"' in response["Clear-Site-Data"]
