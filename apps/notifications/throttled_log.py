"""Rate-limited logging for errors that repeat while a dependency is down.

Logging a traceback costs far more than catching the error, and an outage repeats the same
error on every call. So log_throttled logs each key at most once per interval (per process),
with a count of what it suppressed in between.
"""

import logging
import threading
import time

# Seconds between two log lines for the same key.
INTERVAL_SECONDS = 60.0

_lock = threading.Lock()
_last_logged: dict[str, float] = {}
_suppressed: dict[str, int] = {}


def log_throttled(logger: logging.Logger, level: int, key: str, message: str, *args, **kwargs) -> bool:
    """Log `message` unless `key` was logged within INTERVAL_SECONDS; return whether it logged."""
    now = time.monotonic()
    with _lock:
        last = _last_logged.get(key)
        if last is not None and now - last < INTERVAL_SECONDS:
            _suppressed[key] = _suppressed.get(key, 0) + 1
            return False
        _last_logged[key] = now
        suppressed = _suppressed.pop(key, 0)

    extra = dict(kwargs.pop("extra", None) or {})
    extra["suppressed_since_last"] = suppressed
    logger.log(level, message, *args, extra=extra, **kwargs)
    return True


def reset() -> None:
    """Forget what was logged, so the next error of every key logs at once (for tests)."""
    with _lock:
        _last_logged.clear()
        _suppressed.clear()
