"""The Paystack adapter against the fake provider over real HTTP, one test per payer behaviour."""

import json
import uuid

import pytest

from apps.payments.providers.base import (
    ActionType,
    CollectionRequest,
    EventType,
    MalformedEvent,
    PayoutRequest,
    ProviderNotFound,
    ProviderRejected,
    ProviderUnavailable,
    RecipientRequest,
    RefundRequest,
    Status,
)


def new_reference(prefix: str = "KLM") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


def charge(provider, phone: str, *, amount: int = 25_000, network: str = "mtn", reference: str | None = None):
    request = CollectionRequest(
        reference=reference or new_reference(),
        amount_minor=amount,
        phone=phone,
        network=network,
        email="ama.mensah@example.com",
        description="Milestone 1: roofing",
    )
    return request, provider.collect(request)


# Collections -----------------------------------------------------------------------------


def test_collect_immediate_success_sends_signed_webhook(paystack, paystack_webhooks, fakepay):
    request, result = charge(paystack, "+233551234987")

    assert result.status == Status.SUCCEEDED
    assert result.reference == request.reference
    assert result.amount_minor == 25_000
    assert result.currency == "GHS"
    assert result.fees_minor == 488  # 1.95% of GH₵ 250.00, rounded
    assert result.paid_at is not None
    assert result.action is None

    [delivery] = paystack_webhooks.wait_for(1)
    assert paystack.verify_webhook(delivery.headers, delivery.body)
    event = paystack.parse_event(delivery.body)
    assert event.type == EventType.COLLECTION_SUCCEEDED
    assert event.reference == request.reference
    assert event.provider_ref == result.provider_ref
    assert event.amount_minor == 25_000
    assert event.status == Status.SUCCEEDED
    assert event.occurred_at is not None
    assert event.confirmed is False


def test_collect_delayed_payer_pends_then_succeeds(paystack, paystack_webhooks, fakepay):
    request, result = charge(paystack, "+233551234980")

    assert result.status == Status.REQUIRES_ACTION
    assert result.action.type == ActionType.DIAL
    assert result.action.text
    assert paystack.get_collection(request.reference).status == Status.REQUIRES_ACTION
    assert paystack_webhooks.received == []

    fakepay.advance(6)

    assert paystack.get_collection(request.reference).status == Status.SUCCEEDED
    [delivery] = paystack_webhooks.wait_for(1)
    assert paystack.parse_event(delivery.body).reference == request.reference


def test_collect_insufficient_funds_fails_with_payer_message(paystack, fakepay):
    request, result = charge(paystack, "+233551234981")
    assert result.status == Status.REQUIRES_ACTION

    fakepay.advance(6)
    final = paystack.get_collection(request.reference)

    assert final.status == Status.FAILED
    assert final.failure.code == "NOT_ENOUGH_FUNDS"
    assert "balance" in final.failure.message
    assert final.failure.provider_message == "Insufficient funds in wallet"


def test_collect_pending_forever_never_resolves(paystack, paystack_webhooks, fakepay):
    request, _ = charge(paystack, "+233551234982")

    fakepay.advance(3600)

    assert paystack.get_collection(request.reference).status == Status.REQUIRES_ACTION
    assert fakepay.events() == []


def test_collect_duplicate_webhook_has_one_dedupe_key(paystack, paystack_webhooks, fakepay):
    _, result = charge(paystack, "+233551234983")
    assert result.status == Status.SUCCEEDED

    first, second = paystack_webhooks.wait_for(2)

    assert first.body == second.body
    assert paystack.verify_webhook(first.headers, first.body)
    assert paystack.verify_webhook(second.headers, second.body)
    assert paystack.parse_event(first.body).dedupe_key == paystack.parse_event(second.body).dedupe_key
    assert len(fakepay.events()) == 1


def test_collect_missing_webhook_found_by_polling(paystack, paystack_webhooks, fakepay):
    request, result = charge(paystack, "+233551234984")

    assert result.status == Status.SUCCEEDED
    assert fakepay.events() == []
    assert paystack_webhooks.wait_for(1, timeout=0.5) == []
    assert paystack.get_collection(request.reference).status == Status.SUCCEEDED


def test_collect_500_is_retried_with_same_reference(paystack, fakepay):
    reference = new_reference()

    _, result = charge(paystack, "+233551234985", reference=reference)

    assert result.status == Status.SUCCEEDED
    assert result.reference == reference
    assert fakepay.post_count(reference) == 2
    assert [row["reference"] for row in fakepay.state()["charges"]] == [reference]


def test_collect_caller_retry_after_500_finds_recorded_charge(paystack, fakepay, settings):
    settings.RESILIENCE_OUTBOUND = {"provider:paystack": {"max_retries": 0}}
    reference = new_reference()

    with pytest.raises(ProviderUnavailable) as raised:
        charge(paystack, "+233551234985", reference=reference)
    assert raised.value.status_code == 500
    assert raised.value.code == "server_error"

    _, result = charge(paystack, "+233551234985", reference=reference)

    assert result.status == Status.SUCCEEDED
    assert fakepay.post_count(reference) == 2
    assert len(fakepay.state()["charges"]) == 1


def test_collect_retry_after_client_timeout_finds_recorded_charge(paystack, fakepay, settings):
    settings.RESILIENCE_OUTBOUND = {"provider:paystack": {"read_timeout": 0.5, "max_retries": 0}}
    fakepay.configure(flaky_mode="hang", hang_seconds=3.0)
    reference = new_reference()

    with pytest.raises(ProviderUnavailable) as raised:
        charge(paystack, "+233551234985", reference=reference)
    assert raised.value.code == "timeout"

    _, result = charge(paystack, "+233551234985", reference=reference)
    assert result.status == Status.SUCCEEDED
    assert len(fakepay.state()["charges"]) == 1


def test_collect_telecel_otp_right_code_succeeds(paystack, fakepay):
    request, result = charge(paystack, "+233201234987", network="telecel")

    assert result.status == Status.REQUIRES_ACTION
    assert result.action.type == ActionType.OTP
    assert "*110#" in result.action.text

    final = paystack.submit_otp(reference=request.reference, otp="123456")
    assert final.status == Status.SUCCEEDED
    assert paystack.get_collection(request.reference).status == Status.SUCCEEDED


def test_collect_telecel_otp_wrong_code_fails(paystack, fakepay):
    request, _ = charge(paystack, "+233201234987", network="telecel")

    final = paystack.submit_action(reference=request.reference, otp="000000")

    assert final.status == Status.FAILED
    assert final.failure.code == "INVALID_OTP"
    assert paystack.get_collection(request.reference).status == Status.FAILED


def test_submit_otp_on_settled_charge_is_rejected(paystack, fakepay):
    request, _ = charge(paystack, "+233551234987")

    with pytest.raises(ProviderRejected):
        paystack.submit_otp(reference=request.reference, otp="123456")


def test_webhook_with_bad_signature_is_rejected(paystack, paystack_webhooks, fakepay):
    charge(paystack, "+233551234986")

    [delivery] = paystack_webhooks.wait_for(1)

    assert delivery.headers.get("x-paystack-signature")
    assert paystack.verify_webhook(delivery.headers, delivery.body) is False


def test_get_collection_unknown_reference_is_not_found(paystack, fakepay):
    with pytest.raises(ProviderNotFound):
        paystack.get_collection(new_reference())


def test_wrong_secret_key_is_rejected_not_unavailable(paystack, fakepay, settings):
    settings.KELMAH_PAYSTACK = {**settings.KELMAH_PAYSTACK, "SECRET_KEY": "sk_test_wrong"}
    from apps.payments.providers import get_provider

    with pytest.raises(ProviderRejected) as raised:
        charge(get_provider("paystack"), "+233551234987")
    assert raised.value.code == "unauthorized"
    assert fakepay.state()["charges"] == []


def test_collect_rejects_bad_input_before_any_call(paystack, fakepay):
    bad_requests = [
        {"reference": "has spaces"},
        {"reference": "x" * 37},
        {"amount_minor": 0},
        {"amount_minor": 10.5},
        {"amount_minor": True},
        {"phone": "0551234987"},
        {"phone": "+2348012345678"},
        {"network": "vodafone"},
        {"email": ""},
    ]
    for changes in bad_requests:
        values = {
            "reference": new_reference(),
            "amount_minor": 1000,
            "phone": "+233551234987",
            "network": "mtn",
            "email": "a@example.com",
            **changes,
        }
        with pytest.raises(ValueError):
            paystack.collect(CollectionRequest(**values))
    assert fakepay.requests() == []


def test_confirm_event_rereads_the_charge(paystack, paystack_webhooks, fakepay):
    charge(paystack, "+233551234987")
    [delivery] = paystack_webhooks.wait_for(1)

    confirmed = paystack.confirm_event(paystack.parse_event(delivery.body))

    assert confirmed.confirmed is True
    assert confirmed.type == EventType.COLLECTION_SUCCEEDED
    assert confirmed.amount_minor == 25_000


# Payouts ---------------------------------------------------------------------------------


def recipient(provider, phone: str):
    return provider.create_recipient(RecipientRequest(name="Kofi Boateng", phone=phone, network="mtn"))


def test_create_recipient_is_idempotent_per_wallet(paystack, fakepay):
    first = recipient(paystack, "+233241234560")
    second = recipient(paystack, "+233241234560")

    assert first.recipient_code.startswith("RCP_")
    assert second.recipient_code == first.recipient_code
    assert first.phone == "+233241234560"
    assert first.network == "mtn"
    assert len(fakepay.state()["recipients"]) == 1


def test_verify_recipient_returns_holder_name(paystack, fakepay):
    holder = paystack.verify_recipient(phone="+233241234560", network="mtn")
    assert holder.active is True
    assert holder.name

    unknown = paystack.verify_recipient(phone="+233241234569", network="mtn")
    assert unknown.active is False
    assert unknown.name is None


def test_payout_success_sends_transfer_webhook(paystack, paystack_webhooks, fakepay):
    wallet = recipient(paystack, "+233241234560")
    reference = new_reference("PAY")
    balance_before = fakepay.state()["balance"]

    result = paystack.payout(
        PayoutRequest(reference=reference, recipient_code=wallet.recipient_code, amount_minor=9000)
    )

    assert result.status in (Status.PENDING, Status.SUCCEEDED)
    assert result.provider_ref.startswith("TRF_")
    assert paystack.get_payout(reference).status == Status.SUCCEEDED
    [delivery] = paystack_webhooks.wait_for(1)
    event = paystack.parse_event(delivery.body)
    assert event.type == EventType.PAYOUT_SUCCEEDED
    assert event.reference == reference
    assert event.provider_ref == result.provider_ref
    assert fakepay.state()["balance"] == balance_before - 9000


def test_payout_failure_credits_balance_back(paystack, paystack_webhooks, fakepay):
    wallet = recipient(paystack, "+233241234561")
    reference = new_reference("PAY")
    balance_before = fakepay.state()["balance"]

    paystack.payout(PayoutRequest(reference=reference, recipient_code=wallet.recipient_code, amount_minor=9000))

    final = paystack.get_payout(reference)
    assert final.status == Status.FAILED
    assert final.failure is not None
    [delivery] = paystack_webhooks.wait_for(1)
    assert paystack.parse_event(delivery.body).type == EventType.PAYOUT_FAILED
    assert fakepay.state()["balance"] == balance_before


def test_payout_reversed_after_success(paystack, paystack_webhooks, fakepay):
    wallet = recipient(paystack, "+233241234562")
    reference = new_reference("PAY")

    paystack.payout(PayoutRequest(reference=reference, recipient_code=wallet.recipient_code, amount_minor=9000))
    assert paystack.get_payout(reference).status == Status.SUCCEEDED

    fakepay.advance(2)

    final = paystack.get_payout(reference)
    assert final.status == Status.REVERSED
    deliveries = paystack_webhooks.wait_for(2)
    assert [paystack.parse_event(item.body).type for item in deliveries] == [
        EventType.PAYOUT_SUCCEEDED,
        EventType.PAYOUT_REVERSED,
    ]


def test_payout_retry_with_same_reference_makes_one_transfer(paystack, fakepay):
    wallet = recipient(paystack, "+233241234560")
    request = PayoutRequest(reference=new_reference("PAY"), recipient_code=wallet.recipient_code, amount_minor=5000)

    first = paystack.payout(request)
    second = paystack.payout(request)

    assert second.provider_ref == first.provider_ref
    assert len(fakepay.state()["transfers"]) == 1


def test_payout_above_balance_is_rejected(paystack, fakepay):
    wallet = recipient(paystack, "+233241234560")
    balance = fakepay.state()["balance"]

    with pytest.raises(ProviderRejected) as raised:
        paystack.payout(
            PayoutRequest(
                reference=new_reference("PAY"), recipient_code=wallet.recipient_code, amount_minor=balance + 1
            )
        )
    assert raised.value.code == "insufficient_balance"
    assert fakepay.state()["transfers"] == []


# Refunds ---------------------------------------------------------------------------------


def test_refund_is_processed_after_a_delay(paystack, paystack_webhooks, fakepay):
    collection, _ = charge(paystack, "+233551234984", amount=20_000)
    refund_reference = new_reference("RFD")

    result = paystack.refund(
        RefundRequest(reference=refund_reference, collection_reference=collection.reference, amount_minor=5000)
    )

    assert result.status == Status.PENDING
    assert result.collection_reference == collection.reference
    assert result.amount_minor == 5000
    fakepay.advance(2)
    assert paystack.get_refund(result.refund_ref).status == Status.SUCCEEDED
    [delivery] = paystack_webhooks.wait_for(1)
    event = paystack.parse_event(delivery.body)
    assert event.type == EventType.REFUND_PROCESSED
    assert event.reference == collection.reference
    assert event.provider_ref == result.refund_ref
    assert event.amount_minor == 5000
    assert paystack.confirm_event(event).status == Status.SUCCEEDED


def test_refund_retry_returns_the_first_refund(paystack, fakepay):
    collection, _ = charge(paystack, "+233551234984", amount=20_000)
    request = RefundRequest(reference=new_reference("RFD"), collection_reference=collection.reference)

    first = paystack.refund(request)
    second = paystack.refund(request)

    assert second.refund_ref == first.refund_ref
    assert first.amount_minor == 20_000
    assert len(fakepay.state()["refunds"]) == 1


def test_refund_failure_sends_refund_failed(paystack, paystack_webhooks, fakepay):
    fakepay.configure(refund_outcome="failed")
    collection, _ = charge(paystack, "+233551234984")

    result = paystack.refund(RefundRequest(reference=new_reference("RFD"), collection_reference=collection.reference))
    fakepay.advance(2)

    assert paystack.get_refund(result.refund_ref).status == Status.FAILED
    [delivery] = paystack_webhooks.wait_for(1)
    assert paystack.parse_event(delivery.body).type == EventType.REFUND_FAILED


def test_refund_of_failed_charge_is_rejected(paystack, fakepay):
    collection, _ = charge(paystack, "+233551234981")
    fakepay.advance(6)

    with pytest.raises(ProviderRejected):
        paystack.refund(RefundRequest(reference=new_reference("RFD"), collection_reference=collection.reference))
    assert fakepay.state()["refunds"] == []


# Event parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'"text"',
        b"null",
        b"1e309",
        b'{"event": "charge.success"}',
        b'{"event": 1, "data": {}}',
    ],
)
def test_parse_event_rejects_malformed_bodies(paystack, body):
    with pytest.raises(MalformedEvent):
        paystack.parse_event(body)


def test_parse_event_rejects_deeply_nested_body(paystack):
    with pytest.raises(MalformedEvent):
        paystack.parse_event(b"[" * 100_000 + b"]" * 100_000)


def test_parse_event_ignores_unused_event_types(paystack):
    body = json.dumps({"event": "charge.dispute.create", "data": {"id": 1}}).encode()
    assert paystack.parse_event(body) is None


def test_parse_event_without_reference_is_malformed(paystack):
    body = json.dumps({"event": "charge.success", "data": {"id": 5, "amount": 100}}).encode()
    with pytest.raises(MalformedEvent):
        paystack.parse_event(body)


# Reconciliation listing ------------------------------------------------------------------


def test_list_transactions_returns_conclusive_movements_signed(paystack, fakepay):
    from datetime import UTC, datetime, timedelta

    since = datetime.now(tz=UTC) - timedelta(minutes=5)
    paid, _ = charge(paystack, "+233551234984", amount=30_000)
    charge(paystack, "+233551234982", amount=10_000)
    good = recipient(paystack, "+233241234560")
    bad = recipient(paystack, "+233241234561")
    returned = recipient(paystack, "+233241234562")
    payout_reference = new_reference("PAY")
    paystack.payout(PayoutRequest(reference=payout_reference, recipient_code=good.recipient_code, amount_minor=7000))
    for wallet in (bad, returned):
        paystack.payout(
            PayoutRequest(reference=new_reference("PAY"), recipient_code=wallet.recipient_code, amount_minor=3000)
        )
    refund_reference = new_reference("RFD")
    paystack.refund(RefundRequest(reference=refund_reference, collection_reference=paid.reference, amount_minor=4000))
    fakepay.advance(3)

    rows = {row.reference: row for row in paystack.list_transactions(since=since)}

    assert {reference: row.amount_minor for reference, row in rows.items()} == {
        paid.reference: 30_000,
        payout_reference: -7000,
        refund_reference: -4000,
    }
    assert rows[paid.reference].kind == "collection"
    assert rows[payout_reference].kind == "payout"
    assert rows[refund_reference].kind == "refund"


def test_list_transactions_reads_every_page(paystack, fakepay, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from apps.payments.providers import paystack as paystack_module

    monkeypatch.setattr(paystack_module, "LISTING_PAGE_SIZE", 2)
    references = {charge(paystack, "+233551234984", amount=1000 + n)[0].reference for n in range(5)}

    rows = paystack.list_transactions(since=datetime.now(tz=UTC) - timedelta(minutes=5))

    assert {row.reference for row in rows} == references


def test_list_transactions_skips_rows_before_since(paystack, fakepay):
    from datetime import UTC, datetime, timedelta

    charge(paystack, "+233551234984")

    assert paystack.list_transactions(since=datetime.now(tz=UTC) + timedelta(minutes=5)) == []
