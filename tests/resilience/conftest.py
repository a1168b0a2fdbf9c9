"""Each resilience test gets its own breaker store file, so no test sees another's trips."""

import pytest
from django.test import override_settings

from tests.support.faults import fresh_breakers


@pytest.fixture(autouse=True)
def isolated_breakers(tmp_path):
    with override_settings(RESILIENCE_BREAKER_STORE=f"sqlite:///{tmp_path / 'breakers.sqlite3'}"):
        fresh_breakers()
        yield
    fresh_breakers()


@pytest.fixture
def redis_db():
    """The real Redis at settings.REDIS_URL, with this suite's keys removed before and after."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()
