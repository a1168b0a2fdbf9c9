"""Settings shared by every environment.

Environment-specific modules (embedded, production, test) import everything from here
and override only what differs. Values that vary per deployment come from the
environment through the helpers in kelmah.settings.env.
"""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from kelmah.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("KELMAH_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "embedded-insecure-key-change-me-in-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

DJANGO_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
]
# Order matters only for template overrides; domain apps never import each other's models
# directly from templates.
KELMAH_APPS = [
    "apps.common",
    "apps.modules",
    "apps.resilience",
    "apps.monitoring",
    "apps.accounts",
    "apps.workers",
    "apps.hirers",
    "apps.jobs",
    "apps.contracts",
    "apps.payments",
    "apps.messaging",
    "apps.notifications",
    "apps.dashboard",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + KELMAH_APPS

MIDDLEWARE = [
    # First, so /health/ responds before sessions, auth or the module layer touch the database.
    "apps.monitoring.middleware.HealthEndpointMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.common.middleware.RequestIdMiddleware",
    "apps.common.middleware.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Innermost, so it gets the authenticated user and wraps only the view's work.
    "apps.resilience.idempotency.IdempotencyMiddleware",
    # Last, so its process_exception receives a view's error first and routes it to the
    # module that owns the view (degraded page or problem+json, 503).
    "apps.modules.middleware.ModuleMiddleware",
]

ROOT_URLCONF = "kelmah.urls"
WSGI_APPLICATION = "kelmah.wsgi.application"
ASGI_APPLICATION = "kelmah.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.common.context_processors.site",
            ],
        },
    },
]

# Databases are set per environment. Persistent connections matter: a PostgreSQL page went
# from about 136 to 471 requests/s with CONN_MAX_AGE on a 2-core machine.
DATABASES: dict = {}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "apps.accounts.backends.EmailOrPhoneBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "home"

# Sessions live in the database so that a cache (Redis) outage never logs anyone out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Africa/Accra"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("KELMAH_MEDIA_ROOT", str(VAR_DIR / "media")))
# Portfolio and attachment uploads above this size are rejected before they reach disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

DEFAULT_FROM_EMAIL = env_str("KELMAH_FROM_EMAIL", "Kelmah <no-reply@kelmah.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "apps.common.api.pagination.CappedPageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.common.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
}
# Largest page an API client may request; bigger page_size values are clamped to this.
API_MAX_PAGE_SIZE = 100

SPECTACULAR_SETTINGS = {
    "TITLE": "Kelmah API",
    "DESCRIPTION": "Jobs marketplace for Ghana's vocational workers and the people who hire them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Serve Swagger UI's files from this site: the default CDN is unreachable offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Lockout: count failures per account, whatever address the attempts claim to come from,
# so a forged X-Forwarded-For cannot reset the counter.
AXES_FAILURE_LIMIT = env_int("KELMAH_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours a locked account stays locked
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "apps.accounts.backends.axes_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_LOCKOUT_CALLABLE = "apps.accounts.views.locked_out"
AXES_VERBOSE = False

# Platform commission on each released milestone, in basis points (1000 = 10%).
KELMAH_PLATFORM_FEE_BPS = env_int("KELMAH_PLATFORM_FEE_BPS", 1000, minimum=0)
# Days a delivered milestone waits for the hirer's decision before it is approved for them.
KELMAH_AUTO_APPROVE_DAYS = env_int("KELMAH_AUTO_APPROVE_DAYS", 7, minimum=1)

# Access to /metrics: a bearer token, or client addresses and networks (REMOTE_ADDR).
# Other monitoring settings and their defaults are in apps/monitoring/conf.py.
KELMAH_METRICS_TOKEN = env_str("KELMAH_METRICS_TOKEN", "")
KELMAH_METRICS_ALLOWED_IPS = env_list("KELMAH_METRICS_ALLOWED_IPS", [])

# Payment providers (apps.payments.providers). Every default points at the local fake
# provider (python -m fakepay.server, started by bin/run) and its test credentials;
# production.py requires the real values from the environment instead.
KELMAH_FAKEPAY_URL = env_str("KELMAH_FAKEPAY_URL", "http://127.0.0.1:8765")
KELMAH_PAYMENT_PROVIDER = env_str("KELMAH_PAYMENT_PROVIDER", "paystack")
KELMAH_PAYSTACK = {
    "BASE_URL": env_str("KELMAH_PAYSTACK_BASE_URL", KELMAH_FAKEPAY_URL),
    "SECRET_KEY": env_str("KELMAH_PAYSTACK_SECRET_KEY", "sk_test_kelmah_fakepay"),
    # Extra webhook signing secrets as "key_id:secret", for the timestamped signature form
    # and for rotating a secret without rejecting deliveries signed with the old one.
    "WEBHOOK_SECRETS": env_list("KELMAH_PAYSTACK_WEBHOOK_SECRETS", []),
    # Seconds a timestamped webhook signature stays valid; older ones are replays.
    "WEBHOOK_TOLERANCE_SECONDS": env_int("KELMAH_PAYSTACK_WEBHOOK_TOLERANCE_SECONDS", 300, minimum=1),
}
KELMAH_MOMO = {
    "BASE_URL": env_str("KELMAH_MOMO_BASE_URL", KELMAH_FAKEPAY_URL),
    "TARGET_ENVIRONMENT": env_str("KELMAH_MOMO_TARGET_ENVIRONMENT", "sandbox"),
    "CURRENCY": env_str("KELMAH_MOMO_CURRENCY", "GHS"),
    "COLLECTION_SUBSCRIPTION_KEY": env_str("KELMAH_MOMO_COLLECTION_SUBSCRIPTION_KEY", "fakepay-collection-key"),
    "COLLECTION_API_USER": env_str("KELMAH_MOMO_COLLECTION_API_USER", "4b1d7f2e-9c3a-4e5b-8f6d-1a2b3c4d5e6f"),
    "COLLECTION_API_KEY": env_str("KELMAH_MOMO_COLLECTION_API_KEY", "fakepay-collection-api-key"),
    "DISBURSEMENT_SUBSCRIPTION_KEY": env_str("KELMAH_MOMO_DISBURSEMENT_SUBSCRIPTION_KEY", "fakepay-disbursement-key"),
    "DISBURSEMENT_API_USER": env_str("KELMAH_MOMO_DISBURSEMENT_API_USER", "7e6d5c4b-3a2f-4e1d-9c8b-7a6f5e4d3c2b"),
    "DISBURSEMENT_API_KEY": env_str("KELMAH_MOMO_DISBURSEMENT_API_KEY", "fakepay-disbursement-api-key"),
    # MoMo posts its single callback here; it is confirmed by a status query before use.
    "CALLBACK_URL": env_str("KELMAH_MOMO_CALLBACK_URL", "http://127.0.0.1:8000/payments/webhooks/momo/"),
}
# Timeouts, retries and breakers for provider calls are RESILIENCE_OUTBOUND and
# RESILIENCE_BREAKERS entries "provider:paystack" and "provider:momo" below.

# ---- Resilience: breakers, cache, outbound calls, outbox, idempotency -----------------
# Each value states what it bounds and why. docs/fault-tolerance.md explains more.

# Shared breaker store: redis://..., sqlite:///path (every local process opens the
# file) or memory:// (one process only). Production sets it to REDIS_URL.
RESILIENCE_BREAKER_STORE = env_str("KELMAH_BREAKER_STORE", f"sqlite:///{VAR_DIR / 'breakers.sqlite3'}")
# Seconds one store round trip may take; far above a healthy Redis or SQLite call (<1 ms),
# short enough that a hung Redis costs a quarter second, once per retry period.
RESILIENCE_BREAKER_STORE_TIMEOUT = 0.25
# Seconds a process keeps its own breaker state after the store failed before trying it again.
RESILIENCE_BREAKER_STORE_RETRY_SECONDS = 5.0
RESILIENCE_BREAKER_DEFAULTS = {
    # Trip after this many failures in a row in one process: quick for a dead dependency.
    "consecutive_failures": 5,
    # Or when half the calls in the window failed, across all processes...
    "failure_rate": 0.5,
    # ...or 80% were slower than slow_call_seconds (a dependency that is dying slowly).
    "slow_call_rate": 0.8,
    "slow_call_seconds": 2.0,
    # Rates are measured over 30 s, and only once 10 calls were seen, so two unlucky
    # calls on a quiet night cannot trip a breaker.
    "window_seconds": 30,
    "minimum_calls": 10,
    # First open period, doubled on every failed probe up to the cap, and shortened by up
    # to 20% at random so processes and breakers do not probe in lockstep.
    "open_seconds": 5.0,
    "max_open_seconds": 300.0,
    "open_jitter": 0.2,
    # Probes let through in half-open across all processes; the rest fail fast.
    "half_open_probes": 1,
    # A probe that never reports back (its process died) frees its slot after this long.
    "probe_timeout_seconds": 30.0,
    # Seconds between reads of the shared state; the bound on how late a process learns of a trip.
    "refresh_interval": 1.0,
}
RESILIENCE_BREAKERS = {
    # Redis responds in well under a millisecond, so three failures in a row are an outage:
    # with a hung Redis that costs 3 x SOCKET_TIMEOUT (0.75 s) before calls stop.
    "redis": {"consecutive_failures": 3, "slow_call_seconds": 0.1, "open_seconds": 2.0, "max_open_seconds": 30.0},
    "broker": {"open_seconds": 5.0, "max_open_seconds": 60.0},
    # Mobile money charges can take several seconds to answer.
    "provider:paystack": {"slow_call_seconds": 8.0},
    "provider:momo": {"slow_call_seconds": 8.0},
    "sms": {},
    "email": {},
    # One per module for fragments ("module:jobs"): module code failing is rarely fixed
    # by waiting long, so the cap is short.
    "module:*": {"open_seconds": 10.0, "max_open_seconds": 120.0},
}

# Outbound HTTP policy per dependency (apps.resilience.policy). Connect 3.05 s is just
# over one TCP retransmit (3 s); deadlines bound the whole call including retries.
RESILIENCE_OUTBOUND_DEFAULTS = {
    "connect_timeout": 3.05,
    "read_timeout": 10.0,
    "deadline": 20.0,
    "max_retries": 2,
    "backoff_base": 0.2,
    "backoff_cap": 5.0,
}
RESILIENCE_OUTBOUND = {
    # A charge may take 15 s to answer; the deadline leaves room for one retry.
    "provider:paystack": {"read_timeout": 15.0, "deadline": 35.0},
    "provider:momo": {"read_timeout": 15.0, "deadline": 35.0},
    "sms": {"read_timeout": 10.0, "deadline": 20.0},
    "email": {"read_timeout": 10.0, "deadline": 20.0},
}

# Resilient cache (apps.resilience.cache). The shared tier is this cache alias.
RESILIENCE_CACHE_ALIAS = "default"
# Seconds a rebuild lock lives: longer than any build should take, short enough that a
# crashed builder blocks nobody for long.
RESILIENCE_CACHE_LOCK_SECONDS = 10
# Seconds a caller with nothing to serve waits for another process's build before building too.
RESILIENCE_CACHE_WAIT_SECONDS = 2.0
# Fresh periods are shortened by up to 10% at random so keys built together expire apart.
RESILIENCE_CACHE_JITTER = 0.1
# redis-py waits 5 s by default on a hung server, again on every call: both timeouts are
# set. A quarter second is a thousand times a healthy round trip (~0.2 ms) and keeps the
# cost of detecting a hung Redis (three timeouts) under a second.
RESILIENCE_REDIS_CACHE_OPTIONS = {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25}

# Outbox and durable tasks (apps.resilience.outbox, apps.resilience.durable).
# Longest countdown a task may be queued with; the broker's visibility timeout must exceed
# it plus the task time limit, or Redis redelivers the task while it waits.
RESILIENCE_OUTBOX_MAX_COUNTDOWN = 3600
# Seconds a relay's claim on a row lasts; a relay that crashed mid-publish frees it then.
RESILIENCE_OUTBOX_CLAIM_SECONDS = 60
# Backoff between publish attempts while the broker is down.
RESILIENCE_OUTBOX_RELAY_BACKOFF_BASE = 2.0
RESILIENCE_OUTBOX_RELAY_BACKOFF_CAP = 60.0
# Rows published this long ago whose task never finished are published again.
RESILIENCE_OUTBOX_REDELIVER_AFTER = 6 * 3600
# Completed outbox rows and completion records are kept this many days for audit.
RESILIENCE_OUTBOX_KEEP_DAYS = 14
# Task retries: 8 tries with full jitter between 2 s and 10 min spread load over about
# half an hour of provider trouble, then the work goes to the dead-letter list.
RESILIENCE_TASK_MAX_RETRIES = 8
RESILIENCE_TASK_BACKOFF_BASE = 2.0
RESILIENCE_TASK_BACKOFF_CAP = 600.0

# Idempotency keys are kept this many seconds (at least a day, so an offline phone's
# replay the next morning still matches).
RESILIENCE_IDEMPOTENCY_TTL = 48 * 3600
# Seconds a repeat waits for the first request with its key to finish before 409.
RESILIENCE_IDEMPOTENCY_WAIT = 3.0

# Celery. Durable tasks ack late and go back to the queue if their worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Seconds before a task is killed (hard) or warned (soft); no task should run this long.
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 280
# One message at a time per worker process, so a long task does not hold others hostage.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Seconds to wait for the broker when publishing; the outbox keeps the work if it is down.
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
CELERY_BEAT_SCHEDULE = {
    # Publish outbox rows that the after-commit relay could not (broker down, crash).
    "resilience-relay-outbox": {"task": "resilience.relay_outbox", "schedule": 10.0},
    "resilience-purge-idempotency-keys": {"task": "resilience.purge_idempotency_keys", "schedule": 3600.0},
    "resilience-purge-outbox": {"task": "resilience.purge_outbox", "schedule": 24 * 3600.0},
    # Payments: poll pending collections and payouts (each row has its own backoff), and
    # reconcile the ledger with the providers once a day; contracts: auto-approve deliveries.
    "payments-collections-poll": {"task": "payments.collections_poll", "schedule": 15.0},
    "payments-payouts-poll": {"task": "payments.payouts_poll", "schedule": 60.0},
    "payments-reconcile": {"task": "payments.reconcile", "schedule": 24 * 3600.0},
    "contracts-auto-approve": {"task": "contracts.auto_approve_delivered", "schedule": 3600.0},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "apps.common.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env_str("KELMAH_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# axes.W006 warns that locking by username alone lets attackers rotate addresses. That is
# the point here: the account locks whatever address or X-Forwarded-For the attempts claim.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
