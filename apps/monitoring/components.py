"""The set of checks: the shared dependencies, and one check per registered module.

Dependencies are listed here; modules come from the module registry in apps.modules,
where each domain app declares its own health check. A module's check is keyed
"<module>:status" and a dependency's "<dependency>:<measurement>", as the health+json
draft suggests ("component:measurement").
"""

import dataclasses
import datetime

from django.conf import settings
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from apps.monitoring.checks import (
    BrokerCheck,
    CacheCheck,
    ChannelLayerCheck,
    Database,
    DiskCheck,
    Observation,
    QueueDepthCheck,
    Storage,
)
from apps.monitoring.health import ALL_MODULES, Component
from apps.monitoring.workers import WorkerCheck

# Modules that stop doing their work, not just slow down, when background workers or the
# broker are gone: payment verification, payouts and notification delivery run there.
BACKGROUND_MODULES = ("payments", "notifications", "contracts")
# How a module check's output says the module is off; the dashboard shows such a module as
# in maintenance rather than degraded.
MAINTENANCE_NOTE = "switched off for maintenance"
# Modules that push live updates through the channel layer.
REALTIME_MODULES = ("messaging", "notifications")
# Modules that accept uploads.
UPLOAD_MODULES = ("workers", "contracts", "messaging")


def dependency_components() -> list[Component]:
    components = [
        Component("database:responseTime", Database, "datastore", critical=True),
        Component("cache:responseTime", CacheCheck, "datastore"),
        Component("broker:responseTime", BrokerCheck, "datastore", modules=BACKGROUND_MODULES),
        Component("celery:workers", WorkerCheck, "system", modules=BACKGROUND_MODULES, timeout=1.6),
        Component("queues:depth", QueueDepthCheck, "datastore", modules=BACKGROUND_MODULES),
        Component("storage:responseTime", Storage, "datastore", modules=UPLOAD_MODULES),
        Component("disk:utilization", DiskCheck, "system"),
    ]
    if _outbox_installed():
        components.append(Component("outbox:lag", OutboxCheck, "component", modules=BACKGROUND_MODULES))
    if getattr(settings, "CHANNEL_LAYERS", None):
        components.append(Component("channels:responseTime", ChannelLayerCheck, "component", modules=REALTIME_MODULES))
    return components


def _outbox_installed() -> bool:
    try:
        import apps.resilience.models
    except ImportError:
        return False
    return hasattr(apps.resilience.models, "OutboxMessage")


@dataclasses.dataclass
class ModuleCheck(HealthCheck):
    """Run a registered module's own health check, then its switches.

    A module switched off for maintenance, or with an injected fault, warns: operators
    did that on purpose, and the status should show it rather than hide it.
    """

    name: str
    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=1), repr=False)

    def run(self):
        from apps.modules.registry import get_module

        result = get_module(self.name).check_health()
        if result.status == "fail":
            raise ServiceUnavailable(result.detail or f"Module {self.name} reports a failure")
        notes = [result.detail] if result.status == "warn" and result.detail else []
        switched_off = _switched_off(self.name)
        already_said = any(MAINTENANCE_NOTE in note.lower() for note in notes)
        if switched_off is not None and not already_said:
            notes.append(f"Switched off for maintenance: {switched_off.reason or 'no reason given'}")
        notes.extend(f"Fault injected on {rule.target}: {rule.spec}" for rule in _module_faults(self.name))
        if result.status == "warn" or notes:
            raise ServiceWarning("; ".join(notes) or f"Module {self.name} reports a warning")


def _switched_off(name: str):
    try:
        from apps.modules.maintenance import switched_off
    except ImportError:
        return None
    return switched_off(name)


def _module_faults(name: str) -> list:
    try:
        from apps.modules.faults import active_faults
    except ImportError:
        return []
    return [rule for target, rule in sorted(active_faults().items()) if target.partition(".")[0] == name]


@dataclasses.dataclass
class OutboxCheck(HealthCheck):
    """Report how long the oldest unsent outbox message has waited, and the dead letters."""

    # Seconds of lag that warn: the relay runs after each commit and the beat sweep often,
    # so a minute of lag means the broker or the relay is stuck.
    warn_lag_seconds: float = dataclasses.field(default=60.0, repr=False)

    def run(self):
        from django.db import DatabaseError
        from django.db.models import Count, Min
        from django.utils import timezone

        from apps.resilience.models import DeadLetter, OutboxMessage, OutboxStatus

        waiting = OutboxMessage.objects.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.RELAYING])
        try:
            figures = waiting.aggregate(oldest=Min("created_at"), pending=Count("id"))
            dead = DeadLetter.objects.filter(retried_at__isnull=True).count()
        except DatabaseError as error:
            raise ServiceUnavailable(f"Outbox unreadable: {type(error).__name__}") from error
        oldest = figures["oldest"]
        lag = round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0.0
        details = {"pending": figures["pending"], "dead_letters": dead}
        observation = Observation(lag, "s", details=details)
        if lag >= self.warn_lag_seconds:
            error = ServiceWarning(f"Oldest unsent outbox message has waited {lag:g} s")
        elif dead:
            error = ServiceWarning(f"{dead} dead letter(s) wait for an operator")
        else:
            return observation
        error.observation = observation
        raise error


def registered_modules() -> list:
    """Return the registry's modules, or none while the registry cannot be imported."""
    try:
        from apps.modules.registry import all_modules
    except ImportError:
        return []
    return all_modules()


def module_names() -> list[str]:
    return [module.name for module in registered_modules()]


def module_component(module) -> Component:
    return Component(
        f"{module.name}:status",
        lambda: ModuleCheck(module.name),
        "module",
        critical=bool(getattr(module, "critical", False)),
        modules=(module.name,),
    )


def all_components() -> list[Component]:
    modules = [module_component(module) for module in registered_modules()]
    return dependency_components() + modules + breaker_components()


def components_for_module(name: str) -> list[Component]:
    """Return the module's own check and every dependency check that affects it."""
    own = [module_component(module) for module in registered_modules() if module.name == name]
    if not own:
        raise LookupError(f"No module named {name!r} is registered.")
    shared = dependency_components() + breaker_components()
    return own + [component for component in shared if component.affects(name)]


def critical_components() -> list[Component]:
    return [component for component in all_components() if component.critical]


__all__ = ["ALL_MODULES", "all_components", "components_for_module", "critical_components", "dependency_components"]


def breaker_components() -> list[Component]:
    """Return one check per circuit breaker; filled in by apps.monitoring.breakers."""
    from apps.monitoring.breakers import breaker_components as build

    return build()


def readiness_components() -> list[Component]:
    """Return the critical checks plus the breaker states, which at most warn when not critical."""
    return critical_components() + breaker_components()
