"""The adapter registry and the provider settings, including production's required values."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import fakepay
from apps.payments.providers import get_provider
from apps.payments.providers.momo import MomoProvider
from apps.payments.providers.paystack import PaystackProvider
from kelmah.settings import base

ROOT = Path(__file__).resolve().parents[3]


def test_default_provider_is_paystack(settings):
    settings.KELMAH_PAYMENT_PROVIDER = "paystack"
    assert isinstance(get_provider(), PaystackProvider)


def test_named_provider_overrides_default(settings):
    settings.KELMAH_PAYMENT_PROVIDER = "paystack"
    assert isinstance(get_provider("momo"), MomoProvider)


def test_unknown_provider_fails_loudly(settings):
    settings.KELMAH_PAYMENT_PROVIDER = "hubtel"
    with pytest.raises(ImproperlyConfigured):
        get_provider()


def test_malformed_webhook_secret_fails_loudly(settings):
    settings.KELMAH_PAYSTACK = {**settings.KELMAH_PAYSTACK, "WEBHOOK_SECRETS": ["missing-colon"]}
    with pytest.raises(ImproperlyConfigured):
        get_provider("paystack")


def test_settings_defaults_match_the_fake_provider():
    assert base.KELMAH_FAKEPAY_URL == f"http://127.0.0.1:{fakepay.DEFAULT_PORT}"
    assert base.KELMAH_PAYSTACK["SECRET_KEY"] == fakepay.DEFAULT_PAYSTACK_SECRET_KEY
    assert base.KELMAH_MOMO["TARGET_ENVIRONMENT"] == fakepay.DEFAULT_MOMO_TARGET_ENVIRONMENT
    assert base.KELMAH_MOMO["CURRENCY"] == fakepay.DEFAULT_MOMO_CURRENCY
    for product in ("collection", "disbursement"):
        expected = fakepay.DEFAULT_MOMO_PRODUCTS[product]
        prefix = product.upper()
        assert base.KELMAH_MOMO[f"{prefix}_SUBSCRIPTION_KEY"] == expected["subscription_key"]
        assert base.KELMAH_MOMO[f"{prefix}_API_USER"] == expected["api_user"]
        assert base.KELMAH_MOMO[f"{prefix}_API_KEY"] == expected["api_key"]


def load_production(**payment_env) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KELMAH_PAYMENT", "KELMAH_PAYSTACK", "KELMAH_MOMO"))
    }
    env.update(
        DJANGO_SECRET_KEY="production-test-key",
        DJANGO_ALLOWED_HOSTS="kelmah.example",
        DATABASE_URL="postgres://kelmah@127.0.0.1:5432/kelmah",
        REDIS_URL="redis://127.0.0.1:6379/0",
        KELMAH_SITE_URL="https://kelmah.example",
        KELMAH_SMS_BACKEND="apps.notifications.sms.ConsoleSmsGateway",
        **payment_env,
    )
    code = "import kelmah.settings.production as s; print(s.KELMAH_PAYSTACK['BASE_URL'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    missing = re.search(r"Environment variable (\w+) is required", result.stderr)
    if missing and not missing.group(1).startswith(("KELMAH_PAYMENT", "KELMAH_PAYSTACK", "KELMAH_MOMO")):
        pytest.fail(f"production settings now also require {missing.group(1)}; add it to load_production()")
    return result


def test_production_requires_a_provider():
    result = load_production()

    assert result.returncode != 0
    assert "KELMAH_PAYMENT_PROVIDER" in result.stderr


def test_production_requires_the_paystack_secret():
    result = load_production(KELMAH_PAYMENT_PROVIDER="paystack")

    assert result.returncode != 0
    assert "KELMAH_PAYSTACK_SECRET_KEY" in result.stderr


def test_production_uses_real_paystack_when_configured():
    result = load_production(KELMAH_PAYMENT_PROVIDER="paystack", KELMAH_PAYSTACK_SECRET_KEY="sk_live_x")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://api.paystack.co"


def test_production_requires_momo_credentials():
    result = load_production(KELMAH_PAYMENT_PROVIDER="momo", KELMAH_MOMO_TARGET_ENVIRONMENT="mtnghana")

    assert result.returncode != 0
    assert "KELMAH_MOMO_COLLECTION_SUBSCRIPTION_KEY" in result.stderr
