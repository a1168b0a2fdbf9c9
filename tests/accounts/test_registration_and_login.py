from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Role
from tests.conftest import PASSWORD, make_user

User = get_user_model()
pytestmark = pytest.mark.django_db


def register(client, **overrides):
    data = {
        "role": "worker",
        "full_name": "Akosua Owusu",
        "email": "akosua@example.com",
        "phone": "024 555 0101",
        "password1": "Strong-pass-123",
        "password2": "Strong-pass-123",
    } | overrides
    return client.post(reverse("accounts:register"), data)


def test_registration_creates_user_and_logs_in():
    client = Client()
    response = register(client)

    assert response.status_code == HTTPStatus.FOUND
    user = User.objects.get(email="akosua@example.com")
    assert user.phone == "+233245550101"
    assert user.role == Role.WORKER
    assert client.get(reverse("dashboard:home")).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"phone": "+44 20 7946 0958"}, "not a valid Ghana phone number"),
        ({"phone": "not-a-phone"}, "is not a phone number"),
        ({"role": ""}, "Choose whether you want to find work or hire workers"),
        ({"role": "staff"}, "Select a valid choice"),
        ({"password2": "Different-pass-123"}, "The two passwords do not match"),
        ({"email": "not-an-email"}, "Enter a valid email address"),
    ],
)
def test_registration_rejects_bad_input(overrides, field_message):
    response = register(Client(), **overrides)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field_message in response.content.decode()
    assert User.objects.count() == 0


def test_registration_rejects_taken_email_and_phone():
    make_user(email="akosua@example.com", phone="+233245550101")

    by_email = register(Client(), phone="0245550102")
    by_phone = register(Client(), email="other@example.com", phone="0245550101")

    assert "already exists" in by_email.content.decode()
    assert "already exists" in by_phone.content.decode()
    assert User.objects.count() == 1


@pytest.mark.parametrize("login", ["kofi@example.com", "KOFI@example.com", "0245550111", "+233 24 555 0111"])
def test_login_by_email_or_phone(login):
    make_user(email="kofi@example.com", phone="+233245550111")
    client = Client()

    response = client.post(reverse("accounts:login"), {"username": login, "password": PASSWORD})

    assert response.status_code == HTTPStatus.FOUND
    assert client.session.get("_auth_user_id")


def test_wrong_password_is_refused_with_a_clear_message():
    make_user(email="kofi@example.com")

    response = Client().post(reverse("accounts:login"), {"username": "kofi@example.com", "password": "wrong"})

    assert response.status_code == HTTPStatus.OK
    assert "do not match an account" in response.content.decode()


def test_logout_needs_post_and_clears_site_data(worker_client):
    assert worker_client.get(reverse("accounts:logout")).status_code == HTTPStatus.METHOD_NOT_ALLOWED

    response = worker_client.post(reverse("accounts:logout"))

    assert response.status_code == HTTPStatus.FOUND
    assert "cache" in response["Clear-Site-Data"]
    assert worker_client.get(reverse("dashboard:home")).status_code == HTTPStatus.FOUND


def test_password_reset_sends_a_working_link():
    make_user(email="kofi@example.com")
    client = Client()

    client.post(reverse("accounts:password_reset"), {"email": "kofi@example.com"})

    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == HTTPStatus.OK
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Brand-new-pass-9", "new_password2": "Brand-new-pass-9"}
    )
    assert done.status_code == HTTPStatus.FOUND
    assert User.objects.get(email="kofi@example.com").check_password("Brand-new-pass-9")


def test_password_reset_for_unknown_email_sends_nothing():
    response = Client().post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == HTTPStatus.FOUND
    assert mail.outbox == []
