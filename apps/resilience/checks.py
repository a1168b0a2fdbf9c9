"""System checks that stop a deployment whose resilience settings cannot work."""

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_visibility_timeout(app_configs=None, **kwargs):
    """The broker must not redeliver a task that is only waiting for its countdown or retry."""
    broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if not broker.startswith(("redis://", "rediss://", "sqs://")):
        return []  # filesystem and AMQP brokers have no visibility timeout
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    visibility = options.get("visibility_timeout", 3600)
    longest_wait = max(settings.RESILIENCE_OUTBOX_MAX_COUNTDOWN, settings.RESILIENCE_TASK_BACKOFF_CAP)
    needed = longest_wait + settings.CELERY_TASK_TIME_LIMIT
    if visibility <= needed:
        return [
            Error(
                f"The broker's visibility_timeout ({visibility} s) must exceed the longest countdown "
                f"({longest_wait} s) plus the task time limit ({settings.CELERY_TASK_TIME_LIMIT} s).",
                hint="Raise CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'] or lower the countdowns.",
                id="resilience.E001",
            )
        ]
    return []


@register()
def check_resilience_settings(app_configs=None, **kwargs):
    """Every breaker and outbound policy must be valid, and cache timeouts finite."""
    from apps.resilience.breakers import config_for
    from apps.resilience.policy import policy_for

    errors = []
    for name in [*settings.RESILIENCE_BREAKERS, "module:example"]:
        try:
            config_for(name)
        except (TypeError, ValueError) as error:
            errors.append(Error(f"RESILIENCE_BREAKERS[{name!r}]: {error}", id="resilience.E002"))
    for name in settings.RESILIENCE_OUTBOUND:
        try:
            policy_for(name)
        except (TypeError, ValueError) as error:
            errors.append(Error(f"RESILIENCE_OUTBOUND[{name!r}]: {error}", id="resilience.E003"))
    for alias, cache in settings.CACHES.items():
        if "redis" in cache.get("BACKEND", "").lower():
            options = cache.get("OPTIONS", {})
            if options.get("SOCKET_TIMEOUT") is None or options.get("SOCKET_CONNECT_TIMEOUT") is None:
                errors.append(
                    Error(
                        f"CACHES[{alias!r}] uses Redis without SOCKET_TIMEOUT and SOCKET_CONNECT_TIMEOUT.",
                        hint="A hung Redis would block every call for redis-py's default wait.",
                        id="resilience.E004",
                    )
                )
            if "ResilientRedisCache" not in cache["BACKEND"]:
                errors.append(
                    Warning(
                        f"CACHES[{alias!r}] talks to Redis without a breaker.",
                        hint="Use apps.resilience.cache_backends.ResilientRedisCache.",
                        id="resilience.W001",
                    )
                )
    return errors
