"""Hostile input never escapes the adapters as anything but their documented errors."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.payments.providers import get_provider
from apps.payments.providers.base import CollectionRequest, MalformedEvent, check_reference
from apps.payments.providers.signatures import SigningSecret, verify_signature

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
event_names = st.sampled_from(
    ["charge.success", "charge.failed", "transfer.success", "transfer.failed", "transfer.reversed", "refund.processed"]
)


@pytest.fixture(scope="module")
def adapters():
    return [get_provider("paystack"), get_provider("momo")]


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200))
def test_parse_event_on_random_bytes(adapters, body):
    for adapter in adapters:
        try:
            adapter.parse_event(body)
        except MalformedEvent:
            pass


@settings(max_examples=200, deadline=None)
@given(name=event_names, data=st.dictionaries(st.text(max_size=20), json_values, max_size=8))
def test_parse_event_on_paystack_shaped_json(adapters, name, data):
    body = json.dumps({"event": name, "data": data}).encode()
    try:
        event = adapters[0].parse_event(body)
    except MalformedEvent:
        return
    assert event is None or isinstance(event.reference, str)


@settings(max_examples=200, deadline=None)
@given(
    data=st.dictionaries(st.sampled_from(["externalId", "status", "amount", "payer", "payee", "reason"]), json_values)
)
def test_parse_event_on_momo_shaped_json(adapters, data):
    try:
        adapters[1].parse_event(json.dumps(data).encode())
    except MalformedEvent:
        pass


@settings(max_examples=300, deadline=None)
@given(header=st.text(max_size=200), body=st.binary(max_size=100))
def test_verify_signature_on_random_headers(header, body):
    assert verify_signature(header, body, [SigningSecret("default", "secret")]) in (True, False)


@pytest.mark.parametrize(
    "header",
    ["t=²,v1=default:00", "t=٣,v1=default:00", "t=99999999999999999999999,v1=default:00", "t=1\n,v1=a:b"],
)
def test_verify_signature_on_odd_timestamps(header):
    assert verify_signature(header, b"{}", [SigningSecret("default", "secret")]) is False


@pytest.mark.parametrize("reference", ["KLM-1\n", "KLM-١٢", "", " KLM", "KLM/1", "KLM-1?x=1", None, 12])
def test_reference_check_rejects_unsafe_values(reference):
    with pytest.raises(ValueError):
        check_reference(reference)


@pytest.mark.parametrize("phone", ["+233٥٥١٢٣٤٩٨٧", "+233551234987\n", "+233 55 123 4987", "+", ""])
def test_collect_rejects_non_ascii_or_malformed_phones(phone):
    request = CollectionRequest(reference="KLM-1", amount_minor=100, phone=phone, network="mtn", email="a@example.com")
    with pytest.raises(ValueError):
        get_provider("paystack").collect(request)
