"""The webhook endpoint: signatures over the raw body, malformed bodies, and racing confirmations."""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from apps.notifications.models import Notification
from apps.payments.models import Collection, LedgerTransaction, WebhookEvent
from apps.payments.providers.signatures import SigningSecret, sign_timestamped
from apps.payments.selectors import escrow_balance
from tests.conftest import _client_for
from tests.contracts.factories import first_milestone, make_contract
from tests.payments.conftest import PAYSTACK_WEBHOOK, post_webhook, run_outbox, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_collection(hirer, worker, hirer_client, fakepay):
    """A collection the provider has confirmed as paid, which we have not heard about yet."""
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=25_000))
    hirer_client.post(f"/payments/fund/{milestone.public_id}/", {"network": "mtn", "phone": "0551234980"})
    collection = Collection.objects.get(milestone=milestone)
    assert collection.status == "pending"
    fakepay.advance(10)
    return collection


def non_canonical_body(collection) -> bytes:
    """A charge.success body with odd spacing, reordered keys and unicode escapes."""
    data = {
        "status": "success",
        "currency": "GHS",
        "customer": {"first_name": "Ɔpanin Kwabena", "email": collection.payer.email},
        "amount": collection.amount,
        "reference": collection.reference,
        "id": 987654321,
    }
    text = json.dumps({"data": data, "event": "charge.success"}, indent=3, ensure_ascii=True, separators=(" ,", " :  "))
    assert "\\u0186" in text
    return ("\n  " + text + "\n").encode()


def test_valid_signature_over_non_canonical_json_processed(client, pending_collection, fakepay):
    body = non_canonical_body(pending_collection)

    response = post_webhook(client, body, fakepay.secret_key)
    run_outbox()

    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.body == body.decode()
    assert stored.status == "processed"
    pending_collection.refresh_from_db()
    assert pending_collection.status == "succeeded"
    assert escrow_balance(pending_collection.milestone) == 25_000


def test_one_flipped_byte_rejected_nothing_stored(client, pending_collection, fakepay):
    body = non_canonical_body(pending_collection)
    signature = sign(body, fakepay.secret_key)
    flipped = bytearray(body)
    flipped[40] ^= 0x01

    response = post_webhook(client, bytes(flipped), fakepay.secret_key, signature=signature)

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0
    pending_collection.refresh_from_db()
    assert pending_collection.status == "pending"


@pytest.fixture
def rotating_secret(settings):
    secret = SigningSecret("k2", "whsec_rotated_test_secret")
    settings.KELMAH_PAYSTACK = {**settings.KELMAH_PAYSTACK, "WEBHOOK_SECRETS": [f"{secret.key_id}:{secret.secret}"]}
    return secret


def test_fresh_timestamped_signature_accepted(client, pending_collection, rotating_secret):
    body = non_canonical_body(pending_collection)
    header = sign_timestamped(rotating_secret, body, int(time.time()))

    response = post_webhook(client, body, "", signature=header)

    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 1


def test_stale_timestamped_signature_rejected_as_replay(client, pending_collection, rotating_secret):
    body = non_canonical_body(pending_collection)
    header = sign_timestamped(rotating_secret, body, int(time.time()) - 3600)

    response = post_webhook(client, body, "", signature=header)

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [b"", b"[]", b'"text"', b"null", b"12", b"NaN", b'{"event": "charge.success"}', b'{"a":' * 50 + b"1" + b"}" * 50],
)
def test_malformed_signed_bodies_rejected(client, body, fakepay):
    response = post_webhook(client, body, fakepay.secret_key)

    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_unknown_event_type_acknowledged_and_ignored(client, fakepay):
    body = json.dumps({"event": "subscription.create", "data": {"id": 1}}).encode()

    response = post_webhook(client, body, fakepay.secret_key)

    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 0


def test_get_and_unknown_provider_refused(client):
    assert client.get(PAYSTACK_WEBHOOK).status_code == 405
    assert client.post("/payments/webhooks/stripe/", data=b"{}", content_type="application/json").status_code == 404


def test_momo_callback_accepted_by_put_and_confirmed_by_status_query(client, fakepay):
    body = json.dumps({"externalId": "CONOTOURS0001", "status": "SUCCESSFUL", "financialTransactionId": "1"}).encode()

    response = client.put("/payments/webhooks/momo/", data=body, content_type="application/json")
    run_outbox()

    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.provider == "momo"
    assert stored.status == "ignored"
    assert LedgerTransaction.objects.count() == 0


def _threads(work_items):
    barrier = threading.Barrier(len(work_items))
    results = [None] * len(work_items)

    def run(index, work):
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(work_items)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_return_view_and_duplicate_webhooks_race_to_one_credit(hirer, worker, fakepay, webhook_sink):
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=25_000))
    hirer_client = _client_for(hirer)
    fakepay.configure(webhook_url=webhook_sink.url)
    hirer_client.post(f"/payments/fund/{milestone.public_id}/", {"network": "mtn", "phone": "0551234980"})
    collection = Collection.objects.get(milestone=milestone)
    fakepay.advance(10)
    delivery = webhook_sink.wait_for(1)[0]
    signature = delivery.headers.get("x-paystack-signature")

    def deliver_webhook():
        response = Client().post(
            PAYSTACK_WEBHOOK, data=delivery.body, content_type="application/json", HTTP_X_PAYSTACK_SIGNATURE=signature
        )
        run_outbox()
        return response.status_code

    def return_view():
        return hirer_client.get(f"/payments/collections/{collection.public_id}/return/", follow=True).status_code

    results = _threads([(return_view), (deliver_webhook), (deliver_webhook)])
    later = deliver_webhook()

    assert results == [200, 200, 200], results
    assert later == 200
    collection.refresh_from_db()
    assert collection.status == "succeeded"
    assert collection.receipt_number
    assert LedgerTransaction.objects.filter(kind="collection").count() == 1
    assert escrow_balance(milestone) == 25_000
    stored = WebhookEvent.objects.get()
    assert stored.delivery_count == 3
    assert stored.status == "processed"
    receipts = Notification.objects.filter(user=hirer, event="payment.updated")
    assert receipts.count() == 1
    assert collection.receipt_number in receipts.get().body
