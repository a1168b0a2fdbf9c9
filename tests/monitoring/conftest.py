"""Fixtures for monitoring tests: a private metrics store, fresh health results, a dead database."""

import contextlib

import pytest
from django.db import connections

from apps.monitoring.health import runner
from apps.monitoring.metrics import recorder
from tests.support.faults import closed_port


@pytest.fixture(autouse=True, scope="session")
def celery_app_configured():
    """Read the Celery app's configuration before any test overrides the broker setting.

    Celery reads Django settings once, on first use. A test that changed CELERY_BROKER_URL
    before that would leave the app pointing at its fake broker for the rest of the run.
    """
    from kelmah.celery import app

    assert app.conf.broker_url is not None


@pytest.fixture(autouse=True)
def fresh_monitoring(settings, tmp_path):
    """Give each test its own SQLite metrics store, an empty buffer and no cached health results."""
    settings.KELMAH_METRICS_STORE = "sqlite"
    settings.KELMAH_METRICS_SQLITE_PATH = tmp_path / "metrics.sqlite3"
    settings.KELMAH_ALLOW_FAULT_INJECTION = True
    # A loaded CI machine can take over a second to start a check thread and import a
    # broker transport; two seconds still leave the endpoints inside their 3-second budget.
    settings.KELMAH_HEALTH_CHECK_TIMEOUT = 2.0
    recorder.discard()
    runner.forget_all()
    _reset_module_layer()
    yield
    recorder.discard()
    runner.forget_all()
    _reset_module_layer()


def _reset_module_layer():
    from apps.modules import breaker, faults, maintenance

    maintenance.reset_cache()
    faults.reset_cache()
    breaker.reset_breakers()


@contextlib.contextmanager
def unreachable_database():
    """Point the default database at a closed port (PostgreSQL) or an unopenable path (SQLite).

    Every connection made while the block runs, on any thread, fails; ATOMIC_REQUESTS is
    on, as in the production settings of many deployments. Everything is restored after.
    """
    settings_dict = connections["default"].settings_dict
    saved = dict(settings_dict)
    connections.close_all()
    if settings_dict["ENGINE"].endswith("sqlite3"):
        settings_dict["NAME"] = "/nonexistent-kelmah-dir/database.sqlite3"
    else:
        settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(closed_port())
        settings_dict.setdefault("OPTIONS", {})
        settings_dict["OPTIONS"] = {**settings_dict["OPTIONS"], "connect_timeout": 1}
    settings_dict["ATOMIC_REQUESTS"] = True
    try:
        yield
    finally:
        connections.close_all()
        settings_dict.clear()
        settings_dict.update(saved)


def health_checks(response) -> dict:
    """Return {check key: its one entry} from a health+json response."""
    return {key: entries[0] for key, entries in response.json()["checks"].items()}
