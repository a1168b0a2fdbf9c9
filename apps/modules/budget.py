"""Deadlines for the current view or fragment, shared with the code it calls.

Python cannot interrupt a thread that is stuck in a call, so time budgets are enforced
cooperatively: the view or fragment boundary sets a deadline, PostgreSQL enforces it on
queries through statement_timeout, and every blocking wait under Kelmah's control
(injected faults, outbound calls in the resilience layer) caps its own timeout with
remaining_seconds().
"""

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("kelmah_deadline", default=None)


def remaining_seconds() -> float | None:
    """Return seconds left before the current deadline (at least 0), or None when there is none."""
    deadline = _deadline.get()
    if deadline is None:
        return None
    return max(0.0, deadline - time.monotonic())


def cap_timeout(timeout: float) -> float:
    """Return `timeout` shortened to the time left before the current deadline."""
    remaining = remaining_seconds()
    return timeout if remaining is None else min(timeout, remaining)


@contextmanager
def deadline(seconds: float) -> Iterator[float]:
    """Set a deadline `seconds` from now, never later than an enclosing one; yield the seconds granted."""
    now = time.monotonic()
    candidate = now + seconds
    enclosing = _deadline.get()
    if enclosing is not None:
        candidate = min(candidate, enclosing)
    token = _deadline.set(candidate)
    try:
        yield max(0.0, candidate - now)
    finally:
        _deadline.reset(token)
