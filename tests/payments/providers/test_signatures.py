"""Webhook signatures: checked over the raw bytes, both header forms, rotation and replays."""

import hashlib
import hmac
import time

import pytest

from apps.payments.providers import get_provider
from apps.payments.providers.base import EventType
from apps.payments.providers.signatures import (
    SigningSecret,
    header_value,
    parse_secrets,
    sign_plain,
    sign_timestamped,
    verify_signature,
)

SECRET = "sk_test_kelmah_fakepay"

# Valid JSON that no serializer would produce: odd spacing, keys out of order, escaped
# unicode (“Kwabena Ɔwusu”) and an escaped slash. Re-serialising it changes the bytes.
NON_CANONICAL_BODY = (
    b'{ "data" :{"status":"success",  "reference":"KLM-abc123","amount": 25000,'
    b'"currency":"GHS","id":4021,"customer":{"first_name":"\\u201cKwabena \\u0186wusu\\u201d",'
    b'"note":"a\\/b"}} ,\n "event":"charge.success"}'
)


@pytest.fixture
def paystack(settings):
    settings.KELMAH_PAYSTACK = {**settings.KELMAH_PAYSTACK, "SECRET_KEY": SECRET, "WEBHOOK_SECRETS": []}
    return get_provider("paystack")


def test_non_canonical_body_with_valid_signature_is_accepted(paystack):
    headers = {"X-Paystack-Signature": sign_plain(SECRET, NON_CANONICAL_BODY)}

    assert paystack.verify_webhook(headers, NON_CANONICAL_BODY) is True
    event = paystack.parse_event(NON_CANONICAL_BODY)
    assert event.type == EventType.COLLECTION_SUCCEEDED
    assert event.reference == "KLM-abc123"
    assert event.provider_ref == "4021"
    assert event.amount_minor == 25000
    assert event.raw["data"]["customer"]["first_name"] == "“Kwabena Ɔwusu”"


def test_one_flipped_byte_is_rejected(paystack):
    signature = sign_plain(SECRET, NON_CANONICAL_BODY)
    for position in (0, len(NON_CANONICAL_BODY) // 2, len(NON_CANONICAL_BODY) - 1):
        tampered = bytearray(NON_CANONICAL_BODY)
        tampered[position] ^= 0x01
        assert paystack.verify_webhook({"x-paystack-signature": signature}, bytes(tampered)) is False


def test_flipped_signature_character_is_rejected(paystack):
    signature = sign_plain(SECRET, NON_CANONICAL_BODY)
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]

    assert paystack.verify_webhook({"x-paystack-signature": flipped}, NON_CANONICAL_BODY) is False


def test_reserialised_body_is_rejected(paystack):
    import json

    signature = sign_plain(SECRET, NON_CANONICAL_BODY)
    canonical = json.dumps(json.loads(NON_CANONICAL_BODY)).encode()

    assert paystack.verify_webhook({"x-paystack-signature": signature}, canonical) is False


def test_missing_or_empty_signature_is_rejected(paystack):
    assert paystack.verify_webhook({}, NON_CANONICAL_BODY) is False
    assert paystack.verify_webhook({"x-paystack-signature": ""}, NON_CANONICAL_BODY) is False
    assert paystack.verify_webhook({"x-paystack-signature": "not-hex"}, NON_CANONICAL_BODY) is False


def test_signature_from_another_secret_is_rejected(paystack):
    headers = {"x-paystack-signature": sign_plain("sk_test_someone_else", NON_CANONICAL_BODY)}
    assert paystack.verify_webhook(headers, NON_CANONICAL_BODY) is False


def test_django_meta_header_form_is_read(paystack):
    meta = {"HTTP_X_PAYSTACK_SIGNATURE": sign_plain(SECRET, NON_CANONICAL_BODY), "CONTENT_TYPE": "application/json"}
    assert paystack.verify_webhook(meta, NON_CANONICAL_BODY) is True


def test_uppercase_hex_signature_is_accepted(paystack):
    headers = {"x-paystack-signature": sign_plain(SECRET, NON_CANONICAL_BODY).upper()}
    assert paystack.verify_webhook(headers, NON_CANONICAL_BODY) is True


# Timestamped form ------------------------------------------------------------------------


def test_fresh_timestamped_signature_is_accepted(paystack):
    header = sign_timestamped(SigningSecret("default", SECRET), NON_CANONICAL_BODY, int(time.time()))
    assert paystack.verify_webhook({"x-paystack-signature": header}, NON_CANONICAL_BODY) is True


def test_stale_timestamped_signature_is_rejected_as_replay(paystack, caplog):
    stale = int(time.time()) - 301
    header = sign_timestamped(SigningSecret("default", SECRET), NON_CANONICAL_BODY, stale)

    assert paystack.verify_webhook({"x-paystack-signature": header}, NON_CANONICAL_BODY) is False
    assert "replay" in caplog.text


def test_future_timestamped_signature_is_rejected(paystack):
    header = sign_timestamped(SigningSecret("default", SECRET), NON_CANONICAL_BODY, int(time.time()) + 301)
    assert paystack.verify_webhook({"x-paystack-signature": header}, NON_CANONICAL_BODY) is False


def test_timestamp_is_part_of_the_signed_text(paystack):
    now = int(time.time())
    header = sign_timestamped(SigningSecret("default", SECRET), NON_CANONICAL_BODY, now)
    moved = header.replace(f"t={now}", f"t={now - 1}")

    assert paystack.verify_webhook({"x-paystack-signature": moved}, NON_CANONICAL_BODY) is False


def test_rotated_secret_is_accepted_by_key_id(settings):
    settings.KELMAH_PAYSTACK = {
        **settings.KELMAH_PAYSTACK,
        "SECRET_KEY": SECRET,
        "WEBHOOK_SECRETS": ["2026-11:old-signing-secret", "2026-12:new-signing-secret"],
    }
    paystack = get_provider("paystack")
    now = int(time.time())

    old = sign_timestamped(SigningSecret("2026-11", "old-signing-secret"), NON_CANONICAL_BODY, now)
    new = sign_timestamped(SigningSecret("2026-12", "new-signing-secret"), NON_CANONICAL_BODY, now)
    wrong_pair = sign_timestamped(SigningSecret("2026-12", "old-signing-secret"), NON_CANONICAL_BODY, now)
    unknown = sign_timestamped(SigningSecret("2025-01", "old-signing-secret"), NON_CANONICAL_BODY, now)

    assert paystack.verify_webhook({"x-paystack-signature": old}, NON_CANONICAL_BODY) is True
    assert paystack.verify_webhook({"x-paystack-signature": new}, NON_CANONICAL_BODY) is True
    assert paystack.verify_webhook({"x-paystack-signature": wrong_pair}, NON_CANONICAL_BODY) is False
    assert paystack.verify_webhook({"x-paystack-signature": unknown}, NON_CANONICAL_BODY) is False


def test_header_with_several_signatures_accepts_any_valid_one():
    secrets = [SigningSecret("new", "new-secret")]
    now = int(time.time())
    digest = hmac.new(b"new-secret", f"{now}.".encode() + NON_CANONICAL_BODY, hashlib.sha512).hexdigest()
    header = f"t={now},v1=old:{'0' * 128},v1=new:{digest}"

    assert verify_signature(header, NON_CANONICAL_BODY, secrets) is True


@pytest.mark.parametrize(
    "header",
    ["t=,v1=default:abc", "t=abc,v1=default:abc", "t=123", "v1=default:abc", "t=1,v1=nocolon", "t=1,,,"],
)
def test_malformed_timestamped_header_is_rejected(header):
    assert verify_signature(header, NON_CANONICAL_BODY, [SigningSecret("default", SECRET)]) is False


def test_malformed_secret_entry_fails_loudly():
    with pytest.raises(ValueError):
        parse_secrets(SECRET, ["no-separator"])


def test_header_value_is_case_insensitive():
    assert header_value({"X-PAYSTACK-SIGNATURE": "a"}, "x-paystack-signature") == "a"
    assert header_value({"other": "b"}, "x-paystack-signature") is None


def test_fake_timestamped_webhook_verifies(fakepay, webhook_sink):
    fakepay.configure(webhook_url=webhook_sink.url, signature_scheme="timestamped")
    from apps.payments.providers.base import CollectionRequest

    paystack = get_provider("paystack")
    paystack.collect(
        CollectionRequest(
            reference="KLM-timestamped-1",
            amount_minor=1000,
            phone="+233551234987",
            network="mtn",
            email="a@example.com",
        )
    )

    [delivery] = webhook_sink.wait_for(1)
    assert delivery.headers["x-paystack-signature"].startswith("t=")
    assert paystack.verify_webhook(delivery.headers, delivery.body) is True


def test_fake_replayed_event_has_same_body(fakepay, webhook_sink):
    fakepay.configure(webhook_url=webhook_sink.url)
    from apps.payments.providers.base import CollectionRequest

    paystack = get_provider("paystack")
    paystack.collect(
        CollectionRequest(
            reference="KLM-replay-1", amount_minor=1000, phone="+233551234987", network="mtn", email="a@example.com"
        )
    )
    [event] = fakepay.wait_for_events(1)

    fakepay.replay(event["id"])
    first, second = webhook_sink.wait_for(2)

    assert first.body == second.body
    assert paystack.verify_webhook(second.headers, second.body) is True
    assert paystack.parse_event(first.body).dedupe_key == paystack.parse_event(second.body).dedupe_key


def test_fake_timestamped_webhook_verifies_after_clock_advance(fakepay, webhook_sink):
    fakepay.configure(webhook_url=webhook_sink.url, signature_scheme="timestamped")
    from apps.payments.providers.base import CollectionRequest

    paystack = get_provider("paystack")
    paystack.collect(
        CollectionRequest(
            reference="KLM-timestamped-2",
            amount_minor=1000,
            phone="+233551234980",
            network="mtn",
            email="a@example.com",
        )
    )
    fakepay.advance(3600)

    [delivery] = webhook_sink.wait_for(1)
    assert paystack.verify_webhook(delivery.headers, delivery.body) is True
