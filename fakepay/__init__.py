"""fakepay: a local stand-in for Paystack and MTN MoMo, for development and tests.

It speaks the subset of both APIs that Kelmah's adapters use, keeps every object in
memory, answers only on loopback, and decides each payment's fate by the payer's phone
number (see scenarios.py). Run it with `python -m fakepay.server`; drive it from tests
through the admin endpoints under /__admin__/.

It imports nothing from Django, so it runs without the project's settings.
"""

# Defaults shared with kelmah.settings.base, so the site and the fake agree out of the box.
DEFAULT_PORT = 8765
DEFAULT_PAYSTACK_SECRET_KEY = "sk_test_kelmah_fakepay"
DEFAULT_WEBHOOK_URL = "http://127.0.0.1:8000/payments/webhooks/paystack/"
DEFAULT_MOMO_TARGET_ENVIRONMENT = "sandbox"
DEFAULT_MOMO_CURRENCY = "GHS"
DEFAULT_MOMO_PRODUCTS = {
    "collection": {
        "subscription_key": "fakepay-collection-key",
        "api_user": "4b1d7f2e-9c3a-4e5b-8f6d-1a2b3c4d5e6f",
        "api_key": "fakepay-collection-api-key",
    },
    "disbursement": {
        "subscription_key": "fakepay-disbursement-key",
        "api_user": "7e6d5c4b-3a2f-4e1d-9c8b-7a6f5e4d3c2b",
        "api_key": "fakepay-disbursement-api-key",
    },
}
