"""Monitoring settings with their defaults, validated once at start-up.

Each value can be overridden in Django settings under the same name. validate() runs from
MonitoringConfig.ready(), so a bad value stops the process before it serves anything.
"""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Every health endpoint must answer within this many seconds, whatever its dependencies do.
ENDPOINT_BUDGET_SECONDS = 3.0


@dataclass(frozen=True)
class MonitoringSettings:
    # Seconds one health check may run before it is reported as timed out. Well above a
    # healthy round trip (a few ms) and well below the endpoint budget.
    check_timeout: float
    # Seconds the whole set of checks may take; the rest of the budget goes to rendering.
    check_deadline: float
    # Seconds a passing result is reused, so probes every second cost one check per window.
    pass_ttl: float
    # Seconds a failing result is reused; short, so recovery shows up quickly.
    fail_ttl: float
    # Queues that at least one worker must consume; empty means Celery's configured queues.
    required_queues: tuple[str, ...]
    # Disk usage, in percent of the volume, at which the disk check warns and fails.
    disk_warn_percent: float
    disk_fail_percent: float
    # Where metrics from all processes meet: "redis", "sqlite", or "auto" (Redis when the
    # default cache is Redis, otherwise the SQLite file).
    metrics_store: str
    metrics_sqlite_path: Path
    metrics_redis_url: str
    metrics_key_prefix: str
    # Seconds between flushes of the in-process metrics buffer to the shared store.
    metrics_flush_interval: float
    # Bearer token that unlocks /metrics; empty disables token access.
    metrics_token: str
    # Client addresses allowed to read /metrics without a token.
    metrics_allowed_ips: tuple[str, ...]
    # Seconds a recovered subject must stay healthy before its incident is resolved, so a
    # flapping module makes one incident and one alert.
    alert_debounce_seconds: float
    # A module whose error rate over the last minute reaches this fraction is degraded...
    module_error_rate_degraded: float
    # ...once it has served at least this many requests in that minute.
    module_min_requests: int
    # Seconds between dashboard refreshes, pushed over the websocket or polled.
    ops_refresh_seconds: int


def _value(name: str, default):
    return getattr(settings, name, default)


def load() -> MonitoringSettings:
    var_dir = Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var"))
    return MonitoringSettings(
        check_timeout=float(_value("KELMAH_HEALTH_CHECK_TIMEOUT", 1.0)),
        check_deadline=float(_value("KELMAH_HEALTH_CHECK_DEADLINE", 2.5)),
        pass_ttl=float(_value("KELMAH_HEALTH_PASS_TTL", 10.0)),
        fail_ttl=float(_value("KELMAH_HEALTH_FAIL_TTL", 2.0)),
        required_queues=tuple(_value("KELMAH_HEALTH_REQUIRED_QUEUES", ())),
        disk_warn_percent=float(_value("KELMAH_HEALTH_DISK_WARN_PERCENT", 90.0)),
        disk_fail_percent=float(_value("KELMAH_HEALTH_DISK_FAIL_PERCENT", 97.0)),
        metrics_store=str(_value("KELMAH_METRICS_STORE", "auto")),
        metrics_sqlite_path=Path(_value("KELMAH_METRICS_SQLITE_PATH", var_dir / "monitoring-metrics.sqlite3")),
        metrics_redis_url=str(_value("KELMAH_METRICS_REDIS_URL", getattr(settings, "REDIS_URL", "") or "")),
        metrics_key_prefix=str(_value("KELMAH_METRICS_KEY_PREFIX", "kelmah:metrics")),
        metrics_flush_interval=float(_value("KELMAH_METRICS_FLUSH_INTERVAL", 1.0)),
        metrics_token=str(_value("KELMAH_METRICS_TOKEN", "") or ""),
        metrics_allowed_ips=tuple(_value("KELMAH_METRICS_ALLOWED_IPS", ())),
        alert_debounce_seconds=float(_value("KELMAH_ALERT_DEBOUNCE_SECONDS", 300.0)),
        module_error_rate_degraded=float(_value("KELMAH_MODULE_ERROR_RATE_DEGRADED", 0.05)),
        module_min_requests=int(_value("KELMAH_MODULE_MIN_REQUESTS", 20)),
        ops_refresh_seconds=int(_value("KELMAH_OPS_REFRESH_SECONDS", 5)),
    )


def validate(conf: MonitoringSettings) -> None:
    """Raise ImproperlyConfigured naming the first setting that cannot work."""
    if not 0 < conf.check_timeout <= conf.check_deadline:
        raise ImproperlyConfigured("KELMAH_HEALTH_CHECK_TIMEOUT must be positive and at most the check deadline.")
    if conf.check_deadline >= ENDPOINT_BUDGET_SECONDS:
        raise ImproperlyConfigured(
            f"KELMAH_HEALTH_CHECK_DEADLINE={conf.check_deadline} leaves no time to answer within "
            f"{ENDPOINT_BUDGET_SECONDS} s; use a smaller value."
        )
    if conf.pass_ttl < 0 or conf.fail_ttl < 0:
        raise ImproperlyConfigured("KELMAH_HEALTH_PASS_TTL and KELMAH_HEALTH_FAIL_TTL must not be negative.")
    if not 0 < conf.disk_warn_percent <= conf.disk_fail_percent <= 100:
        raise ImproperlyConfigured("Disk thresholds must satisfy 0 < warn <= fail <= 100 percent.")
    if conf.metrics_store not in {"auto", "redis", "sqlite"}:
        raise ImproperlyConfigured(f"KELMAH_METRICS_STORE={conf.metrics_store!r}; use auto, redis or sqlite.")
    if conf.metrics_store == "redis" and not conf.metrics_redis_url:
        raise ImproperlyConfigured("KELMAH_METRICS_STORE is redis but no KELMAH_METRICS_REDIS_URL or REDIS_URL is set.")
    if conf.metrics_flush_interval <= 0:
        raise ImproperlyConfigured("KELMAH_METRICS_FLUSH_INTERVAL must be positive.")
    if conf.alert_debounce_seconds < 0:
        raise ImproperlyConfigured("KELMAH_ALERT_DEBOUNCE_SECONDS must not be negative.")
    if not 0 < conf.module_error_rate_degraded <= 1:
        raise ImproperlyConfigured("KELMAH_MODULE_ERROR_RATE_DEGRADED must be a fraction in (0, 1].")
    if conf.ops_refresh_seconds < 1:
        raise ImproperlyConfigured("KELMAH_OPS_REFRESH_SECONDS must be at least 1.")


def get() -> MonitoringSettings:
    """Return the current settings; read afresh each call so override_settings works in tests."""
    return load()
