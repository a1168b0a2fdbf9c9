"""Settings for the test suite.

The database is SQLite unless DATABASE_URL points elsewhere; the README's test command
runs the suite on both. Tests that need Redis read REDIS_URL (default: the local server).
"""

import os
from pathlib import Path

from kelmah.settings.embedded import *  # noqa: F403
from kelmah.settings.embedded import VAR_DIR
from kelmah.settings.env import env_database, env_str

DEBUG = False
# Per-process test files live under var/, which a fresh clone does not have yet.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env_database("DATABASE_URL", "sqlite:///:memory:")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One file per test process, so several suites can run side by side on one checkout.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-kelmah-{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/15")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = False
MEDIA_ROOT = VAR_DIR / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tests get a private in-process cache and breaker store per test process, so parallel
# runs on one checkout cannot trip each other's breakers. Redis tests switch both to
# settings.REDIS_URL through tests.support.faults.redis_settings().
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kelmah-test"}}
RESILIENCE_BREAKER_STORE = f"sqlite:///{VAR_DIR / f'test-breakers-{os.getpid()}.sqlite3'}"
# Tasks published by tests stay in this process unless a test points Celery at a real
# broker (tests/resilience does, with a worker process).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "memory://")

# Metrics and the broker folders are per test process too. Otherwise tests write into the
# running site's metrics and incidents, which show on its /ops/ page and alert staff.
KELMAH_METRICS_SQLITE_PATH = VAR_DIR / f"test-metrics-{os.getpid()}.sqlite3"
# A worker process started by a test is told the folder of the test that publishes to it.
BROKER_DIR = Path(env_str("KELMAH_TEST_BROKER_DIR", str(VAR_DIR / f"test-broker-{os.getpid()}")))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(BROKER_DIR / "queue"),
    "data_folder_out": str(BROKER_DIR / "queue"),
    "processed_folder": str(BROKER_DIR / "processed"),
    "control_folder": str(BROKER_DIR / "control"),
    "store_processed": False,
}
