"""Every resilient-cache read is counted in the monitoring metrics: hit, stale or miss."""

import time

import pytest
from django.core.cache import cache

from apps.monitoring import metrics, selectors
from apps.monitoring.metrics import recorder
from apps.resilience import cache as rcache
from apps.resilience.cache import Unavailable, get_or_build

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_metrics(settings, tmp_path):
    """Give each test an empty cache, its own SQLite metrics store and an empty buffer."""
    settings.KELMAH_METRICS_STORE = "sqlite"
    settings.KELMAH_METRICS_SQLITE_PATH = tmp_path / "metrics.sqlite3"
    rcache.clear_local()
    cache.clear()
    recorder.discard()
    yield
    recorder.discard()
    rcache.clear_local()


def counts() -> dict[str, int]:
    assert metrics.flush()
    return selectors.cache_counts()


def expire(key: str) -> None:
    """Move an entry past its fresh period in both tiers, keeping its stale period."""
    entry = rcache._local.get(key) or cache.get(rcache._entry_key(key))
    entry.fresh_until = time.time() - 1
    rcache._local.set(key, entry)
    cache.set(rcache._entry_key(key), entry, 600)


def failing_build():
    raise ConnectionError("database unreachable")


def test_build_counts_miss():
    result = get_or_build("jobs:count", lambda: 12, fresh=60, stale=600)

    assert result.source == "live"
    assert counts() == {"hit": 0, "stale": 0, "miss": 1}


def test_fresh_read_counts_hit():
    get_or_build("jobs:count", lambda: 12, fresh=60, stale=600)
    result = get_or_build("jobs:count", lambda: 99, fresh=60, stale=600)

    assert result.value == 12
    assert counts() == {"hit": 1, "stale": 0, "miss": 1}


def test_shared_tier_read_counts_hit():
    get_or_build("regions", lambda: ["ashanti"], fresh=60, stale=600)
    rcache.clear_local()  # as a second process would start

    result = get_or_build("regions", lambda: [], fresh=60, stale=600)

    assert result.source == "shared"
    assert counts() == {"hit": 1, "stale": 0, "miss": 1}


def test_stale_if_error_counts_stale():
    get_or_build("jobs:count", lambda: 12, fresh=60, stale=600)
    expire("jobs:count")

    result = get_or_build("jobs:count", failing_build, fresh=60, stale=600)

    assert result.is_stale
    assert result.value == 12
    assert counts() == {"hit": 0, "stale": 1, "miss": 1}


def test_stale_while_another_builds_counts_stale():
    get_or_build("jobs:count", lambda: 12, fresh=60, stale=600)
    expire("jobs:count")
    # Another process holds the rebuild lock, so this read serves the stale copy.
    cache.set(rcache._lock_key("jobs:count"), "other-process", 30)

    result = get_or_build("jobs:count", lambda: 99, fresh=60, stale=600)

    assert result.is_stale
    assert result.value == 12
    assert counts() == {"hit": 0, "stale": 1, "miss": 1}


def test_nothing_to_serve_counts_miss():
    result = get_or_build("jobs:count", failing_build, fresh=60, stale=600)

    assert isinstance(result, Unavailable)
    assert counts() == {"hit": 0, "stale": 0, "miss": 1}


def test_read_works_while_metrics_store_is_down(settings, tmp_path):
    # A file under a regular file can never be opened, so every flush fails.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.KELMAH_METRICS_SQLITE_PATH = blocker / "metrics.sqlite3"

    first = get_or_build("jobs:count", lambda: 12, fresh=60, stale=600)
    second = get_or_build("jobs:count", lambda: 99, fresh=60, stale=600)

    assert first.value == second.value == 12
    assert second.source == "memory"
    assert metrics.flush() is False
