"""The resilient cache: fresh and stale periods, single flight, tags, outages."""

import logging
import threading
import time

import pytest
from django.core.cache import cache
from django.template import Context, Template

from apps.resilience import cache as rcache
from apps.resilience.cache import Cached, Unavailable, bump, get_or_build
from tests.support.faults import redis_outage, redis_settings


class Builder:
    """A build function that counts its calls and can be made slow or failing."""

    def __init__(self, value="rows", delay=0.0):
        self.value = value
        self.delay = delay
        self.calls = 0
        self.failing = False
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        if self.failing:
            raise ConnectionError("database unreachable")
        return self.value


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_cache():
    rcache.clear_local()
    cache.clear()
    yield
    rcache.clear_local()


def expire(key: str, *, fresh_until=None) -> None:
    """Move an entry past its fresh period in both tiers, keeping its stale period."""
    entry = rcache._local.get(key) or cache.get(rcache._entry_key(key))
    entry.fresh_until = time.time() - 1 if fresh_until is None else fresh_until
    rcache._local.set(key, entry)
    cache.set(rcache._entry_key(key), entry, 600)


def test_first_read_builds_then_serves_memory():
    build = Builder()

    first = get_or_build("jobs:count", build, fresh=60, stale=600)
    second = get_or_build("jobs:count", build, fresh=60, stale=600)

    assert first.value == second.value == "rows"
    assert first.source == "live"
    assert second.source == "memory"
    assert not second.is_stale
    assert build.calls == 1


def test_other_process_reads_shared_tier():
    build = Builder()
    get_or_build("regions", build, fresh=60, stale=600)

    rcache.clear_local()  # as a second process would start
    result = get_or_build("regions", build, fresh=60, stale=600)

    assert result.source == "shared"
    assert build.calls == 1


def test_expired_entry_is_rebuilt():
    build = Builder()
    get_or_build("k", build, fresh=60, stale=600)
    expire("k")
    build.value = "new rows"

    result = get_or_build("k", build, fresh=60, stale=600)

    assert result.value == "new rows"
    assert build.calls == 2


def test_stale_served_when_rebuild_fails():
    build = Builder()
    get_or_build("k", build, fresh=60, stale=600)
    expire("k", fresh_until=time.time() - 240)
    build.failing = True

    result = get_or_build("k", build, fresh=60, stale=600)

    assert isinstance(result, Cached)
    assert result.value == "rows"
    assert result.is_stale
    assert result.source == "stale-if-error"
    assert result.age.total_seconds() >= 0
    assert result.age_text.startswith("updated ")


def test_nothing_to_serve_is_unavailable():
    build = Builder()
    build.failing = True

    result = get_or_build("k", build, fresh=60, stale=600)

    assert isinstance(result, Unavailable)
    assert not result
    assert result.reason == "ConnectionError"


def test_past_stale_period_is_not_served():
    build = Builder()
    get_or_build("k", build, fresh=60, stale=600)
    entry = rcache._local.get("k")
    entry.fresh_until = entry.stale_until = time.time() - 1
    cache.set(rcache._entry_key("k"), entry, 600)
    build.failing = True

    assert isinstance(get_or_build("k", build, fresh=60, stale=600), Unavailable)


def test_bump_invalidates_tagged_entries(django_capture_on_commit_callbacks):
    jobs = Builder("jobs v1")
    trades = Builder("trades v1")
    get_or_build("jobs:list", jobs, fresh=600, stale=600, tags=["jobs"])
    get_or_build("trades", trades, fresh=600, stale=600, tags=["trades"])
    jobs.value = "jobs v2"

    with django_capture_on_commit_callbacks(execute=True):
        bump("jobs")

    assert get_or_build("jobs:list", jobs, fresh=600, stale=600, tags=["jobs"]).value == "jobs v2"
    assert get_or_build("trades", trades, fresh=600, stale=600, tags=["trades"]).source == "memory"
    assert trades.calls == 1


def test_bump_waits_for_commit(django_capture_on_commit_callbacks):
    build = Builder("v1")
    get_or_build("k", build, fresh=600, stale=600, tags=["t"])
    build.value = "v2"

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bump("t")
        assert get_or_build("k", build, fresh=600, stale=600, tags=["t"]).value == "v1"
    for callback in callbacks:
        callback()

    assert get_or_build("k", build, fresh=600, stale=600, tags=["t"]).value == "v2"


def test_fresh_periods_are_jittered():
    for i in range(50):
        get_or_build(f"k{i}", Builder(), fresh=100, stale=0)
    periods = {
        round(rcache._local.get(f"k{i}").fresh_until - rcache._local.get(f"k{i}").built_at, 3) for i in range(50)
    }

    assert len(periods) > 40
    assert all(90 <= p <= 100 for p in periods)


def run_concurrently(count, func):
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        barrier.wait()
        results[index] = func()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.redis
def test_cold_key_built_once_under_50_requests(redis_db):
    with redis_settings():
        build = Builder(delay=0.2)
        results = run_concurrently(50, lambda: get_or_build("cold", build, fresh=60, stale=600))

    assert build.calls == 1
    assert all(r.value == "rows" for r in results)


@pytest.mark.redis
def test_expired_key_built_once_while_stale_is_served(redis_db):
    with redis_settings():
        build = Builder()
        get_or_build("hot", build, fresh=60, stale=600)
        expire("hot")
        build.value, build.delay = "rebuilt", 0.3

        results = run_concurrently(50, lambda: get_or_build("hot", build, fresh=60, stale=600))

    assert build.calls == 2  # the first build and one rebuild
    assert sum(r.value == "rebuilt" for r in results) >= 1
    stale = [r for r in results if r.value == "rows"]
    assert stale and all(r.is_stale for r in stale)


@pytest.mark.redis
def test_other_process_build_is_awaited(redis_db):
    with redis_settings():
        build = Builder(delay=0.3)
        holder = threading.Thread(target=get_or_build, args=("shared-lock", build), kwargs={"fresh": 60, "stale": 60})
        holder.start()
        time.sleep(0.05)
        rcache._build_locks.clear()  # a second process has its own in-process locks

        result = get_or_build("shared-lock", build, fresh=60, stale=60)
        holder.join()

    assert result.value == "rows"
    assert build.calls == 1


@pytest.mark.redis
@pytest.mark.parametrize("mode", ["refused", "hung"])
def test_redis_outage_reads_act_as_misses(mode, caplog):
    build = Builder("from the database")
    with redis_outage(mode), caplog.at_level(logging.WARNING):
        started = time.monotonic()
        results = [get_or_build(f"k{i % 3}", build, fresh=60, stale=60) for i in range(30)]
        plain = [cache.get("anything", "default") for _ in range(30)]
        stored = cache.set("anything", 1)
        elapsed = time.monotonic() - started

    assert all(r.value == "from the database" for r in results)
    assert plain == ["default"] * 30
    assert stored is False
    assert elapsed < 2
    outage_warnings = [r for r in caplog.records if "Redis cache unavailable" in r.getMessage()]
    assert len(outage_warnings) == 1


@pytest.mark.redis
def test_stale_served_during_outage(redis_db):
    build = Builder()
    with redis_settings():
        get_or_build("k", build, fresh=60, stale=600)
        expire("k")
        in_memory = rcache._local.get("k")
    build.failing = True

    with redis_outage("refused"):
        rcache._local.set("k", in_memory)  # what this process kept before Redis went away
        result = get_or_build("k", build, fresh=60, stale=600)

    assert result.value == "rows"
    assert result.is_stale


@pytest.mark.redis
def test_resilient_backend_round_trips_when_up(redis_db):
    with redis_settings():
        assert cache.set("greeting", "akwaaba", 30) is True
        assert cache.get("greeting") == "akwaaba"
        assert cache.add("greeting", "other") is False
        assert cache.incr("counter", ignore_key_check=True) == 1
        assert cache.delete("greeting") is True
        assert cache.get("greeting", "gone") == "gone"


def test_age_renders_in_templates():
    result = get_or_build("k", Builder(), fresh=60, stale=60)
    rendered = Template("{% if result %}{{ result.value }} ({{ result.age_text }}){% endif %}").render(
        Context({"result": result})
    )

    assert rendered.startswith("rows (updated ")


def test_injected_cache_fault_acts_as_miss():
    from apps.modules import faults

    build = Builder()
    get_or_build("k", build, fresh=60, stale=60)
    rcache.clear_local()

    faults.fault_set(target="cache", spec="raise")
    faults.reset_cache()
    try:
        result = get_or_build("k", build, fresh=60, stale=60)
    finally:
        faults.fault_clear(target="cache")
        faults.reset_cache()

    assert result.source == "live"
    assert build.calls == 2
