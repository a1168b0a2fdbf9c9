"""Money out of escrow through the fake provider: payouts (success, failure, reversal) and refunds."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.contracts import services as contract_services
from apps.payments.models import LedgerTransaction, PaymentFlag, Payout, PayoutMethod, Refund
from apps.payments.payouts import payout_refresh, payout_retry, payouts_poll
from apps.payments.selectors import account_balance, escrow_balance
from tests.contracts.factories import first_milestone, make_contract
from tests.contracts.test_state_machine import png_upload
from tests.payments.conftest import assert_ledger_balanced, run_outbox

AMOUNT = 25_000
WORKER_SHARE = 22_500  # after the 10% platform fee


@pytest.fixture
def delivered(hirer, hirer_client, worker, fakepay):
    """A milestone funded through the fake provider, started and delivered by the worker."""
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=AMOUNT))
    response = hirer_client.post(f"/payments/fund/{milestone.public_id}/", {"network": "mtn", "phone": "0551234987"})
    assert response.status_code == 302
    contract_services.milestone_start(milestone=milestone, actor=worker)
    contract_services.milestone_deliver(milestone=milestone, actor=worker, note="All done.", photos=[png_upload()])
    milestone.refresh_from_db()
    return milestone


def settle_payouts():
    """Run the payout poller as the beat would a few minutes later."""
    payouts_poll(now=timezone.now() + timedelta(minutes=10))


def add_wallet(client, phone):
    return client.post("/payments/payout-method/", {"network": "mtn", "phone": phone, "name": "Kofi Boateng"})


def approve(client, milestone):
    return client.post(f"/contracts/milestones/{milestone.public_id}/approve/")


def test_release_then_payout_to_verified_wallet(hirer_client, worker_client, worker, delivered):
    assert add_wallet(worker_client, "0241234560").status_code == 302
    method = PayoutMethod.objects.get(worker=worker)
    assert method.recipient_code

    assert approve(hirer_client, delivered).status_code == 302
    run_outbox()
    settle_payouts()

    payout = Payout.objects.get(milestone=delivered)
    delivered.refresh_from_db()
    assert payout.status == "succeeded"
    assert payout.amount == WORKER_SHARE
    assert delivered.status == "paid_out"
    assert escrow_balance(delivered) == 0
    assert account_balance(f"worker_payable:{worker.pk}") == 0
    assert account_balance(f"payout_in_transit:{worker.pk}") == 0
    assert account_balance("platform_fee_revenue") == AMOUNT - WORKER_SHARE
    assert_ledger_balanced()
    page = worker_client.get("/payments/").content.decode()
    assert "Paid" in page


def test_payout_waits_for_wallet_then_goes(hirer_client, worker_client, worker, delivered):
    approve(hirer_client, delivered)
    run_outbox()
    payout = Payout.objects.get(milestone=delivered)
    assert payout.status == "awaiting_method"
    assert account_balance(f"worker_payable:{worker.pk}") == WORKER_SHARE

    add_wallet(worker_client, "0241234560")
    run_outbox()
    settle_payouts()

    payout.refresh_from_db()
    assert payout.status == "succeeded"
    assert account_balance(f"worker_payable:{worker.pk}") == 0


def test_unverifiable_wallet_rejected(worker_client, worker, fakepay):
    response = add_wallet(worker_client, "0241234569")

    assert response.status_code == 400
    assert PayoutMethod.objects.filter(worker=worker).count() == 0


def test_failed_payout_returns_money_and_retries_with_new_reference(
    hirer_client, worker_client, worker, staff, delivered
):
    add_wallet(worker_client, "0241234561")
    approve(hirer_client, delivered)
    run_outbox()
    settle_payouts()

    failed = Payout.objects.get(milestone=delivered)
    assert failed.status == "failed"
    assert account_balance(f"worker_payable:{worker.pk}") == WORKER_SHARE
    assert account_balance(f"payout_in_transit:{worker.pk}") == 0
    assert PaymentFlag.objects.filter(payout=failed, kind="payout_failed").exists()

    add_wallet(worker_client, "0241234560")
    retry = payout_retry(payout=failed, actor=staff)
    run_outbox()
    settle_payouts()

    retry.refresh_from_db()
    delivered.refresh_from_db()
    assert retry.reference != failed.reference
    assert retry.status == "succeeded"
    assert delivered.status == "paid_out"
    assert LedgerTransaction.objects.get(idempotency_key=f"payout_initiated:{retry.reference}").actor == staff
    assert account_balance(f"worker_payable:{worker.pk}") == 0
    assert_ledger_balanced()


def test_reversed_payout_goes_back_to_payable(hirer_client, worker_client, worker, delivered, fakepay):
    add_wallet(worker_client, "0241234562")
    approve(hirer_client, delivered)
    run_outbox()
    settle_payouts()
    payout = Payout.objects.get(milestone=delivered)
    assert payout.status == "succeeded"

    fakepay.advance(5)
    payout_refresh(payout=payout)

    payout.refresh_from_db()
    delivered.refresh_from_db()
    assert payout.status == "reversed"
    assert delivered.status == "released"
    assert account_balance(f"worker_payable:{worker.pk}") == WORKER_SHARE
    assert account_balance(f"payout_in_transit:{worker.pk}") == 0
    assert_ledger_balanced()


def test_refund_after_dispute_reaches_hirer(hirer, worker, staff, delivered, fakepay, client, webhook_sink):
    fakepay.configure(webhook_url=webhook_sink.url)
    contract_services.milestone_dispute(milestone=delivered, actor=hirer, reason="The sink still leaks.")
    contract_services.dispute_resolve(milestone=delivered, actor=staff, resolution="refund", note="Not fixed.")
    run_outbox()

    refund = Refund.objects.get(milestone=delivered)
    assert refund.status in ("submitted", "processed")
    assert LedgerTransaction.objects.get(kind="refund_decided").actor == staff

    fakepay.advance(5)
    deliveries = [item for item in webhook_sink.wait_for(2, timeout=5) if b"refund.processed" in item.body]
    assert deliveries, "the fake provider sent no refund.processed event"
    response = client.post(
        "/payments/webhooks/paystack/",
        data=deliveries[-1].body,
        content_type="application/json",
        HTTP_X_PAYSTACK_SIGNATURE=deliveries[-1].headers.get("x-paystack-signature", ""),
    )
    run_outbox()

    assert response.status_code == 200
    refund.refresh_from_db()
    delivered.refresh_from_db()
    assert refund.status == "processed"
    assert delivered.status == "refunded"
    assert escrow_balance(delivered) == 0
    assert account_balance(f"refund_payable:{hirer.pk}") == 0
    assert_ledger_balanced()


def forward_all(client, deliveries, name: bytes):
    responses = []
    for received in deliveries:
        if name in received.body:
            responses.append(
                client.post(
                    "/payments/webhooks/paystack/",
                    data=received.body,
                    content_type="application/json",
                    HTTP_X_PAYSTACK_SIGNATURE=received.headers.get("x-paystack-signature", ""),
                )
            )
    return responses


def test_reversal_webhook_after_success_webhook(
    client, hirer_client, worker_client, worker, delivered, fakepay, webhook_sink
):
    fakepay.configure(webhook_url=webhook_sink.url)
    add_wallet(worker_client, "0241234562")
    approve(hirer_client, delivered)
    run_outbox()
    fakepay.advance(5)
    deliveries = webhook_sink.wait_for(3, timeout=5)

    # The reversal is delivered first, then the success it follows, then the reversal again.
    reversed_first = forward_all(client, deliveries, b"transfer.reversed")
    success_late = forward_all(client, deliveries, b"transfer.success")
    reversed_again = forward_all(client, deliveries, b"transfer.reversed")
    run_outbox()

    assert reversed_first and success_late and reversed_again
    assert all(response.status_code == 200 for response in reversed_first + success_late + reversed_again)
    payout = Payout.objects.get(milestone=delivered)
    delivered.refresh_from_db()
    assert payout.status == "reversed"
    assert delivered.status == "released"
    assert account_balance(f"worker_payable:{worker.pk}") == WORKER_SHARE
    assert account_balance(f"payout_in_transit:{worker.pk}") == 0
    assert LedgerTransaction.objects.filter(kind="payout_failed").count() == 1
    assert_ledger_balanced()
