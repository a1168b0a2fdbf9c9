"""Read the shared metrics back: per-module windows, chart series, cache and breaker figures."""

import time
from dataclasses import dataclass, field

from apps.monitoring.metrics import BREAKER_SUBJECT, CACHE_EVENTS, CACHE_SUBJECT, WEBSOCKETS_GAUGE, get_store
from apps.monitoring.metrics_store import COARSE, FINE, Tier, slot_of
from apps.monitoring.percentiles import merge, summary

# Window name -> (tier, number of slots). The newest slot is partly filled, so a window
# covers between (slots - 1) and slots whole slots; rates divide by the time covered.
WINDOWS: dict[str, tuple[Tier, int]] = {"1m": (FINE, 6), "15m": (COARSE, 15), "1h": (COARSE, 60)}


@dataclass
class WindowStats:
    window: str
    seconds: float
    requests: int = 0
    errors: int = 0
    fragments: int = 0
    degraded: int = 0
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    fragment_p95: float | None = None

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def request_rate(self) -> float:
        """Requests per second over the window."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def degraded_rate(self) -> float:
        return self.degraded / self.fragments if self.fragments else 0.0


@dataclass
class Series:
    """Per-minute points for the last hour, oldest first."""

    requests: list[int] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)
    p95: list[float | None] = field(default_factory=list)


def _histogram(fields: dict[str, int], prefix: str) -> dict[float, int]:
    return {float(name[len(prefix) :]): count for name, count in fields.items() if name.startswith(prefix)}


def _stats(window: str, seconds: float, rows: list[dict[str, int]]) -> WindowStats:
    stats = WindowStats(window, seconds)
    latencies, fragment_latencies = [], []
    for fields in rows:
        stats.requests += fields.get("requests", 0)
        stats.errors += fields.get("errors", 0)
        stats.fragments += fields.get("fragments", 0)
        stats.degraded += fields.get("degraded", 0)
        latencies.append(_histogram(fields, "lat:"))
        fragment_latencies.append(_histogram(fields, "flat:"))
    percentiles = summary(merge(*latencies))
    stats.p50, stats.p95, stats.p99 = percentiles["p50"], percentiles["p95"], percentiles["p99"]
    stats.fragment_p95 = summary(merge(*fragment_latencies))["p95"]
    return stats


def _covered_seconds(tier: Tier, slots: int, now: float) -> float:
    return (slots - 1) * tier.slot_seconds + (now % tier.slot_seconds)


DEPENDENCY_PREFIX = "_dep:"


def _windows(select, now: float | None) -> dict[str, dict[str, WindowStats]]:
    """Return {name: {window: stats}} for each stored subject that `select` maps to a name."""
    now = time.time() if now is None else now
    store = get_store()
    by_tier: dict[str, dict] = {}
    for tier in (FINE, COARSE):
        last = slot_of(tier, now)
        widest = max(slots for window_tier, slots in WINDOWS.values() if window_tier is tier)
        by_tier[tier.name] = store.read(tier, last - widest + 1, last)

    result: dict[str, dict[str, WindowStats]] = {}
    subjects = {subject for rows in by_tier.values() for (_, subject) in rows if select(subject)}
    for subject in sorted(subjects):
        name = select(subject)
        result[name] = {}
        for window, (tier, slots) in WINDOWS.items():
            first = slot_of(tier, now) - slots + 1
            rows = [
                fields for (slot, stored), fields in by_tier[tier.name].items() if stored == subject and slot >= first
            ]
            result[name][window] = _stats(window, _covered_seconds(tier, slots, now), rows)
    return result


def module_windows(*, now: float | None = None) -> dict[str, dict[str, WindowStats]]:
    """Return {module: {"1m": stats, "15m": stats, "1h": stats}} for every module with data."""
    return _windows(lambda subject: None if subject.startswith("_") else subject, now)


def dependency_windows(*, now: float | None = None) -> dict[str, dict[str, WindowStats]]:
    """Return the same for each dependency's health check runs: runs, failures and durations."""
    return _windows(
        lambda subject: subject.removeprefix(DEPENDENCY_PREFIX) if subject.startswith(DEPENDENCY_PREFIX) else None, now
    )


def module_series(*, now: float | None = None) -> dict[str, Series]:
    """Return the last hour per minute for every module with data."""
    now = time.time() if now is None else now
    last = slot_of(COARSE, now)
    rows = get_store().read(COARSE, last - 59, last)
    series: dict[str, Series] = {}
    subjects = sorted({subject for (_, subject) in rows if not subject.startswith("_")})
    for subject in subjects:
        points = Series()
        for slot in range(last - 59, last + 1):
            fields = rows.get((slot, subject), {})
            points.requests.append(fields.get("requests", 0))
            points.errors.append(fields.get("errors", 0))
            points.p95.append(summary(_histogram(fields, "lat:"))["p95"])
        series[subject] = points
    return series


def cache_counts(*, window: str = "15m", now: float | None = None) -> dict[str, int]:
    """Return cache hits, stale serves and misses over a window."""
    now = time.time() if now is None else now
    tier, slots = WINDOWS[window]
    last = slot_of(tier, now)
    rows = get_store().read(tier, last - slots + 1, last)
    counts = dict.fromkeys(CACHE_EVENTS, 0)
    for (_, subject), fields in rows.items():
        if subject == CACHE_SUBJECT:
            for event in CACHE_EVENTS:
                counts[event] += fields.get(event, 0)
    return counts


def breaker_transition_counts(*, window: str = "1h", now: float | None = None) -> dict[tuple[str, str], int]:
    """Return {(breaker, new_state): transitions} over a window."""
    now = time.time() if now is None else now
    tier, slots = WINDOWS[window]
    last = slot_of(tier, now)
    counts: dict[tuple[str, str], int] = {}
    for (_, subject), fields in get_store().read(tier, last - slots + 1, last).items():
        if subject != BREAKER_SUBJECT:
            continue
        for name, value in fields.items():
            breaker, _, state = name.removeprefix("to:").rpartition("|")
            counts[(breaker, state)] = counts.get((breaker, state), 0) + value
    return counts


def recent_breaker_events(limit: int = 50) -> list[dict]:
    return [event for event in get_store().recent_events(limit) if event.get("kind") == "breaker"]


def open_websockets() -> int:
    return int(get_store().gauge(WEBSOCKETS_GAUGE))
