"""Fixtures for the fake provider's own tests."""

from tests.support import fakepay as fakepay_support

# Re-exported so pytest finds the shared fixtures in this folder.
fakepay_server = fakepay_support.fakepay_server
fakepay = fakepay_support.fakepay
webhook_sink = fakepay_support.webhook_sink
