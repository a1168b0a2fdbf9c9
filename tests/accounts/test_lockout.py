from http import HTTPStatus

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def attempt(login: str, password: str, forwarded_for: str = "") -> int:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    response = Client().post(reverse("accounts:login"), {"username": login, "password": password}, **extra)
    return response.status_code


def test_account_locks_whatever_the_forwarded_address():
    make_user(email="target@example.com", phone="+233245550200")
    other = make_user(email="bystander@example.com")

    for index in range(10):
        attempt("target@example.com", "wrong-password", forwarded_for=f"41.66.{index}.{index + 1}")

    assert attempt("target@example.com", PASSWORD, forwarded_for="41.66.200.1") == HTTPStatus.TOO_MANY_REQUESTS
    assert attempt(other.email, PASSWORD) == HTTPStatus.FOUND


def test_email_and_phone_forms_share_one_failure_counter():
    make_user(email="target@example.com", phone="+233245550201")
    limit = settings.AXES_FAILURE_LIMIT

    for index in range(limit):
        login = "target@example.com" if index % 2 else "0245550201"
        attempt(login, "wrong-password")

    assert attempt("0245550201", PASSWORD) == HTTPStatus.TOO_MANY_REQUESTS


def test_api_lockout_is_json_with_retry_after():
    user = make_user(email="target@example.com", phone="+233245550202")
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/accounts/token/", {"username": user.email, "password": "wrong-password"})

    response = client.post("/api/v1/accounts/token/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "locked_out"
    assert response.json()["error"]["message"]
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME * 3600)
    assert not Token.objects.filter(user=user).exists()


def test_page_lockout_is_html_with_retry_after():
    make_user(email="target@example.com", phone="+233245550203")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        attempt("target@example.com", "wrong-password")

    response = Client().post(reverse("accounts:login"), {"username": "target@example.com", "password": PASSWORD})

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Content-Type"].startswith("text/html")
    assert b"Too many failed logins" in response.content
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME * 3600)
