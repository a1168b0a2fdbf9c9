"""Notification settings with their defaults; any of them can be overridden in Django settings."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS = {
    # Seconds during which further events of one group send no new SMS (a busy
    # conversation texts once per half hour, not once per message).
    "NOTIFICATIONS_SMS_GROUP_WINDOW": 30 * 60,
    # The same for email.
    "NOTIFICATIONS_EMAIL_GROUP_WINDOW": 30 * 60,
    # Attempts per SMS or email before it is marked failed for an operator to look at.
    "NOTIFICATIONS_DELIVERY_MAX_ATTEMPTS": 8,
    # Retry delays grow from the base and are capped (the cap must not pass the outbox's
    # RESILIENCE_OUTBOX_MAX_COUNTDOWN): 8 attempts span about two hours.
    "NOTIFICATIONS_RETRY_BASE_SECONDS": 30,
    "NOTIFICATIONS_RETRY_MAX_SECONDS": 3600,
    # Seconds after which a delivery stuck in "sending" (its worker died) may be claimed again.
    "NOTIFICATIONS_CLAIM_TIMEOUT": 300,
    # Public origin of the site (https://kelmah.example); links in SMS and email are relative
    # (and left out of SMS) while it is empty.
    "KELMAH_SITE_URL": "",
    # Dotted path of the SMS gateway class; the console gateway only logs.
    "KELMAH_SMS_BACKEND": "apps.notifications.sms.ConsoleSmsGateway",
    # HTTP gateway (Hubtel-style JSON API) settings, used when KELMAH_SMS_BACKEND is the HTTP one.
    "KELMAH_SMS_API_URL": "",
    "KELMAH_SMS_CLIENT_ID": "",
    "KELMAH_SMS_CLIENT_SECRET": "",
    "KELMAH_SMS_SENDER": "Kelmah",
}

_POSITIVE = (
    "NOTIFICATIONS_SMS_GROUP_WINDOW",
    "NOTIFICATIONS_EMAIL_GROUP_WINDOW",
    "NOTIFICATIONS_DELIVERY_MAX_ATTEMPTS",
    "NOTIFICATIONS_RETRY_BASE_SECONDS",
    "NOTIFICATIONS_RETRY_MAX_SECONDS",
    "NOTIFICATIONS_CLAIM_TIMEOUT",
)


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])


def check() -> None:
    """Raise ImproperlyConfigured for a value that cannot work, so a bad deploy stops at start-up."""
    for name in _POSITIVE:
        value = get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ImproperlyConfigured(f"{name} must be a positive number, not {value!r}.")
    if get("NOTIFICATIONS_RETRY_MAX_SECONDS") < get("NOTIFICATIONS_RETRY_BASE_SECONDS"):
        raise ImproperlyConfigured(
            "NOTIFICATIONS_RETRY_MAX_SECONDS must not be below NOTIFICATIONS_RETRY_BASE_SECONDS."
        )
    if get("KELMAH_SMS_BACKEND").endswith("HttpSmsGateway") and not get("KELMAH_SMS_API_URL"):
        raise ImproperlyConfigured("KELMAH_SMS_API_URL must be set when KELMAH_SMS_BACKEND is the HTTP gateway.")
