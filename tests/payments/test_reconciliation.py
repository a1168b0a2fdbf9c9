"""Daily reconciliation against the fake provider's own listing."""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.contracts import services as contract_services
from apps.payments.models import Collection, ReconciliationItem, Refund
from apps.payments.payouts import payouts_poll
from apps.payments.providers import get_provider
from apps.payments.providers.base import CollectionRequest
from apps.payments.reconciliation import reconcile
from tests.contracts.factories import first_milestone, make_contract
from tests.payments.conftest import run_outbox


@pytest.fixture
def funded(hirer, worker, hirer_client, fakepay):
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=15_000))
    hirer_client.post(f"/payments/fund/{milestone.public_id}/", {"network": "mtn", "phone": "0551234987"})
    return milestone


def test_matching_ledger_and_provider_give_clean_run(funded):
    run = reconcile(provider_name="paystack")

    assert run.status == "ok", run.error
    assert run.mismatches == 0
    assert run.rows_checked == 2


def test_mismatches_are_listed_by_kind(funded, hirer, fakepay):
    # Money the provider took that we never recorded.
    get_provider("paystack").collect(
        CollectionRequest(
            reference="COUNKNOWN0001", amount_minor=5_000, phone="+233551234987", network="mtn", email=hirer.email
        )
    )
    # A payment we believe succeeded that the provider never saw.
    known = Collection.objects.get(milestone=funded)
    Collection.objects.create(
        reference="COGHOST0001",
        milestone=funded,
        payer=hirer,
        provider="paystack",
        network="mtn",
        msisdn=known.msisdn,
        amount=7_000,
        status="succeeded",
        succeeded_at=timezone.now(),
    )

    run = reconcile(provider_name="paystack")

    kinds = {item.reference: item.kind for item in ReconciliationItem.objects.filter(run=run)}
    assert kinds == {"COUNKNOWN0001": "missing_ours", "COGHOST0001": "missing_provider"}
    assert run.status == "mismatch"
    assert run.mismatches == 2


def test_stale_pending_collection_listed(hirer, worker, hirer_client, fakepay):
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=15_000))
    hirer_client.post(f"/payments/fund/{milestone.public_id}/", {"network": "mtn", "phone": "0551234982"})
    Collection.objects.filter(milestone=milestone).update(created_at=timezone.now() - timedelta(hours=1))

    run = reconcile(provider_name="paystack")

    item = ReconciliationItem.objects.get(run=run)
    assert item.kind == "stale_pending"
    assert item.detail == "collection"


def test_provider_down_records_failed_run(funded, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.KELMAH_PAYSTACK = {**settings.KELMAH_PAYSTACK, "BASE_URL": f"http://127.0.0.1:{closed_port}"}

    run = reconcile(provider_name="paystack")

    assert run.status == "failed"
    assert "Provider listing failed" in run.error


def test_refunded_and_paid_out_money_reconciles(
    hirer, worker, staff, funded, worker_client, fakepay, client, webhook_sink
):
    fakepay.configure(webhook_url=webhook_sink.url)
    contract_services.milestone_dispute(milestone=funded, actor=hirer, reason="Never started.")
    contract_services.dispute_resolve(
        milestone=funded, actor=staff, resolution="split", worker_amount=5_000, note="Some materials bought."
    )
    worker_client.post("/payments/payout-method/", {"network": "mtn", "phone": "0241234560", "name": "Kofi Boateng"})
    run_outbox()
    fakepay.advance(5)
    for received in webhook_sink.wait_for(3, timeout=5):
        client.post(
            "/payments/webhooks/paystack/",
            data=received.body,
            content_type="application/json",
            HTTP_X_PAYSTACK_SIGNATURE=received.headers.get("x-paystack-signature", ""),
        )
    run_outbox()
    payouts_poll(now=timezone.now() + timedelta(minutes=10))
    assert Refund.objects.get().status == "processed"

    run = reconcile(provider_name="paystack")

    items = list(ReconciliationItem.objects.filter(run=run).values_list("kind", "reference"))
    assert items == []
    assert run.status == "ok"
    assert run.rows_checked == 6
