"""Latency histograms that can be merged across processes, and exact-rank percentiles.

Each latency is rounded to three significant digits (12.34 ms -> 12.3, 1234 ms -> 1230),
so a histogram holds at most about 900 distinct values per power of ten however many
requests it counts, and merging two histograms is adding counts. A percentile is then
exact for inputs that already have three significant digits (whole milliseconds below
1000, for example) and within 0.5% of the true value otherwise.

Percentiles use the nearest-rank definition: the p-th percentile of n values is the
smallest value v such that at least ceil(p/100 * n) values are <= v.
"""

import math
from collections.abc import Iterable, Mapping

SIGNIFICANT_DIGITS = 3
# Latencies below this are recorded as this, in ms: finer detail says nothing to an operator.
SMALLEST_MS = 0.01


def quantize(latency_ms: float) -> float:
    """Round a latency in ms to three significant digits."""
    if not math.isfinite(latency_ms) or latency_ms <= SMALLEST_MS:
        return SMALLEST_MS
    latency_ms = float(latency_ms)
    exponent = math.floor(math.log10(latency_ms))
    return float(round(latency_ms, SIGNIFICANT_DIGITS - 1 - exponent))


def bucket_field(latency_ms: float) -> str:
    """Return the histogram key for a latency, as stored in the metrics store."""
    return repr(quantize(latency_ms))


def histogram_from(latencies: Iterable[float]) -> dict[float, int]:
    histogram: dict[float, int] = {}
    for latency in latencies:
        value = quantize(latency)
        histogram[value] = histogram.get(value, 0) + 1
    return histogram


def merge(*histograms: Mapping[float, int]) -> dict[float, int]:
    merged: dict[float, int] = {}
    for histogram in histograms:
        for value, count in histogram.items():
            merged[value] = merged.get(value, 0) + count
    return merged


def percentile(histogram: Mapping[float, int], p: float) -> float | None:
    """Return the nearest-rank p-th percentile (0 < p <= 100), or None for an empty histogram."""
    if not 0 < p <= 100:
        raise ValueError(f"Percentile must be in (0, 100], not {p}.")
    total = sum(histogram.values())
    if total == 0:
        return None
    # Rounding first keeps float error (0.95 * 100 = 95.00000000000001) from adding a rank.
    rank = max(1, math.ceil(round(p * total / 100, 9)))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)


def summary(histogram: Mapping[float, int]) -> dict[str, float | None]:
    """Return p50, p95 and p99 of a histogram."""
    return {"p50": percentile(histogram, 50), "p95": percentile(histogram, 95), "p99": percentile(histogram, 99)}
