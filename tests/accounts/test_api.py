from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, make_user

User = get_user_model()
pytestmark = pytest.mark.django_db


def test_api_register_returns_a_token():
    body = {
        "role": "hirer",
        "full_name": "Naa Quaye",
        "email": "naa@example.com",
        "phone": "0205550300",
        "password": "Strong-pass-123",
    }

    response = APIClient().post("/api/v1/accounts/register/", body, format="json")

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["token"]
    assert User.objects.get(email="naa@example.com").phone == "+233205550300"


@pytest.mark.parametrize(
    "body",
    [[], "text", None, 12, {"email": ["a@b.com"]}, {"role": "hirer", "email": "x@example.com", "phone": "NaN"}],
)
def test_api_register_rejects_malformed_bodies(body):
    response = APIClient().post("/api/v1/accounts/register/", body, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"]["code"] in {"invalid", "parse_error"}
    assert User.objects.count() == 0


def test_api_token_by_phone_and_me():
    user = make_user(phone="+233245550301")
    client = APIClient()

    token = client.post("/api/v1/accounts/token/", {"username": "0245550301", "password": PASSWORD}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    me = client.get("/api/v1/accounts/me/")

    assert me.status_code == HTTPStatus.OK
    assert me.json()["email"] == user.email


def test_api_token_with_wrong_password_is_401():
    make_user(email="kofi@example.com")

    response = APIClient().post("/api/v1/accounts/token/", {"username": "kofi@example.com", "password": "x"})

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["error"]["code"] == "authentication_failed"


def test_api_me_without_credentials_is_rejected():
    response = APIClient().get("/api/v1/accounts/me/")

    assert response.status_code in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}
