"""Production: PostgreSQL, Redis for cache, broker and channel layer, real providers.

Every value that differs per deployment is read from the environment and must be set;
a missing or malformed one stops the process at start-up.
"""

from django.core.exceptions import ImproperlyConfigured

from kelmah.settings.base import *  # noqa: F403
from kelmah.settings.env import env_bool, env_database, env_int, env_list, env_str

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

DATABASES = {"default": env_database("DATABASE_URL")}
# Seconds a database connection is reused; a fresh PostgreSQL connection costs about 11 ms.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = env_str("REDIS_URL")

# Every cache call goes through the "redis" breaker: during an outage reads act as misses
# and cost nothing once the breaker trips. Timeouts: see RESILIENCE_REDIS_CACHE_OPTIONS.
CACHES = {
    "default": {
        "BACKEND": "apps.resilience.cache_backends.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": dict(RESILIENCE_REDIS_CACHE_OPTIONS),
    },
}
RESILIENCE_BREAKER_STORE = env_str("KELMAH_BREAKER_STORE", REDIS_URL)

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
# Redis redelivers an unacknowledged message after the visibility timeout. It must exceed
# the longest countdown (outbox countdowns and retry delays) plus the task time limit, or
# a delayed task runs twice; the resilience system check enforces it at start-up.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(RESILIENCE_OUTBOX_MAX_COUNTDOWN, RESILIENCE_TASK_BACKOFF_CAP)
    + CELERY_TASK_TIME_LIMIT
    + 600,
    "socket_connect_timeout": 2.0,
    "socket_timeout": 5.0,
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL]},
    },
}

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before an SMTP connection attempt or read gives up.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0, minimum=0)

# Payment providers: the selected provider's credentials are required, with no fallback
# to the local fake provider or its test secrets.
KELMAH_PAYMENT_PROVIDER = env_str("KELMAH_PAYMENT_PROVIDER")
if KELMAH_PAYMENT_PROVIDER == "paystack":
    KELMAH_PAYSTACK = {
        **KELMAH_PAYSTACK,
        "BASE_URL": env_str("KELMAH_PAYSTACK_BASE_URL", "https://api.paystack.co"),
        "SECRET_KEY": env_str("KELMAH_PAYSTACK_SECRET_KEY"),
    }
elif KELMAH_PAYMENT_PROVIDER == "momo":
    KELMAH_MOMO = {
        **KELMAH_MOMO,
        "BASE_URL": env_str("KELMAH_MOMO_BASE_URL", "https://proxy.momoapi.mtn.com"),
        "TARGET_ENVIRONMENT": env_str("KELMAH_MOMO_TARGET_ENVIRONMENT"),
        "COLLECTION_SUBSCRIPTION_KEY": env_str("KELMAH_MOMO_COLLECTION_SUBSCRIPTION_KEY"),
        "COLLECTION_API_USER": env_str("KELMAH_MOMO_COLLECTION_API_USER"),
        "COLLECTION_API_KEY": env_str("KELMAH_MOMO_COLLECTION_API_KEY"),
        "DISBURSEMENT_SUBSCRIPTION_KEY": env_str("KELMAH_MOMO_DISBURSEMENT_SUBSCRIPTION_KEY"),
        "DISBURSEMENT_API_USER": env_str("KELMAH_MOMO_DISBURSEMENT_API_USER"),
        "DISBURSEMENT_API_KEY": env_str("KELMAH_MOMO_DISBURSEMENT_API_KEY"),
        "CALLBACK_URL": env_str("KELMAH_MOMO_CALLBACK_URL"),
    }
else:
    raise ImproperlyConfigured(f"KELMAH_PAYMENT_PROVIDER={KELMAH_PAYMENT_PROVIDER!r} is not 'paystack' or 'momo'.")

# Fault injection (apps.modules.faults) is refused in production unless explicitly allowed,
# for example on a staging deployment used for failure drills.
KELMAH_ALLOW_FAULT_INJECTION = env_bool("KELMAH_ALLOW_FAULT_INJECTION", False)

# SMS for notifications: the HTTP gateway (a Hubtel-style JSON API with basic auth) unless
# another gateway class is named; see docs/messaging.md.
KELMAH_SMS_BACKEND = env_str("KELMAH_SMS_BACKEND", "apps.notifications.sms.HttpSmsGateway")
KELMAH_SMS_API_URL = env_str("KELMAH_SMS_API_URL", "")
KELMAH_SMS_CLIENT_ID = env_str("KELMAH_SMS_CLIENT_ID", "")
KELMAH_SMS_CLIENT_SECRET = env_str("KELMAH_SMS_CLIENT_SECRET", "")
KELMAH_SMS_SENDER = env_str("KELMAH_SMS_SENDER", "Kelmah")
# Public origin of the site (https://kelmah.example), so SMS and email can carry full links.
KELMAH_SITE_URL = env_str("KELMAH_SITE_URL")
