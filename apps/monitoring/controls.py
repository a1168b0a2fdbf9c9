"""The dashboard's controls, calling the module layer's maintenance and fault APIs.

Each function returns an error message for the operator, or "" when the change was made.
After a change the affected health checks are run afresh, so the dashboard shows it at
the next refresh instead of after the cached result expires.
"""

import logging

from apps.monitoring.health import runner

logger = logging.getLogger(__name__)


def fault_injection_allowed() -> bool:
    try:
        from apps.modules.faults import injection_allowed
    except ImportError:
        return False
    return injection_allowed()


def active_fault_list() -> list:
    try:
        from apps.modules.faults import active_faults
    except ImportError:
        return []
    return [rule for _, rule in sorted(active_faults().items())]


def maintenance_apply(*, module: str, action: str, reason: str, actor) -> str:
    from apps.modules.maintenance import MaintenanceError, module_switch_off, module_switch_on

    try:
        if action == "off":
            module_switch_off(module_name=module, reason=reason, actor=actor)
        else:
            module_switch_on(module_name=module, actor=actor)
    except MaintenanceError as error:
        return str(error)
    runner.forget(f"{module}:status")
    return ""


def fault_apply(*, target: str, spec: str, actor) -> str:
    from apps.modules.faults import FaultInjectionDisabled, InvalidFault, fault_set

    try:
        fault_set(target=target, spec=spec, actor=actor)
    except (FaultInjectionDisabled, InvalidFault) as error:
        return str(error)
    runner.forget_all()
    return ""


def fault_remove(*, target: str | None) -> int:
    from apps.modules.faults import fault_clear

    cleared = fault_clear(target=target)
    runner.forget_all()
    return cleared
