import pytest
from django.core.cache import caches

from apps.modules import faults, maintenance
from apps.modules.breaker import reset_breakers
from apps.resilience.cache import clear_local


@pytest.fixture(autouse=True)
def clean_fault_state(settings):
    """Start each test with closed breakers and no cached fault or maintenance rules."""
    settings.KELMAH_ALLOW_FAULT_INJECTION = True
    # Cached dashboard figures are keyed by user id, and SQLite reuses ids after a rollback.
    clear_local()
    caches["default"].clear()
    reset_breakers()
    faults.reset_cache()
    maintenance.reset_cache()
    yield
    reset_breakers()
    faults.reset_cache()
    maintenance.reset_cache()
