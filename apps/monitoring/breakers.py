"""Circuit breaker states as health checks, read from apps.resilience.breakers.

A closed breaker passes. An open one fails when the dependency behind it is critical (a
critical module) and warns otherwise, so /health/ready stays ready while, for example,
the SMS provider is cut off. The names come from settings and the module registry, never
from the shared store, so listing them costs the request thread nothing.
"""

import dataclasses
import datetime

from django.conf import settings
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from apps.monitoring.checks import Observation, observed
from apps.monitoring.health import ALL_MODULES, Component

OPEN_STATES = frozenset({"open", "forced_open"})
CLOSED_STATES = frozenset({"closed", "forced_closed"})


def breaker_module(name: str) -> str | None:
    """Return the module a breaker guards ("module:payments" -> "payments"), or None."""
    prefix, _, rest = name.partition(":")
    return rest if prefix == "module" and rest else None


def breaker_key(name: str) -> str:
    return f"{name.replace(':', '.')}:breaker"


def breaker_names() -> list[str]:
    try:
        import apps.resilience.breakers  # noqa: F401
    except ImportError:
        return []
    from apps.monitoring.components import registered_modules

    names = {name for name in getattr(settings, "RESILIENCE_BREAKERS", {}) if not name.endswith(":*")}
    names.update(f"module:{module.name}" for module in registered_modules())
    return sorted(names)


def _critical_modules() -> set[str]:
    from apps.monitoring.components import registered_modules

    return {module.name for module in registered_modules() if getattr(module, "critical", False)}


@dataclasses.dataclass
class BreakerCheck(HealthCheck):
    name: str
    critical: bool = False
    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=1), repr=False)

    def run(self):
        state, detail = self.describe()
        if state in OPEN_STATES:
            error = ServiceUnavailable(detail) if self.critical else ServiceWarning(detail)
            raise observed(error, state)
        if state not in CLOSED_STATES:
            raise observed(ServiceWarning(detail), state)
        return Observation(state)

    def describe(self) -> tuple[str, str]:
        module = breaker_module(self.name)
        if module is not None:
            # Module breakers belong to the module layer; its setting decides whether their
            # state is shared by all processes or kept per process.
            from apps.modules.breaker import get_breaker

            state = get_breaker(module).state
            return state, f"Breaker {self.name} is {state}"

        from apps.resilience.breakers import breaker

        described = breaker(self.name).describe()
        state = described["state"]
        detail = f"Breaker {self.name} is {state}"
        if described.get("opened_at"):
            detail += f" since {described['opened_at'].isoformat()}"
        if described.get("reason"):
            detail += f": {described['reason']}"
        return state, detail


def breaker_components() -> list[Component]:
    critical_modules = _critical_modules()
    components = []
    for name in breaker_names():
        module = breaker_module(name)
        critical = module in critical_modules
        components.append(
            Component(
                breaker_key(name),
                lambda name=name, critical=critical: BreakerCheck(name, critical),
                "component",
                critical=critical,
                modules=(module,) if module else (ALL_MODULES,),
            )
        )
    return components
