"""The MTN MoMo adapter against the fake provider over real HTTP."""

import json
import uuid

import pytest

from apps.payments.providers.base import (
    ActionType,
    CollectionRequest,
    EventType,
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


def request_to_pay(momo, phone: str, *, amount: int = 15_050, request_id: str | None = None, callback_url=None):
    request = CollectionRequest(
        reference=new_reference(),
        amount_minor=amount,
        phone=phone,
        network="mtn",
        description="Milestone 1: tiling",
        request_id=request_id or momo.new_request_id(),
        callback_url=callback_url,
    )
    return request, momo.collect(request)


def test_new_request_id_is_uuid4(momo):
    first = momo.new_request_id()

    assert uuid.UUID(first).version == 4
    assert momo.new_request_id() != first


def test_collect_success_sends_one_unsigned_callback(momo, fakepay, webhook_sink):
    request, result = request_to_pay(momo, "+233551234987", callback_url=webhook_sink.url)

    assert result.status == Status.SUCCEEDED
    assert result.provider_ref == request.request_id
    assert result.reference == request.reference
    assert result.amount_minor == 15_050
    assert result.raw["amount"] == "150.50"
    assert result.raw["payer"]["partyId"] == "233551234987"

    [callback] = webhook_sink.wait_for(1)
    assert callback.method == "PUT"
    assert momo.signed_webhooks is False
    assert momo.verify_webhook(callback.headers, callback.body) is False
    event = momo.parse_event(callback.body)
    assert event.type == EventType.COLLECTION_SUCCEEDED
    assert event.reference == request.reference
    assert event.amount_minor == 15_050
    assert event.confirmed is False

    confirmed = momo.confirm_event(event, request_id=request.request_id)
    assert confirmed.confirmed is True
    assert confirmed.status == Status.SUCCEEDED
    assert confirmed.provider_ref == request.request_id


def test_forged_callback_is_caught_by_confirmation(momo, fakepay, webhook_sink):
    request, result = request_to_pay(momo, "+233551234986", callback_url=webhook_sink.url)

    [callback] = webhook_sink.wait_for(1)
    claimed = momo.parse_event(callback.body)
    confirmed = momo.confirm_event(claimed, request_id=request.request_id)

    assert claimed.type == EventType.COLLECTION_SUCCEEDED
    assert result.status == Status.FAILED
    assert confirmed.type == EventType.COLLECTION_FAILED
    assert confirmed.status == Status.FAILED


def test_collect_delayed_payer_requires_approval_then_succeeds(momo, fakepay):
    request, result = request_to_pay(momo, "+233551234980")

    assert result.status == Status.REQUIRES_ACTION
    assert result.action.type == ActionType.DIAL
    assert "*170#" in result.action.text

    fakepay.advance(6)
    assert momo.get_collection(request.reference, request_id=request.request_id).status == Status.SUCCEEDED


def test_collect_not_enough_funds_maps_to_payer_message(momo, fakepay):
    request, _ = request_to_pay(momo, "+233551234981")
    fakepay.advance(6)

    final = momo.get_collection(request.reference, request_id=request.request_id)

    assert final.status == Status.FAILED
    assert final.failure.code == "NOT_ENOUGH_FUNDS"
    assert "balance" in final.failure.message


@pytest.mark.parametrize(
    ("msisdn", "code"),
    [
        ("+46733123450", "INTERNAL_PROCESSING_ERROR"),
        ("+46733123451", "APPROVAL_REJECTED"),
        ("+46733123452", "EXPIRED"),
    ],
)
def test_sandbox_failures_map_to_reasons(momo, fakepay, msisdn, code):
    _, result = request_to_pay(momo, msisdn)

    assert result.status == Status.FAILED
    assert result.failure.code == code
    assert result.failure.message


def test_internal_processing_error_asks_to_check_balance(momo, fakepay):
    _, result = request_to_pay(momo, "+46733123450")

    assert "Check your balance and try again" in result.failure.message


def test_sandbox_ongoing_stays_pending(momo, fakepay):
    request, _ = request_to_pay(momo, "+46733123453")
    fakepay.advance(3600)

    result = momo.get_collection(request.reference, request_id=request.request_id)
    assert result.status == Status.REQUIRES_ACTION


def test_sandbox_delayed_succeeds_later(momo, fakepay):
    request, result = request_to_pay(momo, "+46733123454")
    assert result.status == Status.REQUIRES_ACTION

    fakepay.advance(6)
    assert momo.get_collection(request.reference, request_id=request.request_id).status == Status.SUCCEEDED


def test_collect_retry_after_500_finds_payment(momo, fakepay, settings):
    settings.RESILIENCE_OUTBOUND = {"provider:momo": {"max_retries": 0}}
    request_id = momo.new_request_id()
    request = CollectionRequest(
        reference=new_reference(), amount_minor=5000, phone="+233551234985", network="mtn", request_id=request_id
    )

    with pytest.raises(ProviderUnavailable):
        momo.collect(request)
    result = momo.collect(request)

    assert result.status == Status.SUCCEEDED
    assert result.provider_ref == request_id
    assert fakepay.post_count(f"momo:{request_id}") == 1
    assert list(fakepay.state()["momo"]["requesttopay"]) == [request_id]


def test_500_is_retried_with_same_request_id(momo, fakepay):
    request, result = request_to_pay(momo, "+233551234985")

    assert result.status == Status.SUCCEEDED
    assert list(fakepay.state()["momo"]["requesttopay"]) == [request.request_id]
    posts = [row for row in fakepay.requests() if row["path"] == "/collection/v1_0/requesttopay"]
    # A 401 first means the token cached by an earlier test was renewed; it is not a retry.
    assert [row["status"] for row in posts if row["status"] != 401] == [500, 409]


def test_collect_needs_a_uuid4_request_id(momo, fakepay):
    for request_id in (None, "not-a-uuid", str(uuid.uuid5(uuid.NAMESPACE_URL, "kelmah")), str(uuid.uuid1())):
        request = CollectionRequest(
            reference=new_reference(), amount_minor=5000, phone="+233551234987", network="mtn", request_id=request_id
        )
        with pytest.raises(ValueError):
            momo.collect(request)
    assert fakepay.state()["momo"]["requesttopay"] == {}


def test_collect_from_other_network_is_rejected(momo, fakepay):
    request = CollectionRequest(
        reference=new_reference(),
        amount_minor=5000,
        phone="+233201234987",
        network="telecel",
        request_id=momo.new_request_id(),
    )
    with pytest.raises(ProviderRejected):
        momo.collect(request)


def test_currency_mismatch_is_rejected(momo, fakepay):
    fakepay.configure(momo_currency="EUR")

    with pytest.raises(ProviderRejected) as raised:
        request_to_pay(momo, "+233551234987")
    assert raised.value.status_code == 400


def test_unknown_request_id_is_not_found(momo, fakepay):
    with pytest.raises(ProviderNotFound):
        momo.get_collection(new_reference(), request_id=momo.new_request_id())


def test_submit_otp_is_not_supported(momo):
    with pytest.raises(ProviderRejected):
        momo.submit_otp(reference=new_reference(), otp="123456")


def test_token_is_cached_between_calls(momo, fakepay):
    request_to_pay(momo, "+233551234987")
    request_to_pay(momo, "+233551234987")

    token_calls = [row for row in fakepay.requests() if row["path"] == "/collection/token/"]
    assert len(token_calls) == 1


def test_expired_token_is_renewed_once(momo, fakepay):
    request_to_pay(momo, "+233551234987")
    fakepay.reset()  # the fake drops every token it issued

    _, result = request_to_pay(momo, "+233551234987")

    assert result.status == Status.SUCCEEDED
    paths = [row["path"] for row in fakepay.requests()]
    assert paths.count("/collection/token/") == 1


def test_wrong_api_key_is_rejected(momo, fakepay, settings):
    from apps.payments.providers import get_provider
    from apps.payments.providers.momo import TOKENS

    settings.KELMAH_MOMO = {**settings.KELMAH_MOMO, "COLLECTION_API_USER": str(uuid.uuid4())}
    with pytest.raises(ProviderRejected) as raised:
        request_to_pay(get_provider("momo"), "+233551234987")
    assert raised.value.code == "unauthorized"
    assert TOKENS.get((fakepay.base_url, "collection", settings.KELMAH_MOMO["COLLECTION_API_USER"])) is None


# Wallets and payouts ---------------------------------------------------------------------


def test_verify_recipient_reads_holder_name(momo, fakepay):
    holder = momo.verify_recipient(phone="+233241234560", network="mtn")

    assert holder.active is True
    assert holder.name
    assert momo.verify_recipient(phone="+233241234569", network="mtn").active is False
    assert momo.verify_recipient(phone="+233201234560", network="telecel").active is False


def test_create_recipient_refuses_unknown_wallet(momo, fakepay):
    with pytest.raises(ProviderRejected):
        momo.create_recipient(RecipientRequest(name="Kofi", phone="+233241234569", network="mtn"))


def payout(momo, wallet_phone: str, amount: int = 7000):
    recipient = momo.create_recipient(RecipientRequest(name="Kofi Boateng", phone=wallet_phone, network="mtn"))
    request = PayoutRequest(
        reference=new_reference("PAY"),
        recipient_code=recipient.recipient_code,
        amount_minor=amount,
        request_id=momo.new_request_id(),
    )
    return request, momo.payout(request)


def test_payout_succeeds(momo, fakepay):
    request, result = payout(momo, "+233241234560")

    assert request.recipient_code == "233241234560"
    assert result.status in (Status.PENDING, Status.SUCCEEDED)
    final = momo.get_payout(request.reference, request_id=request.request_id)
    assert final.status == Status.SUCCEEDED
    assert final.amount_minor == 7000
    assert final.reference == request.reference


def test_payout_to_failing_wallet_fails(momo, fakepay):
    request, _ = payout(momo, "+233241234561")

    final = momo.get_payout(request.reference, request_id=request.request_id)
    assert final.status == Status.FAILED
    assert final.failure.code == "PAYEE_NOT_FOUND"


def test_payout_retry_makes_one_transfer(momo, fakepay):
    request, first = payout(momo, "+233241234560")

    second = momo.payout(request)

    assert second.provider_ref == first.provider_ref
    assert len(fakepay.state()["momo"]["transfer"]) == 1


def test_payout_callback_parses_as_payout_event(momo, fakepay, webhook_sink, settings):
    settings.KELMAH_MOMO = {**settings.KELMAH_MOMO, "CALLBACK_URL": webhook_sink.url}
    from apps.payments.providers import get_provider

    adapter = get_provider("momo")
    request, _ = payout(adapter, "+233241234561")
    adapter.get_payout(request.reference, request_id=request.request_id)

    [callback] = webhook_sink.wait_for(1)
    event = adapter.parse_event(callback.body)
    assert event.type == EventType.PAYOUT_FAILED
    assert event.reference == request.reference
    assert event.failure.code == "PAYEE_NOT_FOUND"


def test_refund_returns_a_collection(momo, fakepay):
    collection, _ = request_to_pay(momo, "+233551234987", amount=20_000)
    refund_request = RefundRequest(
        reference=new_reference("RFD"),
        collection_reference=collection.reference,
        request_id=momo.new_request_id(),
        collection_request_id=collection.request_id,
    )

    result = momo.refund(refund_request)
    assert result.status in (Status.PENDING, Status.SUCCEEDED)
    assert result.amount_minor == 20_000
    fakepay.advance(2)

    final = momo.get_refund(result.refund_ref)
    assert final.status == Status.SUCCEEDED
    assert final.reference == refund_request.reference


def test_refund_of_unknown_payment_is_rejected(momo, fakepay):
    refund_request = RefundRequest(
        reference=new_reference("RFD"),
        collection_reference=new_reference(),
        amount_minor=1000,
        request_id=momo.new_request_id(),
        collection_request_id=momo.new_request_id(),
    )
    with pytest.raises(ProviderRejected):
        momo.refund(refund_request)


def test_parse_event_skips_pending_callback(momo):
    body = json.dumps({"externalId": "KLM-1", "status": "PENDING", "amount": "10"}).encode()
    assert momo.parse_event(body) is None


def test_parse_event_ignores_refund_callback(momo):
    body = json.dumps(
        {"externalId": "RFD-1", "status": "SUCCESSFUL", "amount": "10", "referenceIdToRefund": str(uuid.uuid4())}
    ).encode()
    assert momo.parse_event(body) is None


def test_collect_accepted_but_not_yet_readable_is_pending(settings):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    from apps.payments.providers import get_provider

    class LaggingMomo(BaseHTTPRequestHandler):
        """Accept the request to pay, but answer 404 to the status query that follows."""

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.endswith("/token/"):
                self._send(200, b'{"access_token": "lag-token", "expires_in": 3600}')
            else:
                self._send(202, b"")

        def do_GET(self):
            self._send(404, b'{"code": "RESOURCE_NOT_FOUND", "message": "Requested resource was not found."}')

        def _send(self, status, body):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), LaggingMomo)
    Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    try:
        settings.KELMAH_MOMO = {**settings.KELMAH_MOMO, "BASE_URL": f"http://127.0.0.1:{server.server_address[1]}"}
        momo = get_provider("momo")
        request = CollectionRequest(
            reference=new_reference(),
            amount_minor=5000,
            phone="+233551234987",
            network="mtn",
            request_id=momo.new_request_id(),
        )

        result = momo.collect(request)
    finally:
        server.shutdown()
        server.server_close()

    assert result.status == Status.PENDING
    assert result.provider_ref == request.request_id
