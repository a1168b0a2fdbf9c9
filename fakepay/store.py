"""In-memory state of the fake provider: a movable clock, scheduled changes, the ledger and events.

Every object lives in plain dicts guarded by one re-entrant lock. Delayed outcomes are
scheduled on the fake clock and applied by `settle_due()`, which a ticker thread calls
several times a second and every request calls first, so a status query never sees a
change that is already due as still pending. Moving the clock forward (POST
/__admin__/advance) applies everything that falls due at once.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fakepay.config import FakeConfig

logger = logging.getLogger(__name__)


class Clock:
    """Wall-clock time plus an offset that only moves forward."""

    def __init__(self):
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def iso(self, timestamp: float | None = None) -> str:
        moment = datetime.fromtimestamp(self.now() if timestamp is None else timestamp, tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Event:
    """One webhook or callback, kept so it can be listed and replayed."""

    id: int
    provider: str  # "paystack" or "momo"
    name: str  # "charge.success", "transfer.failed", "momo.requesttopay"...
    body: bytes  # serialised once, so every delivery and replay sends the same bytes
    url: str
    method: str = "POST"
    copies: int = 1
    bad_signature: bool = False
    created_at: str = ""
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "provider": self.provider,
            "name": self.name,
            "url": self.url,
            "method": self.method,
            "copies": self.copies,
            "bad_signature": self.bad_signature,
            "created_at": self.created_at,
            "body": self.body.decode(),
            "deliveries": list(self.deliveries),
        }


class Store:
    def __init__(self, config: FakeConfig):
        self.lock = threading.RLock()
        self.base_config = config
        self.clock = Clock()
        self.on_event: Callable[[Event], None] = lambda event: None
        self._last_id = 0
        self.reset()

    def reset(self, config: FakeConfig | None = None) -> None:
        with self.lock:
            self.config = FakeConfig(**(config or self.base_config).to_dict())
            self.clock.offset = 0.0
            # Ids start at the current time in milliseconds and never repeat, even across
            # resets and restarts: receivers deduplicate webhooks on them, so a reused id
            # would make a new payment look like an old event.
            self._ids = itertools.count(max(self._last_id + 1, int(time.time() * 1000)))
            self._schedule: list[tuple[float, int, Callable[[], None]]] = []
            self._sequence = itertools.count()
            self.charges: dict[str, dict[str, Any]] = {}
            self.charge_posts: dict[str, int] = {}
            self.recipients: dict[str, dict[str, Any]] = {}
            self.transfers: dict[str, dict[str, Any]] = {}
            self.refunds: dict[int, dict[str, Any]] = {}
            self.momo: dict[str, dict[str, dict[str, Any]]] = {"requesttopay": {}, "transfer": {}, "refund": {}}
            self.momo_tokens: dict[str, tuple[str, float]] = {}
            self.events: list[Event] = []
            self.requests: list[dict[str, Any]] = []
            self.ledger: list[dict[str, Any]] = []
            self.balance = 0
            self.momo_balance = 0
            self.post_ledger(self.config.opening_balance, "Opening balance", "Integration", 0, "opening")
            self.momo_balance = self.config.opening_balance

    # Identifiers and time ----------------------------------------------------------------

    def next_id(self) -> int:
        with self.lock:
            self._last_id = next(self._ids)
            return self._last_id

    @staticmethod
    def code(prefix: str) -> str:
        return f"{prefix}_{secrets.token_hex(6)}"

    def now_iso(self) -> str:
        return self.clock.iso()

    # Scheduling --------------------------------------------------------------------------

    def schedule(self, delay: float, action: Callable[[], None]) -> None:
        """Run `action` under the lock once the fake clock is `delay` seconds later than now."""
        with self.lock:
            heapq.heappush(self._schedule, (self.clock.now() + delay, next(self._sequence), action))

    def settle_due(self) -> None:
        with self.lock:
            now = self.clock.now()
            while self._schedule and self._schedule[0][0] <= now:
                _, _, action = heapq.heappop(self._schedule)
                try:
                    action()
                except Exception:
                    logger.exception("fakepay: a scheduled change failed")

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.clock.advance(seconds)
            self.settle_due()

    # Money -------------------------------------------------------------------------------

    def post_ledger(self, difference: int, reason: str, model: str, model_row: int, reference: str) -> None:
        """Record one change of the Paystack balance, as GET /balance/ledger lists it."""
        with self.lock:
            self.balance += difference
            now = self.now_iso()
            self.ledger.append(
                {
                    "id": self.next_id(),
                    "integration": 1,
                    "domain": "test",
                    "balance": self.balance,
                    "currency": "GHS",
                    "difference": difference,
                    "reason": reason,
                    "model_responsible": model,
                    "model_row": model_row,
                    "reference": reference,
                    "createdAt": now,
                    "updatedAt": now,
                }
            )

    def fee_for(self, amount: int) -> int:
        return (amount * self.config.fee_bps + 5_000) // 10_000

    # Events ------------------------------------------------------------------------------

    def emit(
        self,
        provider: str,
        name: str,
        body: bytes,
        url: str,
        *,
        method: str = "POST",
        copies: int = 1,
        bad_signature: bool = False,
    ) -> Event | None:
        """Record an event and hand it to the delivery thread `copies` times (0 records nothing)."""
        if copies <= 0 or not url:
            return None
        with self.lock:
            event = Event(
                id=self.next_id(),
                provider=provider,
                name=name,
                body=body,
                url=url,
                method=method,
                copies=copies,
                bad_signature=bad_signature,
                created_at=self.now_iso(),
            )
            self.events.append(event)
        for _ in range(copies):
            self.on_event(event)
        return event

    def find_event(self, event_id: int) -> Event | None:
        with self.lock:
            return next((event for event in self.events if event.id == event_id), None)

    def log_request(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.requests.append({"method": method, "path": path, "status": status, "at": self.now_iso()})
            # Bounded, so a long-running server does not grow without limit.
            del self.requests[:-5000]
