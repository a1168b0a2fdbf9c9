"""The fake provider itself, over raw HTTP: auth, validation, admin endpoints, webhooks, ledger."""

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
import requests

from fakepay import DEFAULT_MOMO_PRODUCTS, DEFAULT_PAYSTACK_SECRET_KEY
from fakepay.server import FakePayServer

AUTH = {"Authorization": f"Bearer {DEFAULT_PAYSTACK_SECRET_KEY}"}


def new_reference() -> str:
    return f"KLM-{uuid.uuid4().hex[:20]}"


def post_charge(fakepay, phone="0551234987", reference=None, **changes):
    body = {
        "email": "ama@example.com",
        "amount": 10_000,
        "currency": "GHS",
        "reference": reference or new_reference(),
        "mobile_money": {"phone": phone, "provider": "mtn"},
        **changes,
    }
    return requests.post(f"{fakepay.base_url}/charge", json=body, headers=AUTH, timeout=5)


def test_paystack_calls_need_the_secret_key(fakepay):
    missing = requests.get(f"{fakepay.base_url}/balance", timeout=5)
    wrong = requests.get(f"{fakepay.base_url}/balance", headers={"Authorization": "Bearer sk_wrong"}, timeout=5)

    assert missing.status_code == 401
    assert missing.json() == {"status": False, "message": "Invalid key"}
    assert wrong.status_code == 401


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"amount": 0}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"amount": True}, "amount"),
        ({"currency": "USD"}, "currency"),
        ({"reference": "bad ref!"}, "reference"),
        ({"mobile_money": {"phone": "+233551234987", "provider": "mtn"}}, "phone"),
        ({"mobile_money": {"phone": "0551234987", "provider": "vodafone"}}, "provider"),
        ({"mobile_money": "0551234987"}, "mobile_money"),
    ],
)
def test_charge_validation_errors_change_nothing(fakepay, changes, fragment):
    response = post_charge(fakepay, **changes)

    assert response.status_code == 400
    assert response.json()["status"] is False
    assert fragment in response.json()["message"].lower()
    assert fakepay.state()["charges"] == []


@pytest.mark.parametrize("body", [b"not json", b"[]", b"null", b'"text"', b"[" * 50_000])
def test_malformed_bodies_get_400(fakepay, body):
    response = requests.post(f"{fakepay.base_url}/charge", data=body, headers=AUTH, timeout=5)

    assert response.status_code == 400
    assert response.json()["status"] is False


def test_out_of_range_amount_gets_400(fakepay):
    body = (
        b'{"email": "a@example.com", "amount": 1e309, "reference": "KLM-huge",'
        b' "mobile_money": {"phone": "0551234987", "provider": "mtn"}}'
    )
    response = requests.post(f"{fakepay.base_url}/charge", data=body, headers=AUTH, timeout=5)

    assert response.status_code == 400
    assert "amount" in response.json()["message"].lower()
    assert fakepay.state()["charges"] == []


def test_unknown_path_and_wrong_method(fakepay):
    assert requests.get(f"{fakepay.base_url}/nowhere", headers=AUTH, timeout=5).status_code == 404
    assert requests.delete(f"{fakepay.base_url}/charge", headers=AUTH, timeout=5).status_code == 405


def test_duplicate_reference_is_rejected_with_paystack_message(fakepay):
    reference = new_reference()
    post_charge(fakepay, reference=reference)

    again = post_charge(fakepay, reference=reference)

    assert again.status_code == 400
    assert again.json()["message"] == "Duplicate Transaction Reference"
    assert len(fakepay.state()["charges"]) == 1


def test_successful_charge_moves_balance_and_ledger(fakepay):
    before = fakepay.state()["balance"]
    reference = new_reference()

    post_charge(fakepay, reference=reference)

    balance = requests.get(f"{fakepay.base_url}/balance", headers=AUTH, timeout=5).json()
    ledger = requests.get(f"{fakepay.base_url}/balance/ledger", headers=AUTH, timeout=5).json()
    fee = 195  # 1.95% of GH₵ 100.00
    assert balance["data"] == [{"currency": "GHS", "balance": before + 10_000 - fee}]
    newest = ledger["data"][0]
    assert newest["difference"] == 10_000 - fee
    assert newest["model_responsible"] == "Transaction"
    assert newest["reference"] == reference
    assert newest["balance"] == before + 10_000 - fee
    assert ledger["meta"]["total"] == 2


def test_settlement_lists_paid_charges_and_settles_next_day(fakepay):
    reference = new_reference()
    post_charge(fakepay, reference=reference)

    pending = requests.get(f"{fakepay.base_url}/settlement", headers=AUTH, timeout=5).json()["data"]
    fakepay.advance(2 * 24 * 3600)
    settled = requests.get(f"{fakepay.base_url}/settlement", headers=AUTH, timeout=5).json()["data"]
    rows = requests.get(
        f"{fakepay.base_url}/settlement/{settled[0]['id']}/transactions", headers=AUTH, timeout=5
    ).json()["data"]

    assert pending[0]["status"] == "pending"
    assert settled[0]["status"] == "success"
    assert settled[0]["total_amount"] == 10_000
    assert settled[0]["effective_amount"] == 10_000 - 195
    assert [row["reference"] for row in rows] == [reference]


def test_ledger_is_paginated(fakepay):
    for _ in range(3):
        post_charge(fakepay)

    page = requests.get(
        f"{fakepay.base_url}/balance/ledger", params={"perPage": 2, "page": 2}, headers=AUTH, timeout=5
    ).json()

    assert page["meta"] == {"total": 4, "skipped": 2, "perPage": 2, "page": 2, "pageCount": 2}
    assert len(page["data"]) == 2


def test_webhook_is_retried_until_attempts_run_out(fakepay, webhook_sink):
    webhook_sink.status_code = 500
    fakepay.configure(webhook_url=webhook_sink.url, webhook_retry_delays=[0.05, 0.05, 0.05])

    post_charge(fakepay)

    received = webhook_sink.wait_for(4)
    time.sleep(0.3)
    assert len(received) == 4
    assert len(webhook_sink.received) == 4
    [event] = fakepay.events()
    assert [item["status"] for item in event["deliveries"]] == [500, 500, 500, 500]


def test_webhook_stops_after_first_success(fakepay, webhook_sink):
    fakepay.configure(webhook_url=webhook_sink.url)

    post_charge(fakepay)

    [delivery] = webhook_sink.wait_for(1)
    time.sleep(0.5)
    assert len(webhook_sink.received) == 1
    expected = hmac.new(DEFAULT_PAYSTACK_SECRET_KEY.encode(), delivery.body, hashlib.sha512).hexdigest()
    assert delivery.headers["x-paystack-signature"] == expected
    assert json.loads(delivery.body)["event"] == "charge.success"


def test_webhook_to_closed_port_records_the_error(fakepay):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fakepay.configure(webhook_url=f"http://127.0.0.1:{port}/hook/", webhook_retry_delays=[])

    post_charge(fakepay)

    [event] = fakepay.wait_for_events(1)
    assert event["deliveries"][0]["status"] is None
    assert event["deliveries"][0]["error"]


def test_settle_charge_ends_a_pending_forever_charge(fakepay):
    reference = new_reference()
    post_charge(fakepay, phone="0551234982", reference=reference)

    settled = fakepay.settle_charge(reference, "failed")

    assert settled["status"] == "failed"
    verify = requests.get(f"{fakepay.base_url}/transaction/verify/{reference}", headers=AUTH, timeout=5).json()
    assert verify["data"]["status"] == "failed"


def test_reset_forgets_everything(fakepay):
    post_charge(fakepay)
    fakepay.advance(100)

    fakepay.reset()

    state = fakepay.state()
    assert state["charges"] == []
    assert state["clock_offset_seconds"] == 0
    assert fakepay.requests() == []


def test_admin_config_rejects_bad_values(fakepay):
    for changes in (
        {"webhook_url": "http://10.0.0.1/hook"},
        {"webhook_url": "http://example.com/hook"},
        {"pending_seconds": -1},
        {"pending_seconds": "soon"},
        {"signature_scheme": "md5"},
        {"no_such_setting": 1},
    ):
        response = requests.post(f"{fakepay.base_url}/__admin__/config", json=changes, timeout=5)
        assert response.status_code == 400, changes
        assert response.json()["errors"]
    assert fakepay.state()["config"]["webhook_url"] == ""


def test_admin_advance_rejects_bad_seconds(fakepay):
    for body in ({"seconds": -5}, {"seconds": "NaN"}, {"seconds": True}, [], {}):
        response = requests.post(f"{fakepay.base_url}/__admin__/advance", json=body, timeout=5)
        assert response.status_code == 400


def test_server_refuses_non_loopback_host():
    with pytest.raises(ValueError):
        FakePayServer("0.0.0.0", 0)


# MoMo ------------------------------------------------------------------------------------


def momo_token(fakepay, product="collection"):
    credentials = DEFAULT_MOMO_PRODUCTS[product]
    response = requests.post(
        f"{fakepay.base_url}/{product}/token/",
        auth=(credentials["api_user"], credentials["api_key"]),
        headers={"Ocp-Apim-Subscription-Key": credentials["subscription_key"]},
        timeout=5,
    )
    assert response.status_code == 200
    return response.json()["access_token"]


def momo_headers(fakepay, request_id=None, **extra):
    headers = {
        "Authorization": f"Bearer {momo_token(fakepay)}",
        "Ocp-Apim-Subscription-Key": DEFAULT_MOMO_PRODUCTS["collection"]["subscription_key"],
        "X-Target-Environment": "sandbox",
        **extra,
    }
    if request_id:
        headers["X-Reference-Id"] = request_id
    return headers


def momo_body(**changes):
    return {
        "amount": "50",
        "currency": "GHS",
        "externalId": "KLM-1",
        "payer": {"partyIdType": "MSISDN", "partyId": "233551234987"},
        "payerMessage": "Kelmah job",
        "payeeNote": "Kelmah job",
        **changes,
    }


def test_momo_request_to_pay_answers_202_then_409(fakepay):
    request_id = str(uuid.uuid4())
    url = f"{fakepay.base_url}/collection/v1_0/requesttopay"

    first = requests.post(url, json=momo_body(), headers=momo_headers(fakepay, request_id), timeout=5)
    again = requests.post(url, json=momo_body(), headers=momo_headers(fakepay, request_id), timeout=5)
    status = requests.get(f"{url}/{request_id}", headers=momo_headers(fakepay), timeout=5)

    assert first.status_code == 202
    assert first.content == b""
    assert again.status_code == 409
    assert again.json()["code"] == "RESOURCE_ALREADY_EXIST"
    assert status.json()["status"] == "SUCCESSFUL"
    assert status.json()["financialTransactionId"]


@pytest.mark.parametrize(
    ("request_id", "body", "code"),
    [
        ("not-a-uuid", momo_body(), "INVALID_REFERENCE_ID"),
        ("uuid1", momo_body(), "INVALID_REFERENCE_ID"),
        ("uuid4", momo_body(amount="-5"), "INVALID_REQUEST"),
        ("uuid4", momo_body(amount=50), "INVALID_REQUEST"),
        ("uuid4", momo_body(currency="EUR"), "INVALID_REQUEST"),
        ("uuid4", momo_body(payerMessage="Kofi's job"), "INVALID_REQUEST"),
        ("uuid4", momo_body(payeeNote="x" * 161), "INVALID_REQUEST"),
        ("uuid4", momo_body(payer={"partyIdType": "EMAIL", "partyId": "a@b.c"}), "INVALID_REQUEST"),
    ],
)
def test_momo_rejects_bad_requests(fakepay, request_id, body, code):
    request_id = {"uuid1": str(uuid.uuid1()), "uuid4": str(uuid.uuid4())}.get(request_id, request_id)

    response = requests.post(
        f"{fakepay.base_url}/collection/v1_0/requesttopay",
        json=body,
        headers=momo_headers(fakepay, request_id),
        timeout=5,
    )

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert fakepay.state()["momo"]["requesttopay"] == {}


def test_momo_checks_key_token_and_environment(fakepay):
    url = f"{fakepay.base_url}/collection/v1_0/requesttopay/{uuid.uuid4()}"

    bad_key = requests.get(url, headers=momo_headers(fakepay, **{"Ocp-Apim-Subscription-Key": "wrong"}), timeout=5)
    bad_token = requests.get(url, headers=momo_headers(fakepay, Authorization="Bearer nope"), timeout=5)
    bad_environment = requests.get(
        url, headers=momo_headers(fakepay, **{"X-Target-Environment": "mtnghana"}), timeout=5
    )
    unknown = requests.get(url, headers=momo_headers(fakepay), timeout=5)

    assert bad_key.status_code == 401
    assert bad_token.status_code == 401
    assert bad_environment.status_code == 400
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "RESOURCE_NOT_FOUND"


def test_momo_token_expires_on_the_fake_clock(fakepay):
    headers = momo_headers(fakepay)
    url = f"{fakepay.base_url}/collection/v1_0/accountholder/msisdn/233241234560/active"
    assert requests.get(url, headers=headers, timeout=5).status_code == 200

    fakepay.advance(3601)

    assert requests.get(url, headers=headers, timeout=5).status_code == 401


def test_momo_token_needs_right_credentials(fakepay):
    response = requests.post(
        f"{fakepay.base_url}/collection/token/",
        auth=("someone", "wrong"),
        headers={"Ocp-Apim-Subscription-Key": DEFAULT_MOMO_PRODUCTS["collection"]["subscription_key"]},
        timeout=5,
    )
    assert response.status_code == 401


def test_momo_callback_goes_only_to_loopback(fakepay):
    request_id = str(uuid.uuid4())
    headers = momo_headers(fakepay, request_id, **{"X-Callback-Url": "http://192.0.2.10/callback"})

    requests.post(f"{fakepay.base_url}/collection/v1_0/requesttopay", json=momo_body(), headers=headers, timeout=5)

    assert fakepay.events() == []


# The command line --------------------------------------------------------------------------


def test_command_line_server_starts_and_stops(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "fakepay.server", "--host", "127.0.0.1", "--port", str(port), "--webhook-url", ""],
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        health = None
        while time.monotonic() < deadline:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/__admin__/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert health is not None
        assert health.json() == {"status": "ok"}
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_command_line_refuses_public_webhook_url():
    result = subprocess.run(
        [sys.executable, "-m", "fakepay.server", "--port", "0", "--webhook-url", "http://example.com/hook"],
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr


def test_object_ids_never_repeat_across_resets(fakepay):
    post_charge(fakepay)
    first_id = fakepay.state()["charges"][0]["id"]

    fakepay.reset()
    post_charge(fakepay)

    assert fakepay.state()["charges"][0]["id"] > first_id


def test_momo_disbursement_balance(fakepay):
    credentials = DEFAULT_MOMO_PRODUCTS["disbursement"]
    token = momo_token(fakepay, "disbursement")

    response = requests.get(
        f"{fakepay.base_url}/disbursement/v1_0/account/balance",
        headers={
            "Authorization": f"Bearer {token}",
            "Ocp-Apim-Subscription-Key": credentials["subscription_key"],
            "X-Target-Environment": "sandbox",
        },
        timeout=5,
    )

    assert response.status_code == 200
    assert response.json() == {"availableBalance": "10000.00", "currency": "GHS"}
