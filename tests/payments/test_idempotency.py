"""Idempotency keys on funding: a replay gets the same answer, a changed body is refused with 422."""

import pytest
from rest_framework.test import APIClient

from apps.payments.models import Collection
from tests.contracts.factories import first_milestone, make_contract


@pytest.fixture
def logged_in():
    """An API client with a real session, so the idempotency middleware sees the user."""

    def build(user):
        client = APIClient()
        client.force_login(user, backend="apps.accounts.backends.EmailOrPhoneBackend")
        return client

    return build


@pytest.fixture
def milestone(hirer, worker):
    return first_milestone(make_contract(hirer=hirer, worker=worker, amount=9_000))


def fund(client, milestone, key, phone):
    return client.post(
        f"/api/v1/payments/milestones/{milestone.public_id}/fund/",
        {"network": "mtn", "phone": phone},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_replayed_key_returns_same_collection(logged_in, hirer, milestone, fakepay):
    client = logged_in(hirer)

    first = fund(client, milestone, "fund-key-1", "0551234987")
    second = fund(client, milestone, "fund-key-1", "0551234987")

    assert first.status_code == 201
    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert Collection.objects.count() == 1


def test_key_reused_with_different_body_is_422(logged_in, hirer, milestone, fakepay):
    client = logged_in(hirer)
    fund(client, milestone, "fund-key-2", "0551234987")

    response = fund(client, milestone, "fund-key-2", "0241234567")

    assert response.status_code == 422
    assert Collection.objects.count() == 1


def test_same_key_from_another_user_is_their_own_request(logged_in, hirer, other_hirer, milestone, fakepay):
    fund(logged_in(hirer), milestone, "shared-key", "0551234987")

    response = fund(logged_in(other_hirer), milestone, "shared-key", "0551234987")

    assert response.status_code == 404
    assert Collection.objects.count() == 1
