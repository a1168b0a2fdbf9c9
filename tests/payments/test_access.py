"""Who may see and touch money: another user's payment is a 404, and nothing changes."""

import uuid

import pytest

from apps.contracts.models import ContractEvent
from apps.payments.models import LedgerTransaction, Payout
from apps.payments.selectors import escrow_balance
from tests.contracts.factories import first_milestone, fund, make_contract


@pytest.fixture
def delivered(hirer, worker):
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=30_000))
    fund(milestone)
    from apps.contracts.models import Milestone

    Milestone.objects.filter(pk=milestone.pk).update(status="delivered")
    milestone.refresh_from_db()
    return milestone


def payment_urls(milestone):
    collection = milestone.collections.get()
    posted = LedgerTransaction.objects.get(kind="collection", milestone=milestone)
    return [
        f"/payments/collections/{collection.public_id}/",
        f"/payments/collections/{collection.public_id}/status/",
        f"/payments/transactions/{posted.public_id}/",
        f"/api/v1/payments/collections/{collection.public_id}/",
        f"/api/v1/payments/transactions/{posted.public_id}/",
        f"/contracts/{milestone.contract.public_id}/",
        f"/api/v1/contracts/{milestone.contract.public_id}/",
        f"/payments/fund/{milestone.public_id}/",
    ]


def test_stranger_gets_404_for_every_payment_view(stranger_client, delivered):
    for url in payment_urls(delivered):
        assert stranger_client.get(url).status_code == 404, url


def test_parties_see_their_payment(hirer_client, worker_client, delivered):
    for url in payment_urls(delivered)[:5]:
        assert hirer_client.get(url).status_code == 200, url
        assert worker_client.get(url).status_code == 200, url


def test_anonymous_is_sent_to_login_or_refused(client, api_client, delivered):
    for url in payment_urls(delivered):
        response = (api_client if "/api/" in url else client).get(url)
        assert response.status_code in (302, 401, 403), url
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/payments/escrow/{milestone}/release/",
        "/api/v1/contracts/milestones/{milestone}/approve/",
        "/contracts/milestones/{milestone}/approve/",
    ],
)
def test_escrow_release_by_another_hirer_is_404_and_changes_nothing(
    other_hirer, as_api, delivered, path, django_user_model
):
    from tests.conftest import _client_for

    url = path.format(milestone=delivered.public_id)
    client = as_api(other_hirer) if url.startswith("/api/") else _client_for(other_hirer)
    events = ContractEvent.objects.count()

    response = client.post(url)

    assert response.status_code == 404
    delivered.refresh_from_db()
    assert delivered.status == "delivered"
    assert escrow_balance(delivered) == 30_000
    assert not LedgerTransaction.objects.filter(kind="release").exists()
    assert not Payout.objects.exists()
    assert ContractEvent.objects.count() == events


def test_unknown_ids_are_404_not_500(hirer_client, as_api, hirer):
    random_id = uuid.uuid4()
    assert hirer_client.get(f"/payments/collections/{random_id}/").status_code == 404
    assert hirer_client.get("/payments/collections/12/").status_code == 404
    assert as_api(hirer).get(f"/api/v1/payments/transactions/{random_id}/").status_code == 404
    assert as_api(hirer).post(f"/api/v1/payments/escrow/{random_id}/release/").status_code == 404


def test_hirer_release_through_api(as_api, hirer, delivered):
    response = as_api(hirer).post(f"/api/v1/payments/escrow/{delivered.public_id}/release/")

    assert response.status_code == 200
    assert response.json()["status"] == "released"
    assert escrow_balance(delivered) == 0


def test_worker_cannot_release_own_escrow(as_api, worker, delivered):
    response = as_api(worker).post(f"/api/v1/payments/escrow/{delivered.public_id}/release/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "wrong_party"
    assert escrow_balance(delivered) == 30_000
