"""Measure the per-call cost of breakers and of the resilient cache.

Run: REDIS_URL=redis://127.0.0.1:6379/<db> python bench/bench_resilience.py
Results are recorded in docs/benchmarks.md. Uses the Redis database in REDIS_URL and
flushes it, so point it at a database nothing else uses.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kelmah.settings.test")

import django

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.test import override_settings  # noqa: E402

from apps.resilience import cache as rcache  # noqa: E402
from apps.resilience.breaker_store import build_store  # noqa: E402
from apps.resilience.breakers import BreakerConfig, CircuitBreaker, reset_registry  # noqa: E402

CALLS = 20_000
ROUNDS = 7


def per_call_us(func, calls=CALLS) -> float:
    """Fastest of ROUNDS runs of the mean cost of one call, in microseconds.

    The fastest run is the one least disturbed by other processes on a shared machine.
    """
    results = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(calls):
            func()
        results.append((time.perf_counter() - started) / calls * 1e6)
    return min(results)


def noop():
    return None


def bench_breakers(client: redis.Redis) -> dict[str, float]:
    results = {"plain function call (baseline)": per_call_us(noop)}
    with tempfile.TemporaryDirectory() as folder:
        stores = {
            "memory://": "memory://",
            "SQLite file store": f"sqlite:///{folder}/breakers.sqlite3",
            "Redis store": settings.REDIS_URL,
        }
        for label, url in stores.items():
            breaker = CircuitBreaker("bench", BreakerConfig(), build_store(url))
            breaker.call(noop)
            results[f"breaker.call, closed, {label}"] = per_call_us(lambda b=breaker: b.call(noop))
            results[f"breaker.guard(), closed, {label}"] = per_call_us(lambda b=breaker: _guarded(b))

    # What a breaker costs when it reads and writes Redis on every call (two commands),
    # the design the snapshot avoids.
    def two_round_trips():
        client.get("bench:state")
        client.incr("bench:calls")

    results["two Redis commands per call (shared state on the hot path)"] = per_call_us(two_round_trips, 5_000)
    return results


def _guarded(b):
    with b.guard():
        pass


def bench_cache(client: redis.Redis) -> dict[str, float]:
    results = {}
    redis_cache = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": settings.REDIS_URL,
        "OPTIONS": dict(settings.RESILIENCE_REDIS_CACHE_OPTIONS),
    }
    resilient_cache = {**redis_cache, "BACKEND": "apps.resilience.cache_backends.ResilientRedisCache"}
    with override_settings(
        CACHES={"default": resilient_cache, "plain": redis_cache},
        RESILIENCE_BREAKER_STORE=settings.REDIS_URL,
    ):
        reset_registry()
        caches["plain"].set("k", "value")
        results["django-redis get"] = per_call_us(lambda: caches["plain"].get("k"), 5_000)
        results["ResilientRedisCache get (breaker + django-redis)"] = per_call_us(
            lambda: caches["default"].get("k"), 5_000
        )
        rcache.get_or_build("bench", lambda: {"rows": list(range(20))}, fresh=600, stale=600)
        results["get_or_build, in-process hit"] = per_call_us(
            lambda: rcache.get_or_build("bench", dict, fresh=600, stale=600)
        )
        results["get_or_build, in-process hit with one tag"] = per_call_us(
            lambda: rcache.get_or_build("bench-tag", dict, fresh=600, stale=600, tags=["jobs"])
        )

        def shared_hit():
            rcache._local.clear()
            rcache.get_or_build("bench", dict, fresh=600, stale=600)

        results["get_or_build, Redis tier hit"] = per_call_us(shared_hit, 5_000)
    return results


def main() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    try:
        for title, results in (("Breakers", bench_breakers(client)), ("Cache", bench_cache(client))):
            print(f"\n{title} (µs per call, fastest of {ROUNDS} rounds)")
            for label, value in results.items():
                print(f"  {value:9.2f}  {label}")
    finally:
        client.flushdb()


if __name__ == "__main__":
    main()
