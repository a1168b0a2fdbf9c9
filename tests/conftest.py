"""Shared personas and helpers: a hirer, a worker, a stranger and staff.

Every test module can ask for these fixtures by name. Personas are created through the
same service as real sign-ups, so their role profiles exist.
"""

import itertools
import os

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.accounts.services import user_register

PASSWORD = "Kelmah-test-pass-2026"
_phone_numbers = itertools.count(241000000)


def make_user(*, role: str = Role.WORKER, name: str = "Test User", email: str | None = None, phone: str | None = None):
    number = next(_phone_numbers)
    email = email or f"user{number}@example.com"
    phone = phone or f"+233{number}"
    if role == Role.STAFF:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.create_superuser(email=email, phone=phone, full_name=name, password=PASSWORD)
    return user_register(email=email, phone=phone, full_name=name, role=role, password=PASSWORD)


@pytest.fixture
def hirer(db):
    return make_user(role=Role.HIRER, name="Ama Mensah")


@pytest.fixture
def worker(db):
    return make_user(role=Role.WORKER, name="Kofi Boateng")


@pytest.fixture
def stranger(db):
    """A second worker with no relation to the objects under test."""
    return make_user(role=Role.WORKER, name="Yaw Owusu")


@pytest.fixture
def other_hirer(db):
    return make_user(role=Role.HIRER, name="Nii Tetteh")


@pytest.fixture
def staff(db):
    return make_user(role=Role.STAFF, name="Selorm Agbeko")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="apps.accounts.backends.EmailOrPhoneBackend")
    return client


@pytest.fixture
def hirer_client(hirer):
    return _client_for(hirer)


@pytest.fixture
def worker_client(worker):
    return _client_for(worker)


@pytest.fixture
def stranger_client(stranger):
    return _client_for(stranger)


@pytest.fixture
def staff_client(staff):
    return _client_for(staff)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def as_api():
    """Return an APIClient authenticated as the given user: as_api(hirer)."""
    from rest_framework.test import APIClient

    def build(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return build


def is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (row locks or statement timeouts); set DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords and not is_postgres():
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True)
def fresh_caches():
    """Start every test with empty caches.

    Cached pages are keyed by ids and filters, and SQLite reuses ids after a rollback, so a
    page cached by one test could otherwise be served, even as stale data during an
    injected fault, to the next.
    """
    from django.core.cache import caches

    from apps.resilience.cache import clear_local

    clear_local()
    caches["default"].clear()
