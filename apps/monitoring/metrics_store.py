"""The store where every process's metrics meet: Redis in production, a SQLite file locally.

Data is counters keyed by (tier, slot, subject, field). A slot is a time bucket: the
"fine" tier has 10-second slots kept for two minutes (the 1-minute window), the "coarse"
tier 60-second slots kept for 61 minutes (the 15-minute and 1-hour windows and the
charts). A subject is a module name or an internal name starting with "_" (_cache,
_breaker). Fields are counts ("requests", "errors") or histogram entries ("lat:12.3").

Besides counters the store keeps per-process gauges (open websockets), summed over the
processes that reported recently, and a short list of recent events (breaker
transitions). Every method may raise; the recorder in apps.monitoring.metrics catches.
"""

import json
import sqlite3
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import redis


@dataclass(frozen=True)
class Tier:
    name: str
    slot_seconds: int
    retention_seconds: int


FINE = Tier("fine", 10, 120)
COARSE = Tier("coarse", 60, 3660)
TIERS = (FINE, COARSE)
# A gauge reported by a process that has not flushed for this many seconds is ignored:
# the process is gone or stuck.
GAUGE_STALE_SECONDS = 30
EVENTS_KEPT = 200

Counters = dict[tuple[str, int, str, str], int]


def slot_of(tier: Tier, timestamp: float) -> int:
    return int(timestamp // tier.slot_seconds)


class MetricsStore:
    def add(self, counters: Counters, gauges: dict[str, tuple[str, float]], events: list[dict]) -> None:
        """Add counters, set this process's gauges ({name: (owner, value)}), append events."""
        raise NotImplementedError

    def read(self, tier: Tier, first_slot: int, last_slot: int) -> dict[tuple[int, str], dict[str, int]]:
        """Return {(slot, subject): {field: count}} for slots in [first_slot, last_slot]."""
        raise NotImplementedError

    def gauge(self, name: str) -> float:
        """Return the sum of a gauge over the processes that reported recently."""
        raise NotImplementedError

    def recent_events(self, limit: int = 50) -> list[dict]:
        """Return the newest events first."""
        raise NotImplementedError

    def last_update(self, name: str) -> float | None:
        """Return when any process last set gauge `name` (epoch seconds), or None if never."""
        raise NotImplementedError


class SqliteMetricsStore(MetricsStore):
    """One SQLite file shared by the local processes; each add is one short transaction."""

    def __init__(self, path: Path, *, timeout: float = 1.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._local = threading.local()
        self._last_prune = 0.0

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(
                """
                CREATE TABLE IF NOT EXISTS counters (
                    tier TEXT NOT NULL, slot INTEGER NOT NULL, subject TEXT NOT NULL,
                    field TEXT NOT NULL, value INTEGER NOT NULL,
                    PRIMARY KEY (tier, slot, subject, field)
                );
                CREATE TABLE IF NOT EXISTS gauges (
                    name TEXT NOT NULL, owner TEXT NOT NULL, value REAL NOT NULL,
                    updated_at REAL NOT NULL, PRIMARY KEY (name, owner)
                );
                CREATE TABLE IF NOT EXISTS events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, payload TEXT NOT NULL
                );
                """
            )
            self._local.connection = connection
        return connection

    def add(self, counters, gauges, events) -> None:
        connection = self._connection()
        now = time.time()
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.executemany(
                "INSERT INTO counters (tier, slot, subject, field, value) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (tier, slot, subject, field) DO UPDATE SET value = value + excluded.value",
                [(*key, value) for key, value in counters.items()],
            )
            connection.executemany(
                "INSERT INTO gauges (name, owner, value, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name, owner) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                [(name, owner, value, now) for name, (owner, value) in gauges.items()],
            )
            connection.executemany(
                "INSERT INTO events (at, payload) VALUES (?, ?)",
                [(event.get("at", now), json.dumps(event, default=str)) for event in events],
            )
            if now - self._last_prune > 60:
                self._prune(connection, now)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def _prune(self, connection: sqlite3.Connection, now: float) -> None:
        for tier in TIERS:
            oldest = slot_of(tier, now - tier.retention_seconds)
            connection.execute("DELETE FROM counters WHERE tier = ? AND slot < ?", (tier.name, oldest))
        connection.execute("DELETE FROM gauges WHERE updated_at < ?", (now - 10 * GAUGE_STALE_SECONDS,))
        connection.execute(
            "DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?",
            (EVENTS_KEPT,),
        )
        self._last_prune = now

    def read(self, tier, first_slot, last_slot):
        rows = self._connection().execute(
            "SELECT slot, subject, field, value FROM counters WHERE tier = ? AND slot BETWEEN ? AND ?",
            (tier.name, first_slot, last_slot),
        )
        found: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
        for slot, subject, field, value in rows:
            found[(slot, subject)][field] = value
        return dict(found)

    def gauge(self, name):
        (total,) = (
            self._connection()
            .execute(
                "SELECT COALESCE(SUM(value), 0) FROM gauges WHERE name = ? AND updated_at >= ?",
                (name, time.time() - GAUGE_STALE_SECONDS),
            )
            .fetchone()
        )
        return total

    def recent_events(self, limit=50):
        rows = self._connection().execute("SELECT payload FROM events ORDER BY id DESC LIMIT ?", (limit,))
        return [json.loads(payload) for (payload,) in rows]

    def last_update(self, name):
        (latest,) = self._connection().execute("SELECT MAX(updated_at) FROM gauges WHERE name = ?", (name,)).fetchone()
        return latest


class RedisMetricsStore(MetricsStore):
    """One hash per (tier, slot), expiring after the tier's retention.

    Timeouts are short and fixed: a hung Redis costs the background flusher half a
    second per attempt, and never a request.
    """

    def __init__(self, url: str, *, prefix: str, timeout: float = 0.5) -> None:
        self.prefix = prefix
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry_on_timeout=False
        )

    def _slot_key(self, tier: Tier, slot: int) -> str:
        return f"{self.prefix}:{tier.name}:{slot}"

    def add(self, counters, gauges, events) -> None:
        tiers = {tier.name: tier for tier in TIERS}
        now = time.time()
        pipe = self.client.pipeline(transaction=False)
        expiring = set()
        for (tier_name, slot, subject, field), value in counters.items():
            key = self._slot_key(tiers[tier_name], slot)
            pipe.hincrby(key, f"{subject}|{field}", value)
            expiring.add((key, tiers[tier_name].retention_seconds + tiers[tier_name].slot_seconds))
        for key, ttl in expiring:
            pipe.expire(key, ttl)
        for name, (owner, value) in gauges.items():
            pipe.hset(f"{self.prefix}:gauge:{name}", owner, json.dumps([value, now]))
            pipe.expire(f"{self.prefix}:gauge:{name}", 10 * GAUGE_STALE_SECONDS)
        if events:
            pipe.lpush(f"{self.prefix}:events", *(json.dumps(event, default=str) for event in events))
            pipe.ltrim(f"{self.prefix}:events", 0, EVENTS_KEPT - 1)
        pipe.execute()

    def read(self, tier, first_slot, last_slot):
        pipe = self.client.pipeline(transaction=False)
        slots = list(range(first_slot, last_slot + 1))
        for slot in slots:
            pipe.hgetall(self._slot_key(tier, slot))
        found: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
        for slot, raw in zip(slots, pipe.execute(), strict=True):
            for key, value in raw.items():
                subject, _, field = key.decode().partition("|")
                found[(slot, subject)][field] = int(value)
        return dict(found)

    def gauge(self, name):
        cutoff = time.time() - GAUGE_STALE_SECONDS
        total = 0.0
        for raw in self.client.hgetall(f"{self.prefix}:gauge:{name}").values():
            value, updated_at = json.loads(raw)
            if updated_at >= cutoff:
                total += value
        return total

    def recent_events(self, limit=50):
        return [json.loads(raw) for raw in self.client.lrange(f"{self.prefix}:events", 0, limit - 1)]

    def last_update(self, name):
        times = [json.loads(raw)[1] for raw in self.client.hgetall(f"{self.prefix}:gauge:{name}").values()]
        return max(times, default=None)

    def clear(self) -> None:
        """Delete every key under this store's prefix (tests use a prefix of their own)."""
        for key in self.client.scan_iter(match=f"{self.prefix}:*", count=500):
            self.client.delete(key)
