import pytest

from apps.modules import faults, maintenance
from apps.modules.breaker import reset_breakers


@pytest.fixture(autouse=True)
def clean_fault_state(settings):
    """Start each test with closed breakers and no cached fault or maintenance rules."""
    settings.KELMAH_ALLOW_FAULT_INJECTION = True
    reset_breakers()
    faults.reset_cache()
    maintenance.reset_cache()
    yield
    reset_breakers()
    faults.reset_cache()
    maintenance.reset_cache()
