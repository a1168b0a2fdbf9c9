"""The embedded default: the whole site on one machine with no servers to install.

SQLite, an in-process cache, a filesystem message broker, the in-memory channel layer
and the local fake payment provider. Production differences live in production.py.
"""

from kelmah.settings.base import *  # noqa: F403
from kelmah.settings.base import BASE_DIR, VAR_DIR
from kelmah.settings.env import env_bool, env_database, env_str

DEBUG = env_bool("DJANGO_DEBUG", True)
# Origin used for absolute links in emails and SMS.
KELMAH_SITE_URL = env_str("KELMAH_SITE_URL", "http://127.0.0.1:8000")

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kelmah.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the background worker read while the other writes;
    # the busy timeout makes a writer wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# A file cache under var/ is the shared tier every local process sees (the web server and
# the worker), so a cache invalidation made by one reaches the other. The resilient cache
# keeps hot reads in process memory in front of it.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# A broker that needs no server: kombu's filesystem transport, shared by the web process
# and the worker through a folder under var/.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(BROKER_DIR / "queue"),
    "data_folder_out": str(BROKER_DIR / "queue"),
    "processed_folder": str(BROKER_DIR / "processed"),
    # Exchange tables; kombu's default is a "control" folder in the working directory.
    "control_folder": str(BROKER_DIR / "control"),
    "store_processed": False,
}

CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve files straight from static/ without collectstatic on the embedded default.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Operators and tests may inject faults on the embedded default (see apps.modules.faults).
KELMAH_ALLOW_FAULT_INJECTION = env_bool("KELMAH_ALLOW_FAULT_INJECTION", True)
