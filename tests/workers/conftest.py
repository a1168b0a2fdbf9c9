import pytest


@pytest.fixture(autouse=True)
def fresh_directory_cache_and_breakers():
    """Start each test with empty cache tiers and closed module breakers.

    Cached directory pages outlive a test's rows, and a test that injects faults trips the
    workers module's breaker, which would turn the next test's pages into 503s.
    """
    from django.core.cache import caches

    from apps.modules.breaker import reset_breakers
    from apps.resilience.cache import clear_local

    clear_local()
    caches["default"].clear()
    reset_breakers(["workers"])
    yield
    clear_local()
    reset_breakers(["workers"])
