"""Where circuit breakers keep the state that every process shares.

Three stores implement one small interface:

- RedisBreakerStore: production. Hashes per breaker, WATCH/MULTI for atomic updates.
- SqliteBreakerStore: the embedded default. One SQLite file under var/ that every local
  process opens; BEGIN IMMEDIATE makes each update atomic across processes.
- MemoryBreakerStore: state private to one process. Used as the fallback while the
  shared store is unreachable, and in unit tests.

FailoverStore wraps a shared store and the memory store: when the shared store fails it
logs one warning, serves from memory (seeded with the last state it saw) and tries the
shared store again after a pause.

Window counts are kept in buckets of `bucket_seconds`; a breaker adds its own counts
once a second and reads the sum over the window in the same round trip.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"
FORCED_OPEN = "forced_open"
FORCED_CLOSED = "forced_closed"
STATES = (CLOSED, OPEN, HALF_OPEN, FORCED_OPEN, FORCED_CLOSED)


class StoreUnavailable(Exception):
    """The shared breaker store could not be read or written."""


@dataclass
class BreakerState:
    """One breaker's shared state. Times are Unix epoch seconds (0 means unset)."""

    state: str = CLOSED
    opened_at: float = 0.0
    open_until: float = 0.0
    # Opens since the breaker was last closed; sets the length of the next open period.
    trips: int = 0
    # Probes claimed and probe successes in the current half-open period.
    probes: int = 0
    probe_successes: int = 0
    # Claimed probes that never report back stop counting after this time.
    probe_deadline: float = 0.0
    reason: str = ""
    version: int = 0

    def to_mapping(self) -> dict[str, str]:
        return {key: str(value) for key, value in dataclasses.asdict(self).items()}

    @classmethod
    def from_mapping(cls, raw: dict) -> BreakerState:
        if not raw:
            return cls()
        decoded = {_text(key): _text(value) for key, value in raw.items()}
        state = decoded.get("state", CLOSED)
        return cls(
            state=state if state in STATES else CLOSED,
            opened_at=float(decoded.get("opened_at", 0) or 0),
            open_until=float(decoded.get("open_until", 0) or 0),
            trips=int(decoded.get("trips", 0) or 0),
            probes=int(decoded.get("probes", 0) or 0),
            probe_successes=int(decoded.get("probe_successes", 0) or 0),
            probe_deadline=float(decoded.get("probe_deadline", 0) or 0),
            reason=decoded.get("reason", ""),
            version=int(decoded.get("version", 0) or 0),
        )


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass
class Counts:
    """Calls, failures and slow calls seen in a window or a bucket."""

    calls: int = 0
    failures: int = 0
    slow: int = 0

    def add(self, other: Counts) -> None:
        self.calls += other.calls
        self.failures += other.failures
        self.slow += other.slow


@dataclass
class SyncResult:
    state: BreakerState
    window: Counts = field(default_factory=Counts)


Updater = Callable[[BreakerState], BreakerState | None]


class BreakerStore:
    """Interface of every store. Every method may raise StoreUnavailable."""

    shared = True

    def read(self, name: str) -> BreakerState:
        raise NotImplementedError

    def update(self, name: str, updater: Updater) -> tuple[BreakerState, BreakerState]:
        """Apply `updater` atomically and return (old, new).

        `updater` receives the current state and returns the new one, or None to leave it
        unchanged (then new is old). It may run more than once under contention.
        """
        raise NotImplementedError

    def sync(self, name: str, pending: dict[int, Counts], since_bucket: int, bucket_ttl: int) -> SyncResult:
        """Add `pending` bucket counts, then return the state and the counts since `since_bucket`."""
        raise NotImplementedError

    def clear_window(self, name: str) -> None:
        raise NotImplementedError

    def names(self) -> list[str]:
        raise NotImplementedError


class MemoryBreakerStore(BreakerStore):
    """State private to this process, guarded by one lock."""

    shared = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, BreakerState] = {}
        self._buckets: dict[str, dict[int, Counts]] = {}

    def seed(self, name: str, state: BreakerState) -> None:
        with self._lock:
            self._states.setdefault(name, dataclasses.replace(state))

    def read(self, name: str) -> BreakerState:
        with self._lock:
            return dataclasses.replace(self._states.get(name, BreakerState()))

    def update(self, name: str, updater: Updater) -> tuple[BreakerState, BreakerState]:
        with self._lock:
            old = self._states.get(name, BreakerState())
            new = updater(dataclasses.replace(old))
            if new is None:
                return old, old
            new.version = old.version + 1
            self._states[name] = new
            return old, dataclasses.replace(new)

    def sync(self, name: str, pending: dict[int, Counts], since_bucket: int, bucket_ttl: int) -> SyncResult:
        with self._lock:
            buckets = self._buckets.setdefault(name, {})
            for bucket, counts in pending.items():
                buckets.setdefault(bucket, Counts()).add(counts)
            for stale in [b for b in buckets if b < since_bucket]:
                del buckets[stale]
            window = Counts()
            for counts in buckets.values():
                window.add(counts)
            state = dataclasses.replace(self._states.get(name, BreakerState()))
        return SyncResult(state=state, window=window)

    def clear_window(self, name: str) -> None:
        with self._lock:
            self._buckets.pop(name, None)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._states)


class SqliteBreakerStore(BreakerStore):
    """A SQLite file that every process on this machine opens; the embedded default.

    Each thread keeps its own connection. BEGIN IMMEDIATE takes SQLite's write lock, so a
    read-modify-write is atomic across processes; the busy timeout bounds the wait.
    """

    def __init__(self, path: str | Path, *, timeout: float = 1.0) -> None:
        self.path = str(path)
        self.timeout = timeout
        self._local = threading.local()
        self._schema_ready = False

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            return connection
        try:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            if not self._schema_ready:
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS breaker_state (name TEXT PRIMARY KEY, data TEXT NOT NULL)"
                )
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS breaker_bucket (name TEXT NOT NULL, bucket INTEGER NOT NULL, "
                    "calls INTEGER NOT NULL, failures INTEGER NOT NULL, slow INTEGER NOT NULL, "
                    "PRIMARY KEY (name, bucket))"
                )
                self._schema_ready = True
        except sqlite3.Error as error:
            raise StoreUnavailable(f"breaker store {self.path} cannot be opened: {error}") from error
        self._local.connection = connection
        return connection

    @staticmethod
    def _load(connection: sqlite3.Connection, name: str) -> BreakerState:
        row = connection.execute("SELECT data FROM breaker_state WHERE name = ?", (name,)).fetchone()
        return BreakerState.from_mapping(json.loads(row[0])) if row else BreakerState()

    def read(self, name: str) -> BreakerState:
        try:
            return self._load(self._connection(), name)
        except sqlite3.Error as error:
            raise StoreUnavailable(str(error)) from error

    def update(self, name: str, updater: Updater) -> tuple[BreakerState, BreakerState]:
        connection = self._connection()
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                old = self._load(connection, name)
                new = updater(dataclasses.replace(old))
                if new is None:
                    connection.execute("COMMIT")
                    return old, old
                new.version = old.version + 1
                connection.execute(
                    "INSERT INTO breaker_state (name, data) VALUES (?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET data = excluded.data",
                    (name, json.dumps(new.to_mapping())),
                )
                connection.execute("COMMIT")
                return old, new
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            raise StoreUnavailable(str(error)) from error

    def sync(self, name: str, pending: dict[int, Counts], since_bucket: int, bucket_ttl: int) -> SyncResult:
        connection = self._connection()
        try:
            if pending:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    connection.executemany(
                        "INSERT INTO breaker_bucket (name, bucket, calls, failures, slow) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT(name, bucket) DO UPDATE SET calls = calls + excluded.calls, "
                        "failures = failures + excluded.failures, slow = slow + excluded.slow",
                        [(name, b, c.calls, c.failures, c.slow) for b, c in pending.items()],
                    )
                    connection.execute("DELETE FROM breaker_bucket WHERE name = ? AND bucket < ?", (name, since_bucket))
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
            row = connection.execute(
                "SELECT COALESCE(SUM(calls), 0), COALESCE(SUM(failures), 0), COALESCE(SUM(slow), 0) "
                "FROM breaker_bucket WHERE name = ? AND bucket >= ?",
                (name, since_bucket),
            ).fetchone()
            return SyncResult(state=self._load(connection, name), window=Counts(*row))
        except sqlite3.Error as error:
            raise StoreUnavailable(str(error)) from error

    def clear_window(self, name: str) -> None:
        try:
            self._connection().execute("DELETE FROM breaker_bucket WHERE name = ?", (name,))
        except sqlite3.Error as error:
            raise StoreUnavailable(str(error)) from error

    def names(self) -> list[str]:
        try:
            rows = self._connection().execute("SELECT name FROM breaker_state ORDER BY name").fetchall()
        except sqlite3.Error as error:
            raise StoreUnavailable(str(error)) from error
        return [row[0] for row in rows]


class RedisBreakerStore(BreakerStore):
    """Redis hashes: `<prefix><name>` for the state, `<prefix><name>:b:<bucket>` for counts.

    The client has short socket timeouts of its own, so a hung Redis costs one bounded wait
    before FailoverStore switches to local state.
    """

    def __init__(self, url: str, *, prefix: str = "kelmah:breaker:", timeout: float = 0.25) -> None:
        import redis

        self.prefix = prefix
        self._redis_errors = (redis.RedisError, OSError)
        self._watch_error = redis.WatchError
        self.client = redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout, retry_on_timeout=False, retry=None
        )

    def _key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def read(self, name: str) -> BreakerState:
        try:
            return BreakerState.from_mapping(self.client.hgetall(self._key(name)))
        except self._redis_errors as error:
            raise StoreUnavailable(str(error)) from error

    def update(self, name: str, updater: Updater) -> tuple[BreakerState, BreakerState]:
        key = self._key(name)
        try:
            for _attempt in range(20):
                with self.client.pipeline() as pipe:
                    try:
                        pipe.watch(key)
                        old = BreakerState.from_mapping(pipe.hgetall(key))
                        new = updater(dataclasses.replace(old))
                        if new is None:
                            pipe.unwatch()
                            return old, old
                        new.version = old.version + 1
                        pipe.multi()
                        pipe.hset(key, mapping=new.to_mapping())
                        pipe.sadd(f"{self.prefix}names", name)
                        pipe.execute()
                        return old, new
                    except self._watch_error:
                        continue
        except self._redis_errors as error:
            raise StoreUnavailable(str(error)) from error
        raise StoreUnavailable(f"breaker {name}: too much contention on the shared state")

    def sync(self, name: str, pending: dict[int, Counts], since_bucket: int, bucket_ttl: int) -> SyncResult:
        key = self._key(name)
        try:
            pipe = self.client.pipeline(transaction=False)
            for bucket, counts in pending.items():
                bucket_key = f"{key}:b:{bucket}"
                pipe.hincrby(bucket_key, "calls", counts.calls)
                pipe.hincrby(bucket_key, "failures", counts.failures)
                pipe.hincrby(bucket_key, "slow", counts.slow)
                pipe.expire(bucket_key, bucket_ttl)
                pipe.sadd(f"{key}:buckets", bucket)
            pipe.expire(f"{key}:buckets", bucket_ttl)
            pipe.hgetall(key)
            pipe.smembers(f"{key}:buckets")
            replies = pipe.execute()
            state = BreakerState.from_mapping(replies[-2])
            live = sorted(int(b) for b in replies[-1] if int(b) >= since_bucket)
            window = Counts()
            if live:
                read = self.client.pipeline(transaction=False)
                for bucket in live:
                    read.hgetall(f"{key}:b:{bucket}")
                for raw in read.execute():
                    decoded = {k.decode(): int(v) for k, v in raw.items()}
                    window.add(Counts(decoded.get("calls", 0), decoded.get("failures", 0), decoded.get("slow", 0)))
            return SyncResult(state=state, window=window)
        except self._redis_errors as error:
            raise StoreUnavailable(str(error)) from error

    def clear_window(self, name: str) -> None:
        key = self._key(name)
        try:
            buckets = self.client.smembers(f"{key}:buckets")
            keys = [f"{key}:b:{int(b)}" for b in buckets] + [f"{key}:buckets"]
            self.client.delete(*keys)
        except self._redis_errors as error:
            raise StoreUnavailable(str(error)) from error

    def names(self) -> list[str]:
        try:
            return sorted(n.decode() for n in self.client.smembers(f"{self.prefix}names"))
        except self._redis_errors as error:
            raise StoreUnavailable(str(error)) from error


class FailoverStore(BreakerStore):
    """A shared store with per-process fallback while the shared store is unreachable.

    The first failure logs one warning and switches every breaker in this process to the
    memory store, seeded with the last shared state seen for each breaker. The shared
    store is tried again after `retry_after` seconds; recovery is logged once too.
    """

    def __init__(self, primary: BreakerStore, *, retry_after: float = 5.0) -> None:
        self.primary = primary
        self.fallback = MemoryBreakerStore()
        self.retry_after = retry_after
        self._down_until = 0.0
        self._down = False
        self._last_seen: dict[str, BreakerState] = {}
        self._lock = threading.Lock()

    @property
    def using_fallback(self) -> bool:
        return self._down and time.monotonic() < self._down_until

    @property
    def shared(self) -> bool:  # type: ignore[override]
        return not self.using_fallback

    def _run(self, name: str | None, primary_call, fallback_call):
        if self.using_fallback:
            return fallback_call()
        try:
            result = primary_call()
        except StoreUnavailable as error:
            self._mark_down(error)
            return fallback_call()
        if self._down:
            with self._lock:
                was_down, self._down = self._down, False
            if was_down:
                logger.warning("Breaker store reachable again; breakers share state across processes again")
        if name is not None:
            self._remember(name, result)
        return result

    def _remember(self, name: str, result) -> None:
        if isinstance(result, SyncResult):
            self._last_seen[name] = result.state
        elif isinstance(result, tuple):
            self._last_seen[name] = result[1]
        elif isinstance(result, BreakerState):
            self._last_seen[name] = result

    def _mark_down(self, error: Exception) -> None:
        with self._lock:
            first = not self._down
            self._down = True
            self._down_until = time.monotonic() + self.retry_after
            for name, state in self._last_seen.items():
                self.fallback.seed(name, state)
        if first:
            logger.warning(
                "Breaker store unreachable (%s); each process keeps its own breaker state until it returns",
                error,
                extra={"store": type(self.primary).__name__},
            )

    def read(self, name: str) -> BreakerState:
        return self._run(name, lambda: self.primary.read(name), lambda: self.fallback.read(name))

    def update(self, name: str, updater: Updater) -> tuple[BreakerState, BreakerState]:
        return self._run(name, lambda: self.primary.update(name, updater), lambda: self.fallback.update(name, updater))

    def sync(self, name: str, pending: dict[int, Counts], since_bucket: int, bucket_ttl: int) -> SyncResult:
        return self._run(
            name,
            lambda: self.primary.sync(name, pending, since_bucket, bucket_ttl),
            lambda: self.fallback.sync(name, pending, since_bucket, bucket_ttl),
        )

    def clear_window(self, name: str) -> None:
        self._run(None, lambda: self.primary.clear_window(name), lambda: self.fallback.clear_window(name))

    def names(self) -> list[str]:
        return self._run(None, self.primary.names, self.fallback.names)


def build_store(url: str, *, timeout: float = 0.25, retry_after: float = 5.0) -> BreakerStore:
    """Build the store named by a URL: redis://..., sqlite:///path or memory://."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return FailoverStore(RedisBreakerStore(url, timeout=timeout), retry_after=retry_after)
    if url.startswith("sqlite:///"):
        # A local file cannot hang like a network server; its only wait is another
        # process's write lock, so it gets a longer busy timeout than a Redis round trip.
        sqlite_store = SqliteBreakerStore(url.removeprefix("sqlite:///"), timeout=max(timeout, 2.0))
        return FailoverStore(sqlite_store, retry_after=retry_after)
    if url == "memory://":
        return MemoryBreakerStore()
    raise ValueError(f"Unknown breaker store URL {url!r}; use redis://, sqlite:/// or memory://")
