"""Circuit breakers: tripping, classification, half-open probes, open periods, fallback."""

import asyncio
import logging
import threading
import time

import pytest
import requests
from django.core.exceptions import ValidationError
from django.test import override_settings

from apps.common.errors import NotAllowed, NotFound
from apps.resilience.breaker_store import (
    CLOSED,
    FORCED_CLOSED,
    FORCED_OPEN,
    HALF_OPEN,
    OPEN,
    BreakerState,
    FailoverStore,
    MemoryBreakerStore,
    RedisBreakerStore,
)
from apps.resilience.breakers import (
    BreakerConfig,
    BreakerOpen,
    CircuitBreaker,
    SharedModuleBreaker,
    breaker,
    is_failure,
)
from apps.resilience.signals import breaker_state_changed
from tests.support.faults import closed_port, fresh_breakers, hung_server


def fail(error=None):
    raise error or ConnectionError("refused")


def make(store=None, **overrides) -> CircuitBreaker:
    config = BreakerConfig(**{"refresh_interval": 0, **overrides})
    return CircuitBreaker("test", config, store or MemoryBreakerStore())


def trip(b: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ConnectionError):
            b.call(fail)


def response_error(status: int) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(response=response)


@pytest.mark.parametrize(
    ("error", "counts"),
    [
        (ConnectionError("refused"), True),
        (TimeoutError("timed out"), True),
        (requests.Timeout(), True),
        (requests.ConnectionError(), True),
        (response_error(500), True),
        (response_error(503), True),
        (response_error(429), True),
        (response_error(400), False),
        (response_error(404), False),
        (response_error(422), False),
        (NotFound("gone"), False),
        (NotAllowed("no"), False),
        (ValidationError("bad"), False),
        (RuntimeError("bug"), True),
    ],
)
def test_failure_classification(error, counts):
    assert is_failure(error) is counts


def test_consecutive_failures_trip_breaker():
    b = make(consecutive_failures=3)
    trip(b, 3)

    with pytest.raises(BreakerOpen) as raised:
        b.call(lambda: "never runs")

    assert raised.value.state == OPEN
    assert raised.value.retry_after > 0
    assert b.state == OPEN
    assert "3 consecutive failures" in b.describe()["reason"]


def test_client_errors_never_trip():
    b = make(consecutive_failures=2, minimum_calls=2)
    for _ in range(10):
        with pytest.raises(requests.HTTPError):
            b.call(fail, response_error(404))

    assert b.state == CLOSED


def test_success_resets_consecutive_count():
    b = make(consecutive_failures=3, minimum_calls=100)
    for _ in range(5):
        trip(b, 2)
        assert b.call(lambda: "ok") == "ok"

    assert b.state == CLOSED


def test_failure_rate_trips_after_minimum_calls():
    b = make(consecutive_failures=100, failure_rate=0.5, minimum_calls=10)
    for i in range(9):
        if i % 2:
            trip(b, 1)
        else:
            b.call(lambda: "ok")
    assert b.state == CLOSED  # 4 failures in 9 calls, under the minimum

    trip(b, 1)
    assert b.state == OPEN
    assert "failure rate 5/10" in b.describe()["reason"]


def test_slow_calls_trip_on_slow_rate():
    b = make(consecutive_failures=100, slow_call_seconds=0.01, slow_call_rate=0.8, minimum_calls=5)
    for _ in range(5):
        permit = b.allow()
        b.record(permit, failed=False, duration=0.05)

    assert b.state == OPEN
    assert "slow-call rate" in b.describe()["reason"]


def test_open_breaker_lets_one_probe_through():
    b = make(consecutive_failures=1, open_seconds=0.05, max_open_seconds=1, open_jitter=0)
    trip(b, 1)
    time.sleep(0.06)

    probe = b.allow()
    assert probe.probe
    with pytest.raises(BreakerOpen) as raised:
        b.allow()
    assert raised.value.state == HALF_OPEN

    b.record(probe, failed=False)
    assert b.state == CLOSED
    assert b.call(lambda: "ok") == "ok"


def test_failed_probe_reopens_for_longer():
    b = make(consecutive_failures=1, open_seconds=0.05, max_open_seconds=10, open_jitter=0)
    trip(b, 1)
    first = b.describe()
    time.sleep(0.06)

    trip(b, 1)  # the probe fails
    second = b.describe()

    assert second["state"] == OPEN
    assert second["trips"] == 2
    first_period = (first["open_until"] - first["opened_at"]).total_seconds()
    second_period = (second["open_until"] - second["opened_at"]).total_seconds()
    assert first_period == pytest.approx(0.05, abs=0.01)
    assert second_period == pytest.approx(0.10, abs=0.01)


def test_open_periods_grow_capped_and_jittered():
    b = make(open_seconds=1, max_open_seconds=8, open_jitter=0.2)
    periods = {trips: [b._open_period(trips) for _ in range(200)] for trips in range(1, 7)}

    for trips, values in periods.items():
        ceiling = min(8, 2 ** (trips - 1))
        assert all(ceiling * 0.8 <= v <= ceiling for v in values)
        assert len({round(v, 4) for v in values}) > 150  # jittered, not one fixed value
    assert max(periods[6]) <= 8


def test_half_open_admits_configured_probes_across_threads():
    b = make(consecutive_failures=1, open_seconds=0.05, half_open_probes=2, open_jitter=0)
    trip(b, 1)
    time.sleep(0.06)
    admitted, refused = [], []
    barrier = threading.Barrier(40)

    def caller():
        barrier.wait()
        try:
            admitted.append(b.allow())
        except BreakerOpen:
            refused.append(1)

    threads = [threading.Thread(target=caller) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(admitted) == 2
    assert len(refused) == 38
    assert all(p.probe for p in admitted)


def test_abandoned_probe_frees_slot_after_timeout():
    b = make(consecutive_failures=1, open_seconds=0.01, probe_timeout_seconds=0.05, open_jitter=0)
    trip(b, 1)
    time.sleep(0.02)
    b.allow()  # a probe whose process dies before reporting
    with pytest.raises(BreakerOpen):
        b.allow()

    time.sleep(0.06)
    assert b.allow().probe


def test_forced_states_override_outcomes():
    b = make(consecutive_failures=1)
    b.force_open(reason="provider maintenance")
    with pytest.raises(BreakerOpen) as raised:
        b.call(lambda: "never runs")
    assert raised.value.state == FORCED_OPEN

    b.force_close(reason="operator knows better")
    trip(b, 5)
    assert b.state == FORCED_CLOSED

    b.reset()
    assert b.state == CLOSED
    assert b.describe()["trips"] == 0


def test_transitions_send_signal_and_log(caplog):
    seen = []

    def receiver(sender, **kwargs):
        seen.append(kwargs)

    breaker_state_changed.connect(receiver)
    try:
        b = make(consecutive_failures=2)
        with caplog.at_level(logging.INFO, logger="apps.resilience.breakers"):
            trip(b, 2)
            b.reset()
    finally:
        breaker_state_changed.disconnect(receiver)

    assert [(s["old"], s["new"]) for s in seen] == [(CLOSED, OPEN), (OPEN, CLOSED)]
    assert seen[0]["name"] == "test"
    assert seen[0]["opened_at"] is not None
    assert seen[1]["opened_at"] is None
    assert "2 consecutive failures" in seen[0]["reason"]
    assert sum("closed -> open" in r.getMessage() for r in caplog.records) == 1


def test_failing_receiver_does_not_break_call(caplog):
    def broken(sender, **kwargs):
        raise RuntimeError("monitoring is down")

    breaker_state_changed.connect(broken)
    try:
        b = make(consecutive_failures=1)
        trip(b, 1)
    finally:
        breaker_state_changed.disconnect(broken)

    assert b.state == OPEN
    assert any("receiver" in r.getMessage() for r in caplog.records)


def test_async_calls_go_through_breaker():
    b = make(consecutive_failures=2)

    async def failing():
        raise ConnectionError("refused")

    async def working():
        return "ok"

    async def scenario():
        assert await b.acall(working) == "ok"
        for _ in range(2):
            with pytest.raises(ConnectionError):
                await b.acall(failing)
        with pytest.raises(BreakerOpen):
            await b.acall(working)
        with pytest.raises(BreakerOpen):
            async with b.aguard():
                pass

    asyncio.run(scenario())


def test_guard_records_block_outcome():
    b = make(consecutive_failures=1)
    with b.guard():
        pass
    with pytest.raises(ConnectionError), b.guard():
        raise ConnectionError("refused")

    assert b.state == OPEN


@pytest.mark.parametrize("mode", ["refused", "hung"])
def test_store_outage_falls_back_to_local_state(mode, caplog):
    def run(url):
        with override_settings(RESILIENCE_BREAKER_STORE=url, RESILIENCE_BREAKER_STORE_RETRY_SECONDS=60):
            fresh_breakers()
            b = breaker("sms")
            with caplog.at_level(logging.WARNING):
                for _ in range(20):
                    with pytest.raises((ConnectionError, BreakerOpen)):
                        b.call(fail)
            return b

    if mode == "refused":
        b = run(f"redis://127.0.0.1:{closed_port()}/0")
    else:
        with hung_server() as (host, port):
            started = time.monotonic()
            b = run(f"redis://{host}:{port}/0")
            # One store timeout (0.25 s), then local state; not one timeout per call.
            assert time.monotonic() - started < 2

    assert b.state == OPEN
    assert b.describe()["shared"] is False
    store_warnings = [r for r in caplog.records if "Breaker store unreachable" in r.getMessage()]
    assert len(store_warnings) == 1


@pytest.mark.redis
def test_fallback_keeps_last_shared_state(redis_db):
    from django.conf import settings

    store = FailoverStore(RedisBreakerStore(settings.REDIS_URL), retry_after=60)
    b = CircuitBreaker("email", BreakerConfig(refresh_interval=0), store)
    b.force_open(reason="drill")

    store.primary = RedisBreakerStore(f"redis://127.0.0.1:{closed_port()}/0")

    assert b.state == FORCED_OPEN
    assert store.using_fallback
    with pytest.raises(BreakerOpen):
        b.call(lambda: "never runs")


def test_shared_module_breaker_protocol():
    module = SharedModuleBreaker("module:jobs", failure_threshold=2, cooldown_seconds=0.05)

    for _ in range(2):
        assert module.allow()
        module.record_failure()
    assert module.state == OPEN
    assert not module.allow()

    time.sleep(0.2)
    assert module.allow()  # the probe
    assert not module.allow()
    module.record_success()
    assert module.state == CLOSED


def test_breakers_command_lists_and_forces(capsys):
    from django.core.management import call_command

    call_command("breakers", "open", "provider:momo", "--reason", "drill")
    call_command("breakers", "list")
    listed = capsys.readouterr().out
    fresh_breakers()

    assert "provider:momo" in listed
    assert "forced_open" in listed
    assert breaker("provider:momo").state == FORCED_OPEN

    call_command("breakers", "reset", "provider:momo")
    assert breaker("provider:momo").state == CLOSED


def test_breakers_command_needs_name():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="needs a breaker name"):
        call_command("breakers", "open")


def test_invalid_config_is_rejected():
    with pytest.raises(ValueError, match="failure_rate"):
        BreakerConfig(failure_rate=1.5)


def test_state_round_trips_through_mapping():
    state = BreakerState(state=OPEN, opened_at=1.5, open_until=7.25, trips=3, reason="x", version=9)

    assert BreakerState.from_mapping(state.to_mapping()) == state


def test_running_process_sees_trip_within_refresh(tmp_path):
    from apps.resilience.breaker_store import build_store

    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    config = BreakerConfig(consecutive_failures=2, refresh_interval=0.5, open_seconds=60, max_open_seconds=60)
    here = CircuitBreaker("sms", config, build_store(url))
    elsewhere = CircuitBreaker("sms", config, build_store(url))  # another process's view
    assert elsewhere.call(lambda: "ok") == "ok"

    trip(here, 2)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and not elsewhere.is_open:
        time.sleep(0.05)

    assert elsewhere.is_open
    with pytest.raises(BreakerOpen):
        elsewhere.call(lambda: "never runs")
    assert elsewhere.describe()["opened_at"] == here.describe()["opened_at"]
