"""Payment pages render within a bounded number of queries and only for the right people."""

import pytest

from apps.payments.models import LedgerTransaction
from tests.contracts.factories import first_milestone, fund, make_contract


@pytest.fixture
def funded_contracts(hirer, worker):
    milestones = []
    for amount in (10_000, 20_000, 30_000):
        milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=amount))
        fund(milestone)
        milestones.append(milestone)
    return milestones


def test_overview_queries_bounded(hirer_client, worker_client, funded_contracts, django_assert_max_num_queries):
    with django_assert_max_num_queries(35):
        hirer_page = hirer_client.get("/payments/")
    with django_assert_max_num_queries(35):
        worker_page = worker_client.get("/payments/")

    assert hirer_page.status_code == 200
    assert "GH₵ 600.00" in hirer_page.content.decode()
    assert worker_page.status_code == 200
    assert "no-store" in hirer_page["Cache-Control"]


def test_collection_and_transaction_pages_bounded(hirer_client, funded_contracts, django_assert_max_num_queries):
    collection = funded_contracts[0].collections.get()
    posted = LedgerTransaction.objects.filter(kind="collection").first()

    with django_assert_max_num_queries(30):
        page = hirer_client.get(f"/payments/collections/{collection.public_id}/")
    assert collection.receipt_number in page.content.decode()
    with django_assert_max_num_queries(30):
        detail = hirer_client.get(f"/payments/transactions/{posted.public_id}/")
    assert "Escrow" in detail.content.decode()


def test_payout_method_page_is_for_workers(hirer_client, worker_client):
    assert worker_client.get("/payments/payout-method/").status_code == 200
    assert hirer_client.get("/payments/payout-method/").status_code == 404


def test_fund_page_only_for_the_hirer(worker_client, hirer_client, funded_contracts, hirer, worker):
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker))

    assert hirer_client.get(f"/payments/fund/{milestone.public_id}/").status_code == 200
    assert worker_client.get(f"/payments/fund/{milestone.public_id}/").status_code == 404


def test_fund_form_rejects_bad_phone_and_network(hirer_client, hirer, worker):
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker))

    bad_phone = hirer_client.post(f"/payments/fund/{milestone.public_id}/", {"network": "mtn", "phone": "12345"})
    bad_network = hirer_client.post(
        f"/payments/fund/{milestone.public_id}/", {"network": "visa", "phone": "0241234567"}
    )

    assert bad_phone.status_code == 400
    assert bad_network.status_code == 400
    milestone.refresh_from_db()
    assert milestone.status == "pending_funding"
    assert not milestone.collections.exists()
