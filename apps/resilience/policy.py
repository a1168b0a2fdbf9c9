"""Outbound HTTP calls with timeouts, bounded retries, an overall deadline and a breaker.

Public API (stable):

    policy_for(name: str) -> OutboundPolicy
    OutboundPolicy.request(method, url, *, idempotent: bool, idempotency_key: str | None = None,
                           **kwargs) -> requests.Response
    backoff_delay(attempt: int, *, base: float, cap: float) -> float
    class OutboundUnavailable(Exception): name, attempts, response (last one, or None), retry_after

`request` returns the response when it is a success or a client error (any status below
500 except 429). It raises BreakerOpen when the dependency's breaker is open, and
OutboundUnavailable when every attempt failed (timeout, connection error, 5xx, 429).
Retries happen only when `idempotent` is True or an idempotency key is given; the key is
sent as the Idempotency-Key header. Each retry waits a full-jitter backoff, or longer
when the server sent Retry-After, and never past the deadline.

Settings: RESILIENCE_OUTBOUND = {name: {connect_timeout, read_timeout, deadline,
max_retries, backoff_base, backoff_cap, breaker}}; missing keys come from
RESILIENCE_OUTBOUND_DEFAULTS.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from apps.resilience.breakers import breaker
from apps.resilience.injection import inject

logger = logging.getLogger(__name__)

# Network-level errors worth retrying. requests wraps urllib3's errors in these.
RETRYABLE_ERRORS = (requests.ConnectionError, requests.Timeout)


class OutboundUnavailable(Exception):
    """Every attempt at an outbound call failed; nothing more will be tried for this call."""

    def __init__(self, name: str, *, attempts: int, reason: str, response: requests.Response | None = None) -> None:
        self.name = name
        self.attempts = attempts
        self.reason = reason
        self.response = response
        self.retry_after = _retry_after_seconds(response) if response is not None else None
        super().__init__(f"{name}: call failed after {attempts} attempt(s): {reason}")


def backoff_delay(attempt: int, *, base: float, cap: float) -> float:
    """Return the wait before retry number `attempt` (1 for the first retry), in seconds.

    Full jitter between `base` and the exponential ceiling min(cap, base * 2**attempt), so
    many clients failing at once spread their retries, and none waits less than `base`
    or more than `cap`.
    """
    if attempt < 1:
        raise ValueError(f"attempt must be 1 or more, not {attempt}")
    ceiling = min(cap, base * 2**attempt)
    return random.uniform(base, max(base, ceiling))


def _retry_after_seconds(response: requests.Response | None) -> float | None:
    if response is None:
        return None
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _is_failure_status(status: int) -> bool:
    return status >= 500 or status == 429


@dataclass(frozen=True)
class OutboundPolicy:
    """How calls to one dependency are made; see RESILIENCE_OUTBOUND for each value's reason."""

    name: str
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    deadline: float = 20.0
    max_retries: int = 2
    backoff_base: float = 0.2
    backoff_cap: float = 5.0
    breaker: str = ""

    def __post_init__(self) -> None:
        if min(self.connect_timeout, self.read_timeout, self.deadline, self.backoff_base) <= 0:
            raise ValueError(f"Outbound policy {self.name!r}: timeouts, deadline and backoff_base must be positive")
        if self.backoff_cap < self.backoff_base or self.max_retries < 0:
            raise ValueError(f"Outbound policy {self.name!r}: need backoff_cap >= backoff_base and max_retries >= 0")

    def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        idempotency_key: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Make the call; see the module docstring for what is returned and raised."""
        if "timeout" in kwargs:
            raise TypeError("Set timeouts in RESILIENCE_OUTBOUND, not per call")
        headers = dict(kwargs.pop("headers", None) or {})
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        may_retry = idempotent or bool(idempotency_key)
        max_attempts = 1 + (self.max_retries if may_retry else 0)
        guard = breaker(self.breaker or self.name)
        deadline = time.monotonic() + self.deadline
        attempt = 0
        last_response: requests.Response | None = None
        reason = ""

        while True:
            attempt += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise OutboundUnavailable(
                    self.name, attempts=attempt - 1, reason=f"deadline passed; {reason}", response=last_response
                )
            permit = guard.allow()
            try:
                inject(self.name)
                response = _session().request(
                    method,
                    url,
                    headers=headers,
                    timeout=(min(self.connect_timeout, remaining), min(self.read_timeout, remaining)),
                    **kwargs,
                )
            except RETRYABLE_ERRORS as error:
                guard.record(permit, failed=True, reason=type(error).__name__)
                last_response, reason = None, f"{type(error).__name__}: {error}"
            except Exception as error:
                # An injected fault or an unexpected client error: counted, never retried.
                guard.record(permit, failed=True, reason=type(error).__name__)
                raise
            else:
                failed = _is_failure_status(response.status_code)
                guard.record(permit, failed=failed, reason=f"HTTP {response.status_code}")
                if not failed:
                    return response
                last_response, reason = response, f"HTTP {response.status_code}"

            if attempt >= max_attempts:
                raise OutboundUnavailable(self.name, attempts=attempt, reason=reason, response=last_response)
            delay = backoff_delay(attempt, base=self.backoff_base, cap=self.backoff_cap)
            server_wait = _retry_after_seconds(last_response)
            if server_wait is not None:
                delay = max(delay, server_wait)
            if time.monotonic() + delay >= deadline:
                raise OutboundUnavailable(
                    self.name,
                    attempts=attempt,
                    reason=f"{reason}; next retry would pass the deadline",
                    response=last_response,
                )
            logger.warning(
                "Outbound %s %s failed (%s); retry %d of %d in %.2f s",
                self.name,
                method,
                reason,
                attempt,
                max_attempts - 1,
                delay,
                extra={"dependency": self.name, "attempt": attempt, "delay": delay},
            )
            time.sleep(delay)


_local = threading.local()


def _session() -> requests.Session:
    # One session per thread: connection reuse without sharing a Session across threads.
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        _local.session = session
    return session


_policies: dict[str, OutboundPolicy] = {}


def policy_for(name: str) -> OutboundPolicy:
    """Return the policy for dependency `name` ("provider:paystack", "sms", "email", ...)."""
    found = _policies.get(name)
    if found is None:
        values = dict(getattr(settings, "RESILIENCE_OUTBOUND_DEFAULTS", {}))
        values.update(getattr(settings, "RESILIENCE_OUTBOUND", {}).get(name, {}))
        values.setdefault("breaker", name)
        found = OutboundPolicy(name=name, **values)
        _policies[name] = found
    return found


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("RESILIENCE_OUTBOUND"):
        _policies.clear()
