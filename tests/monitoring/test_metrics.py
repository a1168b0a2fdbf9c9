"""Per-module metrics: attribution of real requests, windows, percentiles and the shared stores."""

import time
import uuid

import pytest

from apps.monitoring import metrics, selectors
from apps.monitoring.metrics_store import COARSE, FINE, RedisMetricsStore, slot_of
from apps.monitoring.percentiles import histogram_from, merge, percentile, quantize, summary


def test_percentiles_of_one_to_hundred():
    histogram = histogram_from(range(1, 101))

    assert summary(histogram) == {"p50": 50.0, "p95": 95.0, "p99": 99.0}
    assert percentile(histogram, 100) == 100.0


def test_percentiles_of_one_to_thousand_in_any_order():
    values = list(range(1000, 0, -1))

    histogram = histogram_from(values)

    assert summary(histogram) == {"p50": 500.0, "p95": 950.0, "p99": 990.0}


def test_percentiles_of_skewed_sample():
    # 90 fast requests and 10 slow ones: p50 and p95 fall in different groups.
    histogram = histogram_from([10] * 90 + [2000] * 10)

    assert percentile(histogram, 50) == 10.0
    assert percentile(histogram, 90) == 10.0
    assert percentile(histogram, 91) == 2000.0
    assert percentile(histogram, 99) == 2000.0


def test_percentile_of_single_value_and_empty():
    assert summary(histogram_from([42.5])) == {"p50": 42.5, "p95": 42.5, "p99": 42.5}
    assert summary({}) == {"p50": None, "p95": None, "p99": None}


def test_percentile_rejects_out_of_range():
    with pytest.raises(ValueError, match="Percentile"):
        percentile({1.0: 1}, 0)
    with pytest.raises(ValueError, match="Percentile"):
        percentile({1.0: 1}, 101)


def test_merged_histograms_equal_one_histogram():
    first, second = list(range(1, 60)), list(range(60, 201))

    merged = merge(histogram_from(first), histogram_from(second))

    assert merged == histogram_from(first + second)
    assert percentile(merged, 95) == 190.0


def test_quantize_keeps_three_significant_digits():
    assert quantize(12.345) == 12.3
    assert quantize(1234.5) == 1230.0
    assert quantize(999.4) == 999.0
    assert quantize(0) == 0.01
    assert quantize(float("nan")) == 0.01
    assert quantize(float("inf")) == 0.01


def test_windows_report_known_latencies():
    for latency in range(1, 101):
        metrics.record_request("jobs", "apps.jobs.views.search", latency, 500 if latency % 10 == 0 else 200)
    assert metrics.flush()

    stats = selectors.module_windows()["jobs"]

    for window in ("1m", "15m", "1h"):
        assert stats[window].requests == 100
        assert stats[window].errors == 10
        assert stats[window].error_rate == pytest.approx(0.1)
        assert (stats[window].p50, stats[window].p95, stats[window].p99) == (50.0, 95.0, 99.0)
    assert stats["1m"].request_rate > stats["1h"].request_rate > 0


def test_old_samples_leave_the_short_window():
    now = time.time()
    metrics.recorder.count("jobs", {"requests": 1, "lat:10.0": 1}, now=now - 5 * 60)
    metrics.recorder.count("jobs", {"requests": 1, "lat:20.0": 1}, now=now)
    assert metrics.flush()

    stats = selectors.module_windows(now=now)["jobs"]

    assert stats["1m"].requests == 1
    assert stats["1m"].p50 == 20.0
    assert stats["15m"].requests == 2
    assert stats["1h"].requests == 2


def test_fragment_outcomes_count_degraded_renders():
    metrics.record_fragment("payments", "wallet", 12, "ok")
    metrics.record_fragment("payments", "wallet", 800, "timeout")
    metrics.record_fragment("payments", "wallet", 3, "breaker_open")
    metrics.record_fragment("payments", "wallet", 1, "skipped")
    metrics.record_fragment("payments", "wallet", 1, "maintenance")
    metrics.record_fragment("payments", "wallet", 40, "error")
    assert metrics.flush()

    stats = selectors.module_windows()["payments"]["1m"]

    assert stats.fragments == 6
    assert stats.degraded == 3
    assert stats.requests == 0


def test_cache_breaker_and_websocket_figures():
    from datetime import UTC, datetime

    metrics.record_cache("hit")
    metrics.record_cache("hit")
    metrics.record_cache("stale")
    metrics.record_cache("miss")
    metrics.record_cache("bogus")
    metrics.record_breaker_transition("provider:momo", "closed", "open", "HTTP 503", datetime.now(UTC))
    metrics.websocket_opened()
    metrics.websocket_opened()
    metrics.websocket_closed()
    assert metrics.flush()

    assert selectors.cache_counts() == {"hit": 2, "stale": 1, "miss": 1}
    assert selectors.breaker_transition_counts() == {("provider:momo", "open"): 1}
    events = selectors.recent_breaker_events()
    assert events[0]["name"] == "provider:momo"
    assert events[0]["reason"] == "HTTP 503"
    assert selectors.open_websockets() == 1


def test_recording_never_raises_on_bad_input():
    metrics.record_request("jobs", "view", "not a number", 200)
    metrics.record_request("jobs", "view", 5, "x")
    metrics.record_fragment("jobs", "f", None, "ok")

    assert metrics.flush()
    assert "jobs" not in selectors.module_windows()


def test_store_down_keeps_metrics_and_requests_unharmed(settings, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the store's folder should be")
    settings.KELMAH_METRICS_SQLITE_PATH = blocked / "metrics.sqlite3"

    metrics.record_request("jobs", "view", 10, 200)
    assert metrics.flush() is False

    settings.KELMAH_METRICS_SQLITE_PATH = tmp_path / "recovered.sqlite3"
    assert metrics.flush() is True
    assert selectors.module_windows()["jobs"]["1m"].requests == 1


@pytest.mark.django_db
def test_page_api_and_fragment_requests_are_recorded_per_module(worker_client, api_client):
    worker_client.get("/jobs/")
    api_client.get("/api/v1/jobs/")
    worker_client.get("/dashboard/")
    assert metrics.flush()

    windows = selectors.module_windows()

    assert windows["jobs"]["1m"].requests == 2
    assert windows["dashboard"]["1m"].requests == 1
    # The worker dashboard renders the jobs module's fragments through the boundary.
    assert windows["jobs"]["1m"].fragments >= 1
    assert windows["jobs"]["1m"].degraded == 0


@pytest.mark.django_db(transaction=True)
def test_failing_fragment_is_recorded_as_degraded(worker):
    from django.test import Client

    from apps.modules.faults import fault_clear, fault_set

    client = Client()
    client.force_login(worker, backend="apps.accounts.backends.EmailOrPhoneBackend")
    fault_set(target="jobs.fragments", spec="raise")
    try:
        response = client.get("/dashboard/")
    finally:
        fault_clear()
    assert metrics.flush()

    stats = selectors.module_windows()["jobs"]["1m"]
    assert response.status_code == 200
    assert stats.fragments >= 1
    assert stats.degraded == stats.fragments
    assert selectors.module_windows()["dashboard"]["1m"].errors == 0


@pytest.mark.django_db(transaction=True)
def test_failing_view_is_recorded_as_error_of_its_module(client):
    from apps.modules.faults import fault_clear, fault_set

    fault_set(target="jobs.views", spec="raise")
    try:
        response = client.get("/jobs/")
    finally:
        fault_clear()
    assert metrics.flush()

    assert response.status_code == 503
    stats = selectors.module_windows()["jobs"]["1m"]
    assert stats.requests == 1
    assert stats.errors == 1


@pytest.mark.redis
def test_redis_store_shares_counters(settings):
    prefix = f"test-metrics-{uuid.uuid4().hex[:8]}"
    settings.KELMAH_METRICS_STORE = "redis"
    settings.KELMAH_METRICS_REDIS_URL = settings.REDIS_URL
    settings.KELMAH_METRICS_KEY_PREFIX = prefix
    store = metrics.get_store()
    assert isinstance(store, RedisMetricsStore)
    try:
        for latency in range(1, 101):
            metrics.record_request("payments", "view", latency, 200)
        metrics.websocket_opened()
        assert metrics.flush()
        # A second process adds to the same slots.
        now = time.time()
        store.add(
            {
                ("fine", slot_of(FINE, now), "payments", "requests"): 5,
                ("coarse", slot_of(COARSE, now), "payments", "requests"): 5,
            },
            {},
            [],
        )

        stats = selectors.module_windows()["payments"]
        assert stats["1m"].requests == 105
        assert stats["1h"].p95 == 95.0
        assert selectors.open_websockets() == 1
    finally:
        store.clear()


@pytest.mark.redis
def test_redis_store_hung_costs_the_flusher_not_the_request(settings):
    from tests.support.faults import hung_server

    with hung_server() as (host, port):
        settings.KELMAH_METRICS_STORE = "redis"
        settings.KELMAH_METRICS_REDIS_URL = f"redis://{host}:{port}/0"
        settings.KELMAH_METRICS_KEY_PREFIX = "test-hung"

        started = time.monotonic()
        metrics.record_request("jobs", "view", 10, 200)
        recorded_in = time.monotonic() - started
        flushed = metrics.flush()

    assert recorded_in < 0.05
    assert flushed is False
    # The counts stay buffered for when the store is back.
    assert any(key[2] == "jobs" for key in metrics.recorder._counters)
