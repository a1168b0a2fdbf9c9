"""Funding a milestone through the fake provider over real HTTP, one test per fault mode.

Each test drives the hirer's pages, lets the fake provider answer (advancing its clock
where the scenario waits), and checks both what the user sees and what the ledger holds.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.payments.models import Collection, LedgerTransaction, PaymentFlag, WebhookEvent
from apps.payments.selectors import escrow_balance
from apps.payments.services import collections_poll
from tests.contracts.factories import first_milestone, make_contract
from tests.payments.conftest import assert_ledger_balanced, run_outbox


@pytest.fixture
def milestone(hirer, worker):
    return first_milestone(make_contract(hirer=hirer, worker=worker, amount=25_000))


def start_funding(client, milestone, phone, network="mtn"):
    return client.post(f"/payments/fund/{milestone.public_id}/", {"network": network, "phone": phone})


def collection_of(milestone) -> Collection:
    return Collection.objects.filter(milestone=milestone).latest("created_at")


def check_again(client, collection):
    return client.post(f"/payments/collections/{collection.public_id}/check/")


def test_fund_page_preselects_network_from_phone(hirer_client, milestone):
    response = hirer_client.get(f"/payments/fund/{milestone.public_id}/")

    assert response.status_code == 200
    assert response.context["form"].initial["network"] == "mtn"


def test_immediate_success_funds_escrow_once(hirer_client, worker_client, milestone, fakepay):
    response = start_funding(hirer_client, milestone, "0551234987")

    collection = collection_of(milestone)
    assert response.status_code == 302
    assert response["Location"] == f"/payments/collections/{collection.public_id}/"
    assert collection.status == "succeeded"
    assert collection.receipt_number
    milestone.refresh_from_db()
    assert milestone.status == "funded"
    assert escrow_balance(milestone) == 25_000
    assert LedgerTransaction.objects.filter(kind="collection").count() == 1
    assert_ledger_balanced()

    page = hirer_client.get(response["Location"])
    assert page.status_code == 200
    assert collection.receipt_number in page.content.decode()
    worker_page = worker_client.get(f"/contracts/{milestone.contract.public_id}/")
    assert "Start work" in worker_page.content.decode()


def test_delayed_success_pending_then_funded(hirer_client, milestone, fakepay):
    start_funding(hirer_client, milestone, "0551234980")
    collection = collection_of(milestone)
    assert collection.status == "pending"
    page = hirer_client.get(f"/payments/collections/{collection.public_id}/")
    assert 'hx-trigger="every 3s"' in page.content.decode()
    assert '<meta http-equiv="refresh"' in page.content.decode()

    fakepay.advance(10)
    check_again(hirer_client, collection)

    collection.refresh_from_db()
    milestone.refresh_from_db()
    assert collection.status == "succeeded"
    assert milestone.status == "funded"
    assert escrow_balance(milestone) == 25_000
    page = hirer_client.get(f"/payments/collections/{collection.public_id}/status/")
    assert "hx-trigger" not in page.content.decode()


def test_delayed_failure_lets_hirer_retry_with_new_reference(hirer_client, milestone, fakepay):
    start_funding(hirer_client, milestone, "0551234981")
    first = collection_of(milestone)

    fakepay.advance(10)
    check_again(hirer_client, first)

    first.refresh_from_db()
    milestone.refresh_from_db()
    assert first.status == "failed"
    assert "balance" in first.failure_reason.lower()
    assert milestone.status == "pending_funding"
    assert escrow_balance(milestone) == 0
    page = hirer_client.get(f"/payments/collections/{first.public_id}/").content.decode()
    assert "Try again" in page

    start_funding(hirer_client, milestone, "0551234987")
    second = collection_of(milestone)
    assert second.reference != first.reference
    assert second.status == "succeeded"
    assert escrow_balance(milestone) == 25_000
    assert_ledger_balanced()


def test_pending_forever_is_abandoned_after_cutoff(hirer_client, milestone, fakepay):
    start_funding(hirer_client, milestone, "0551234982")
    collection = collection_of(milestone)

    collections_poll(now=timezone.now() + timedelta(minutes=1))
    collection.refresh_from_db()
    assert collection.status == "pending"
    assert collection.poll_count == 1

    Collection.objects.filter(pk=collection.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    collections_poll(now=timezone.now() + timedelta(minutes=2))

    collection.refresh_from_db()
    milestone.refresh_from_db()
    assert collection.status == "abandoned"
    assert milestone.status == "pending_funding"
    assert LedgerTransaction.objects.count() == 0


def test_poll_backoff_grows_and_caps(hirer_client, milestone, fakepay):
    start_funding(hirer_client, milestone, "0551234982")
    collection = collection_of(milestone)
    now = timezone.now()
    delays = []
    for step in range(7):
        tick = now + timedelta(minutes=step * 6)
        Collection.objects.filter(pk=collection.pk).update(next_poll_at=tick, created_at=tick)
        collections_poll(now=tick)
        collection.refresh_from_db()
        delays.append((collection.next_poll_at - tick).total_seconds())

    assert delays == [30, 60, 120, 240, 300, 300, 300]


def test_no_webhook_success_found_by_polling(hirer_client, milestone, fakepay, webhook_sink):
    fakepay.configure(webhook_url=webhook_sink.url)
    start_funding(hirer_client, milestone, "0551234984")

    collection = collection_of(milestone)
    assert collection.status == "succeeded"
    assert webhook_sink.wait_for(1, timeout=0.5) == []
    assert escrow_balance(milestone) == 25_000


def forward(client, received):
    """Replay a delivery the sink caught to our webhook view: same bytes, same signature header."""
    return client.post(
        "/payments/webhooks/paystack/",
        data=received.body,
        content_type="application/json",
        HTTP_X_PAYSTACK_SIGNATURE=received.headers.get("x-paystack-signature", ""),
    )


def test_duplicate_webhook_stored_and_posted_once(client, hirer_client, milestone, fakepay, webhook_sink):
    fakepay.configure(webhook_url=webhook_sink.url)
    start_funding(hirer_client, milestone, "0551234983")
    deliveries = webhook_sink.wait_for(2)
    assert len(deliveries) == 2
    assert deliveries[0].body == deliveries[1].body

    responses = [forward(client, received) for received in deliveries]
    run_outbox()

    assert [response.status_code for response in responses] == [200, 200]
    stored = WebhookEvent.objects.get()
    assert stored.delivery_count == 2
    assert stored.status == "processed"
    assert LedgerTransaction.objects.filter(kind="collection").count() == 1
    assert escrow_balance(milestone) == 25_000


def test_flaky_first_post_recovers_with_same_reference(hirer_client, milestone, fakepay):
    start_funding(hirer_client, milestone, "0551234985")
    collection = collection_of(milestone)
    if collection.status != "succeeded":
        check_again(hirer_client, collection)
        collection.refresh_from_db()

    assert collection.status == "succeeded"
    assert Collection.objects.filter(milestone=milestone).count() == 1
    assert escrow_balance(milestone) == 25_000
    assert LedgerTransaction.objects.filter(kind="collection").count() == 1


def test_otp_step_shows_provider_text_and_collects_code(hirer_client, milestone, fakepay):
    start_funding(hirer_client, milestone, "0201234987", network="telecel")
    collection = collection_of(milestone)
    assert collection.status == "requires_otp"
    page = hirer_client.get(f"/payments/collections/{collection.public_id}/").content.decode()
    assert collection.action_text
    assert collection.action_text in page.replace("&#x27;", "'")
    assert 'name="otp"' in page

    malformed = hirer_client.post(f"/payments/collections/{collection.public_id}/otp/", {"otp": "12ab"})
    assert malformed.status_code == 302
    collection.refresh_from_db()
    assert collection.status == "requires_otp"

    hirer_client.post(f"/payments/collections/{collection.public_id}/otp/", {"otp": "123456"})

    collection.refresh_from_db()
    milestone.refresh_from_db()
    assert collection.status == "succeeded"
    assert milestone.status == "funded"
    assert escrow_balance(milestone) == 25_000


def test_bad_signature_webhook_rejected_and_not_stored(client, hirer_client, milestone, fakepay, webhook_sink):
    fakepay.configure(webhook_url=webhook_sink.url)
    start_funding(hirer_client, milestone, "0551234986")
    received = webhook_sink.wait_for(1)[0]

    response = forward(client, received)

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0
    assert LedgerTransaction.objects.filter(kind="collection").count() == 1


def test_amount_mismatch_flagged_never_credited(hirer, milestone, fakepay):
    from apps.payments.providers.base import CollectionResult, Status
    from apps.payments.services import collection_apply_result
    from tests.contracts.factories import fund

    collection = fund(milestone, amount=24_999)

    assert collection.status == "flagged"
    assert PaymentFlag.objects.get(collection=collection).kind == "amount_mismatch"
    assert escrow_balance(milestone) == 0
    assert LedgerTransaction.objects.count() == 0

    # A later, correct result for the same payment changes nothing: it stays with staff.
    collection_apply_result(
        collection_id=collection.pk,
        result=CollectionResult(collection.reference, "X1", Status.SUCCEEDED, amount_minor=25_000),
        source="test",
    )
    assert escrow_balance(milestone) == 0


def test_provider_down_tells_hirer_and_charges_nothing(hirer_client, milestone, settings, fakepay):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.KELMAH_PAYSTACK = {**settings.KELMAH_PAYSTACK, "BASE_URL": f"http://127.0.0.1:{closed_port}"}

    response = start_funding(hirer_client, milestone, "0551234987")

    assert response.status_code == 503
    assert "Mobile money is unavailable right now" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.status == "pending_funding"
    assert collection_of(milestone).status == "failed"
    assert LedgerTransaction.objects.count() == 0
    assert hirer_client.get("/contracts/").status_code == 200


@pytest.fixture
def paystack_breaker():
    from apps.resilience.breakers import breaker

    provider_breaker = breaker("provider:paystack")
    yield provider_breaker
    provider_breaker.reset(reason="test finished")


def test_open_breaker_says_mobile_money_unavailable(hirer_client, worker_client, milestone, fakepay, paystack_breaker):
    paystack_breaker.force_open(reason="test")

    response = start_funding(hirer_client, milestone, "0551234987")

    assert response.status_code == 503
    assert "Mobile money is unavailable right now" in response.content.decode()
    assert fakepay.post_count(collection_of(milestone).reference) == 0
    milestone.refresh_from_db()
    assert milestone.status == "pending_funding"
    assert LedgerTransaction.objects.count() == 0
    assert hirer_client.get(f"/contracts/{milestone.contract.public_id}/").status_code == 200
    assert worker_client.get("/contracts/").status_code == 200
    assert hirer_client.get("/payments/").status_code == 200

    paystack_breaker.reset(reason="provider back")
    retry = start_funding(hirer_client, milestone, "0551234987")
    assert retry.status_code == 302
    assert escrow_balance(milestone) == 25_000


def test_momo_collection_confirmed_by_unsigned_callback(
    client, hirer_client, milestone, fakepay, settings, webhook_sink
):
    settings.KELMAH_PAYMENT_PROVIDER = "momo"
    settings.KELMAH_MOMO = {**settings.KELMAH_MOMO, "CALLBACK_URL": webhook_sink.url}
    fakepay.configure(webhook_url=webhook_sink.url)

    start_funding(hirer_client, milestone, "0551234980")
    collection = collection_of(milestone)
    assert collection.provider == "momo"
    assert collection.request_id
    assert collection.status in ("pending", "succeeded")

    fakepay.advance(10)
    callbacks = webhook_sink.wait_for(1, timeout=5)
    assert len(callbacks) == 1
    received = callbacks[0]
    assert received.method == "PUT"
    response = client.generic(
        received.method, "/payments/webhooks/momo/", data=received.body, content_type="application/json"
    )
    run_outbox()

    assert response.status_code == 200
    assert WebhookEvent.objects.get().provider == "momo"

    collection.refresh_from_db()
    milestone.refresh_from_db()
    assert collection.status == "succeeded"
    assert milestone.status == "funded"
    assert escrow_balance(milestone) == 25_000
    assert LedgerTransaction.objects.filter(kind="collection", provider="momo").count() == 1


def test_api_funding_with_breaker_open_is_503(as_api, hirer, milestone, fakepay, paystack_breaker):
    paystack_breaker.force_open(reason="test")

    response = as_api(hirer).post(
        f"/api/v1/payments/milestones/{milestone.public_id}/fund/",
        {"network": "mtn", "phone": "0551234987"},
        format="json",
    )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "payments_unavailable"
    milestone.refresh_from_db()
    assert milestone.status == "pending_funding"


def test_api_funding_and_otp_flow(as_api, hirer, milestone, fakepay):
    client = as_api(hirer)

    started = client.post(
        f"/api/v1/payments/milestones/{milestone.public_id}/fund/",
        {"network": "telecel", "phone": "0201234987"},
        format="json",
    )
    assert started.status_code == 201
    body = started.json()
    assert body["status"] == "requires_otp"
    assert body["action_text"]
    assert body["wallet"] == "···987"

    bad = client.post(f"/api/v1/payments/collections/{body['id']}/otp/", {"otp": "12x"}, format="json")
    assert bad.status_code == 400
    done = client.post(f"/api/v1/payments/collections/{body['id']}/otp/", {"otp": "123456"}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "succeeded"
    assert client.get(f"/api/v1/payments/collections/{body['id']}/").json()["receipt_number"]


def test_api_payout_method_for_workers_only(as_api, worker, hirer, fakepay):
    assert as_api(worker).get("/api/v1/payments/payout-method/").status_code == 404

    created = as_api(worker).post(
        "/api/v1/payments/payout-method/", {"network": "mtn", "phone": "0241234560", "name": "Kofi"}, format="json"
    )
    refused = as_api(hirer).post(
        "/api/v1/payments/payout-method/", {"network": "mtn", "phone": "0241234560", "name": "Ama"}, format="json"
    )

    assert created.status_code == 201
    assert created.json()["wallet"] == "···560"
    assert as_api(worker).get("/api/v1/payments/payout-method/").status_code == 200
    assert refused.status_code == 409
