"""Fixtures for the adapter tests: the fake provider, a webhook receiver and adapters pointed at them."""

import pytest

from apps.payments.providers import get_provider
from tests.support import fakepay as fakepay_support

# Re-exported so pytest finds the shared fixtures in this folder.
fakepay_server = fakepay_support.fakepay_server
fakepay = fakepay_support.fakepay
webhook_sink = fakepay_support.webhook_sink


@pytest.fixture
def paystack(fakepay):
    return get_provider("paystack")


@pytest.fixture
def momo(fakepay):
    return get_provider("momo")


@pytest.fixture
def paystack_webhooks(fakepay, webhook_sink):
    """Send the fake's Paystack webhooks to `webhook_sink`; returns the sink."""
    fakepay.configure(webhook_url=webhook_sink.url)
    return webhook_sink
