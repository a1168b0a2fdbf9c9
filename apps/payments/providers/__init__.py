"""Payment provider adapters behind one contract (see base.py), and the registry that builds them.

    from apps.payments.providers import get_provider
    provider = get_provider()            # settings.KELMAH_PAYMENT_PROVIDER
    provider = get_provider("momo")      # a named adapter, for example for its webhooks

Adapters are built from settings on every call, which is cheap, so a settings change
(for example in a test) takes effect at once. Process-wide state, such as MoMo's
access tokens, lives in module-level caches that outlive the adapter objects.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.payments.providers.base import PaymentProvider
from apps.payments.providers.momo import MomoConfig, MomoProduct, MomoProvider
from apps.payments.providers.paystack import PaystackConfig, PaystackProvider
from apps.payments.providers.signatures import parse_secrets

PROVIDER_NAMES = ("paystack", "momo")


def get_provider(name: str | None = None) -> PaymentProvider:
    """Return the adapter called `name`, or the configured default; ImproperlyConfigured if unknown."""
    name = name or settings.KELMAH_PAYMENT_PROVIDER
    if name == "paystack":
        return PaystackProvider(paystack_config())
    if name == "momo":
        return MomoProvider(momo_config())
    raise ImproperlyConfigured(f"Unknown payment provider {name!r}; use one of {', '.join(PROVIDER_NAMES)}.")


def paystack_config() -> PaystackConfig:
    values = settings.KELMAH_PAYSTACK
    try:
        secrets = parse_secrets(values["SECRET_KEY"], values.get("WEBHOOK_SECRETS", ()))
    except ValueError as error:
        raise ImproperlyConfigured(f"KELMAH_PAYSTACK WEBHOOK_SECRETS: {error}") from None
    return PaystackConfig(
        base_url=values["BASE_URL"],
        secret_key=values["SECRET_KEY"],
        webhook_secrets=tuple(secrets),
        webhook_tolerance_seconds=int(values.get("WEBHOOK_TOLERANCE_SECONDS", 300)),
    )


def momo_config() -> MomoConfig:
    values = settings.KELMAH_MOMO
    return MomoConfig(
        base_url=values["BASE_URL"],
        target_environment=values["TARGET_ENVIRONMENT"],
        currency=values["CURRENCY"],
        collection=MomoProduct(
            subscription_key=values["COLLECTION_SUBSCRIPTION_KEY"],
            api_user=values["COLLECTION_API_USER"],
            api_key=values["COLLECTION_API_KEY"],
        ),
        disbursement=MomoProduct(
            subscription_key=values["DISBURSEMENT_SUBSCRIPTION_KEY"],
            api_user=values["DISBURSEMENT_API_USER"],
            api_key=values["DISBURSEMENT_API_KEY"],
        ),
        callback_url=values.get("CALLBACK_URL", ""),
    )
