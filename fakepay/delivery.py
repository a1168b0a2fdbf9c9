"""Webhook delivery on a background thread, with bounded retries the way Paystack does it.

Paystack events are signed and retried until the receiver answers 2xx or the attempts in
`webhook_retry_delays` run out. MoMo callbacks are unsigned and sent exactly once, as MTN
does. Deliveries go only to loopback URLs.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import logging
import threading
import time
import urllib.error
import urllib.request

from fakepay.config import is_loopback_url
from fakepay.store import Event, Store

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-paystack-signature"
DELIVERY_THREADS = 4
# The key a bad-signature event is signed with instead of the real secret.
WRONG_SECRET = "sk_test_not_the_right_secret"


def signature_for(store: Store, body: bytes, *, bad: bool) -> str:
    config = store.config
    secret = WRONG_SECRET if bad else config.paystack_secret_key
    if config.signature_scheme == "timestamped":
        # Real time, not the fake clock: the receiver checks it against its own clock, and
        # moving the fake clock forward must not make every later delivery look stale.
        timestamp = int(time.time())
        digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha512).hexdigest()
        return f"t={timestamp},v1={config.signature_key_id}:{digest}"
    return hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()


class Dispatcher:
    def __init__(self, store: Store):
        self.store = store
        self._queue: list[tuple[float, int, Event, int]] = []
        self._sequence = itertools.count()
        self._wake = threading.Condition()
        self._stopped = False
        # Several senders, so a slow receiver does not hold up other deliveries and the
        # two copies of a duplicated webhook can arrive at the same time, as they can live.
        self._threads = [
            threading.Thread(target=self._run, name=f"fakepay-webhooks-{number}", daemon=True)
            for number in range(DELIVERY_THREADS)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)

    def clear(self) -> None:
        with self._wake:
            self._queue.clear()

    def submit(self, event: Event, attempt: int = 1, delay: float = 0.0) -> None:
        with self._wake:
            heapq.heappush(self._queue, (time.monotonic() + delay, next(self._sequence), event, attempt))
            self._wake.notify_all()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stopped and (not self._queue or self._queue[0][0] > time.monotonic()):
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._wake.wait(timeout)
                if self._stopped:
                    return
                _, _, event, attempt = heapq.heappop(self._queue)
            self._deliver(event, attempt)

    def _deliver(self, event: Event, attempt: int) -> None:
        config = self.store.config
        headers = {"Content-Type": "application/json", "User-Agent": "fakepay"}
        if event.provider == "paystack":
            headers[SIGNATURE_HEADER] = signature_for(self.store, event.body, bad=event.bad_signature)

        status, error = self._send(event, headers, config.webhook_timeout)
        record = {"attempt": attempt, "at": self.store.now_iso(), "status": status, "error": error}
        with self.store.lock:
            event.deliveries.append(record)
        delivered = status is not None and 200 <= status < 300
        if delivered or event.provider != "paystack":
            return
        delays = config.webhook_retry_delays
        if attempt <= len(delays):
            logger.info("fakepay: webhook %s attempt %d failed (%s); retrying", event.id, attempt, error or status)
            self.submit(event, attempt + 1, delays[attempt - 1])
        else:
            logger.warning("fakepay: webhook %s gave up after %d attempts", event.id, attempt)

    @staticmethod
    def _send(event: Event, headers: dict[str, str], timeout: float) -> tuple[int | None, str]:
        if not is_loopback_url(event.url):
            return None, "refused: not a loopback URL"
        request = urllib.request.Request(event.url, data=event.body, headers=headers, method=event.method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, ""
        except urllib.error.HTTPError as error:
            return error.code, ""
        except (urllib.error.URLError, OSError) as error:
            return None, str(getattr(error, "reason", error))
