"""Property tests of the breaker state machine against a simple model, on a controlled clock."""

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from apps.resilience import breakers as breakers_module
from apps.resilience.breaker_store import CLOSED, HALF_OPEN, OPEN, MemoryBreakerStore
from apps.resilience.breakers import BreakerConfig, BreakerOpen, CircuitBreaker

THRESHOLD = 3
PROBES = 2
BASE, CAP, JITTER = 4.0, 30.0, 0.25


class FakeClock:
    """Stands in for the time module inside apps.resilience.breakers."""

    def __init__(self):
        self.now = 1_000_000.0

    def time(self):
        return self.now

    def monotonic(self):
        return self.now

    def perf_counter(self):
        return self.now


class BreakerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.clock = FakeClock()
        self.real_time = breakers_module.time
        breakers_module.time = self.clock
        config = BreakerConfig(
            consecutive_failures=THRESHOLD,
            minimum_calls=1000,  # only the consecutive rule, which the model tracks
            open_seconds=BASE,
            max_open_seconds=CAP,
            open_jitter=JITTER,
            half_open_probes=PROBES,
            probe_timeout_seconds=1000,
            refresh_interval=0,
        )
        self.breaker = CircuitBreaker("model", config, MemoryBreakerStore())
        self.failures_in_row = 0
        self.outstanding = []  # probe permits handed out and not yet reported

    def teardown(self):
        breakers_module.time = self.real_time

    def _call(self, failed: bool):
        try:
            permit = self.breaker.allow()
        except BreakerOpen:
            return None
        if permit.probe:
            self.outstanding.append(permit)
            return permit
        self.breaker.record(permit, failed=failed, duration=0.0)
        self.failures_in_row = self.failures_in_row + 1 if failed else 0
        return permit

    @rule()
    def succeed(self):
        self._call(failed=False)

    @rule()
    def fail(self):
        before = self.breaker._snapshot.state
        self._call(failed=True)
        if before == CLOSED and self.failures_in_row >= THRESHOLD:
            assert self.breaker._snapshot.state == OPEN
            self.failures_in_row = 0

    @rule(seconds=st.floats(min_value=0.1, max_value=40))
    def wait(self, seconds):
        self.clock.now += seconds

    @rule(failed=st.booleans())
    def finish_probe(self, failed):
        if not self.outstanding:
            return
        permit = self.outstanding.pop(0)
        trips_before = self.breaker._snapshot.trips
        self.breaker.record(permit, failed=failed, duration=0.0)
        snapshot = self.breaker._snapshot
        if failed:
            assert snapshot.state == OPEN
            assert snapshot.trips == trips_before + 1
            self.outstanding.clear()  # the rest report into an open breaker and are ignored
        self.failures_in_row = 0

    @invariant()
    def open_period_within_bounds(self):
        snapshot = self.breaker._snapshot
        if snapshot.state == OPEN:
            ceiling = min(CAP, BASE * 2 ** (snapshot.trips - 1))
            period = snapshot.open_until - snapshot.opened_at
            assert ceiling * (1 - JITTER) - 1e-9 <= period <= ceiling + 1e-9

    @invariant()
    def probes_never_exceed_limit(self):
        snapshot = self.breaker._snapshot
        if snapshot.state == HALF_OPEN:
            assert snapshot.probes <= PROBES
        assert len(self.outstanding) <= PROBES

    @invariant()
    def open_breaker_refuses_calls(self):
        snapshot = self.breaker._snapshot
        if snapshot.state == OPEN and self.clock.now < snapshot.open_until:
            with pytest.raises(BreakerOpen):
                self.breaker.allow()

    @invariant()
    def closing_forgets_open_period_growth(self):
        snapshot = self.breaker._snapshot
        if snapshot.state == CLOSED:
            assert snapshot.trips == 0


BreakerMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
test_breaker_state_machine = BreakerMachine.TestCase
