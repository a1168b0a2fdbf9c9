"""Maintenance switches: operators turn a module off without a deploy.

A module that is off returns 503 on its pages (inside the layout) and its API
(problem+json), and its fragments render the maintenance partial. The state lives in
the ModuleState table, so it is shared by every process and survives restarts; reads go
through a one-second snapshot and treat every module as on when the table cannot be read.
"""

import logging
from dataclasses import dataclass

from django.utils import timezone

from apps.modules import registry
from apps.modules.switches import Snapshot

logger = logging.getLogger(__name__)


class MaintenanceError(Exception):
    """The switch cannot be changed as asked (an unknown or a critical module)."""


@dataclass(frozen=True)
class SwitchedOff:
    reason: str
    changed_at: object


def _load() -> dict[str, SwitchedOff]:
    from apps.modules.models import ModuleState

    rows = ModuleState.objects.filter(enabled=False).values_list("module", "reason", "changed_at")
    return {module: SwitchedOff(reason, changed_at) for module, reason, changed_at in rows}


_snapshot: Snapshot[dict[str, SwitchedOff]] = Snapshot("module maintenance switches", _load, dict)


def switched_off(module_name: str) -> SwitchedOff | None:
    """Return why `module_name` is off, or None when it is on (or the state is unreadable)."""
    return _snapshot.get().get(module_name)


def is_enabled(module_name: str) -> bool:
    return switched_off(module_name) is None


def module_switch_off(*, module_name: str, reason: str = "", actor=None) -> None:
    """Switch a module off; raise MaintenanceError for unknown or critical modules."""
    from apps.modules.models import ModuleState

    try:
        module = registry.get_module(module_name)
    except LookupError as error:
        raise MaintenanceError(str(error)) from None
    if module.critical:
        raise MaintenanceError(
            f"Module {module_name!r} is critical and cannot be switched off; the site needs it to serve anything."
        )

    ModuleState.objects.update_or_create(
        module=module_name,
        defaults={"enabled": False, "reason": reason[:200], "changed_by": actor, "changed_at": timezone.now()},
    )
    _snapshot.invalidate()
    logger.warning(
        "Module %s switched off for maintenance: %s",
        module_name,
        reason or "no reason given",
        extra={"module_name": module_name},
    )


def module_switch_on(*, module_name: str, actor=None) -> None:
    """Switch a module back on; raise MaintenanceError for unknown modules."""
    from apps.modules.models import ModuleState

    try:
        registry.get_module(module_name)
    except LookupError as error:
        raise MaintenanceError(str(error)) from None

    ModuleState.objects.update_or_create(
        module=module_name,
        defaults={"enabled": True, "reason": "", "changed_by": actor, "changed_at": timezone.now()},
    )
    _snapshot.invalidate()
    logger.warning("Module %s switched back on", module_name, extra={"module_name": module_name})


def reset_cache() -> None:
    """Drop this process's snapshot so the next read goes to the database."""
    _snapshot.invalidate()
