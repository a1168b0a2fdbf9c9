"""Each user's list of money movements shows only their own money, with signed amounts."""

import pytest
from django.db import transaction

from apps.contracts import services as contract_services
from apps.contracts.models import Milestone
from apps.payments import postings
from apps.payments.models import Collection, CollectionStatus, LedgerTransaction, Payout
from apps.payments.providers.base import CollectionResult, Status
from apps.payments.services import collection_apply_result
from tests.contracts.factories import first_milestone, make_contract

pytestmark = pytest.mark.django_db


def fund_with_provider_fee(milestone, *, fee: int) -> Collection:
    """Fund through the real result-applying service, with the provider keeping `fee` pesewas."""
    with transaction.atomic():
        locked = contract_services.milestone_lock_for_funding(milestone=milestone, actor=milestone.contract.hirer)
        collection = Collection.objects.create(
            reference=f"COMOVE{milestone.pk:06d}",
            milestone=locked,
            payer=milestone.contract.hirer,
            provider="paystack",
            network="mtn",
            msisdn="+233551234987",
            amount=milestone.amount,
            status=CollectionStatus.PENDING,
        )
    result = CollectionResult(
        reference=collection.reference,
        provider_ref=f"PSMOVE{milestone.pk:06d}",
        status=Status.SUCCEEDED,
        amount_minor=milestone.amount,
        currency="GHS",
        fees_minor=fee,
    )
    collection_apply_result(collection_id=collection.pk, result=result, source="test")
    return collection


@pytest.fixture
def funded(hirer, worker, settings):
    settings.KELMAH_PLATFORM_FEE_BPS = 1000
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=23_050))
    fund_with_provider_fee(milestone, fee=45)
    Milestone.objects.filter(pk=milestone.pk).update(status="delivered")
    milestone.refresh_from_db()
    return milestone


@pytest.fixture
def released(hirer, funded):
    contract_services.milestone_approve(milestone=funded, actor=hirer)
    return funded


def movements(as_api, user) -> list[dict]:
    response = as_api(user).get("/api/v1/payments/transactions/")
    assert response.status_code == 200
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def test_worker_sees_the_release_net_of_fee_and_never_the_hirer_collection(as_api, worker, released):
    assert LedgerTransaction.objects.filter(kind__in=["collection", "psp_fee"], milestone=released).count() == 2

    rows = movements(as_api, worker)

    assert [(row["kind"], row["amount"], row["platform_fee"]) for row in rows] == [("release", 20_745, 2_305)]
    assert rows[0]["amount_display"] == "+GH₵ 207.45"


def test_worker_sees_a_payout_leave_and_a_reversal_come_back(as_api, hirer, worker, released):
    payout = Payout.objects.get(milestone=released)
    with transaction.atomic():
        postings.post_payout_initiated(payout=payout)
    with transaction.atomic():
        postings.post_payout_failed(payout=payout)

    rows = movements(as_api, worker)

    assert [(row["kind"], row["amount"]) for row in rows] == [
        ("payout_failed", 20_745),
        ("payout_initiated", -20_745),
        ("release", 20_745),
    ]
    assert movements(as_api, hirer)[0]["kind"] == "collection"
    assert len(movements(as_api, hirer)) == 1


def test_hirer_sees_the_collection_they_paid_as_money_out(as_api, hirer, released):
    rows = movements(as_api, hirer)

    assert [(row["kind"], row["amount"], row["amount_display"]) for row in rows] == [
        ("collection", -23_050, "-GH₵ 230.50")
    ]
    assert rows[0]["platform_fee"] is None


def test_refund_shows_for_the_hirer_only(as_api, hirer, worker, staff, funded):
    contract_services.milestone_refund(milestone=funded, actor=staff, note="The work never started.")

    assert [(row["kind"], row["amount"]) for row in movements(as_api, hirer)] == [
        ("refund_decided", 23_050),
        ("collection", -23_050),
    ]
    assert movements(as_api, worker) == []


def test_stranger_sees_no_movements(as_api, stranger, released, api_client):
    assert movements(as_api, stranger) == []
    assert api_client.get("/api/v1/payments/transactions/").status_code in (401, 403)


def test_worker_page_lists_only_their_money_with_amounts(worker_client, released, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        response = worker_client.get("/payments/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "+GH₵ 207.45" in page
    assert "GH₵ 23.05 platform fee" in page
    assert "Collection verified" not in page
    assert "Provider fee" not in page


def test_hirer_page_shows_the_collection_amount(hirer_client, released):
    page = hirer_client.get("/payments/").content.decode()

    assert "-GH₵ 230.50" in page
    assert "Escrow released" not in page
    assert "Provider fee" not in page
