"""A django-redis backend that survives a Redis outage.

Every call goes through the "redis" circuit breaker. While Redis is refused or hung,
reads return the default (a miss), writes report failure, and after the breaker trips
nothing waits on a socket at all. One warning is logged when an outage starts and one
when it ends, not one per call. Plain `django.core.cache.cache` usage is therefore safe
during an outage.

    CACHES = {"default": {"BACKEND": "apps.resilience.cache_backends.ResilientRedisCache",
                          "LOCATION": REDIS_URL, "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5,
                          "SOCKET_TIMEOUT": 0.5}}}

OPTIONS["BREAKER"] names the breaker (default "redis").
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django_redis.cache import RedisCache

from apps.resilience.breakers import BreakerOpen, breaker

logger = logging.getLogger(__name__)

# What each read returns when Redis does not respond; writes return False or None.
_MISS_RESULTS = {
    "get": None,
    "get_many": {},
    "has_key": False,
    "add": False,
    "set": False,
    "set_many": None,
    "touch": False,
    "delete": False,
    "delete_many": None,
    "ttl": None,
    "keys": [],
    "persist": False,
    "expire": False,
    "lock": None,
}

_outage_lock = threading.Lock()
_in_outage: dict[str, bool] = {}


class ResilientRedisCache(RedisCache):
    """django-redis RedisCache with a breaker in front and failures treated as misses."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        self.breaker_name = options.pop("BREAKER", "redis")
        for required in ("SOCKET_CONNECT_TIMEOUT", "SOCKET_TIMEOUT"):
            if options.get(required) is None:
                raise ValueError(f"ResilientRedisCache needs a finite OPTIONS[{required!r}]")
        super().__init__(server, {**params, "OPTIONS": options})

    @property
    def available(self) -> bool:
        """False while the breaker fails calls fast."""
        return not breaker(self.breaker_name).is_open

    def _guarded(self, method: str, args: tuple, kwargs: dict) -> Any:
        guard = breaker(self.breaker_name)
        try:
            permit = guard.allow()
        except BreakerOpen:
            return self._miss(method, args, kwargs)
        try:
            result = getattr(RedisCache, method)(self, *args, **kwargs)
        except ValueError:
            # incr/decr of a missing key: Redis responded, so this is no outage.
            guard.record(permit, failed=False)
            raise
        except Exception as error:
            guard.record(permit, failed=True, reason=type(error).__name__)
            self._note_outage(error)
            return self._miss(method, args, kwargs)
        guard.record(permit, failed=False)
        self._note_recovery()
        return result

    @staticmethod
    def _miss(method: str, args: tuple, kwargs: dict) -> Any:
        if method == "get":
            return args[1] if len(args) > 1 else kwargs.get("default")
        if method in ("incr", "decr", "incr_version"):
            raise ValueError("cache unavailable")
        if method == "set_many":
            return list(args[0]) if args else list(kwargs.get("data", {}))  # every key failed
        return _MISS_RESULTS.get(method)

    def _note_outage(self, error: Exception) -> None:
        with _outage_lock:
            first = not _in_outage.get(self.breaker_name)
            _in_outage[self.breaker_name] = True
        if first:
            logger.warning(
                "Redis cache unavailable (%s: %s); cache reads act as misses until it returns",
                type(error).__name__,
                error,
                extra={"breaker": self.breaker_name},
            )

    def _note_recovery(self) -> None:
        if not _in_outage.get(self.breaker_name):
            return
        with _outage_lock:
            was_down = _in_outage.pop(self.breaker_name, False)
        if was_down:
            logger.warning("Redis cache reachable again", extra={"breaker": self.breaker_name})


def forget_outages() -> None:
    """Forget which breakers are in an outage, so the next failure logs again (tests)."""
    with _outage_lock:
        _in_outage.clear()


def _make_guarded(method: str):
    def guarded(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded(method, args, kwargs)

    guarded.__name__ = method
    guarded.__doc__ = f"RedisCache.{method} through the breaker; a failure acts as a miss."
    return guarded


for _method in (*_MISS_RESULTS, "incr", "decr", "clear", "incr_version", "pttl", "expire_at", "iter_keys"):
    setattr(ResilientRedisCache, _method, _make_guarded(_method))
