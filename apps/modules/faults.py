"""Fault injection: make a module or an outside dependency fail on demand.

Operators and tests set a rule per target with `manage.py faults set <target> <mode>` or
the admin; code that talks to a dependency calls inject(target) (or `await
ainject(target)`) just before the real call, and the rule decides what happens:

    raise          raise InjectedFault
    slow=<ms>      sleep that long first
    hang           sleep until the current deadline (at most KELMAH_FAULT_HANG_MAX_S),
                   then raise InjectedTimeout, the way a deadline-aware call to a hung
                   server times out
    fail-rate=<p>  raise InjectedFault on a share p (0..1) of calls

Targets are a module name (its views and fragments), `<module>.views`,
`<module>.fragments`, `<module>.db` (each database query the module's views and
fragments run), and the outside dependencies in DEPENDENCY_TARGETS. Rules live in the
FaultRule table, so every process sees them; injection is off unless
KELMAH_ALLOW_FAULT_INJECTION is true, and production leaves it false.
"""

import asyncio
import contextvars
import logging
import random
import time
from dataclasses import dataclass

from asgiref.sync import sync_to_async

from apps.modules import budget, registry
from apps.modules.conf import setting
from apps.modules.switches import Snapshot

logger = logging.getLogger(__name__)

MODULE_SCOPES = ("views", "fragments", "db")

DEPENDENCY_TARGETS: dict[str, str] = {
    "cache": "the shared cache (Redis in production)",
    "broker": "the Celery message broker",
    "provider:paystack": "the Paystack payment provider",
    "provider:momo": "the mobile-money payment provider",
    "sms": "the SMS gateway",
    "email": "outgoing email",
    "redis": "the Redis server itself (cache, broker and channel layer)",
}

# Tests seed this to make fail-rate rules repeatable.
rng = random.Random()

# The module whose view or fragment is running, for the per-query "<module>.db" target.
current_module: contextvars.ContextVar[str | None] = contextvars.ContextVar("kelmah_current_module", default=None)


class InjectedFault(ConnectionError):
    """Raised by an injected fault; a ConnectionError so breakers count it as a real failure."""

    def __init__(self, target: str, message: str = ""):
        super().__init__(message or f"Injected fault on {target}")
        self.target = target


class InjectedTimeout(InjectedFault, TimeoutError):
    """An injected slow or hung call that ran into the current deadline."""


class FaultInjectionDisabled(Exception):
    """Fault injection is not allowed by the settings (production)."""


class InvalidFault(ValueError):
    """The target or the mode of a fault is not valid."""


@dataclass(frozen=True)
class Rule:
    target: str
    mode: str
    amount: float | None

    @property
    def spec(self) -> str:
        if self.mode == "slow":
            return f"slow={int(self.amount or 0)}"
        if self.mode == "fail-rate":
            return f"fail-rate={self.amount:g}"
        return self.mode


def injection_allowed() -> bool:
    return bool(setting("KELMAH_ALLOW_FAULT_INJECTION"))


def register_target(name: str, description: str) -> None:
    """Declare another outside dependency that inject() is called for."""
    DEPENDENCY_TARGETS[name] = description


def known_targets() -> dict[str, str]:
    """Return every valid target with a one-line description."""
    targets = dict(DEPENDENCY_TARGETS)
    for module in registry.all_modules():
        targets[module.name] = f"views and fragments of the {module.name} module"
        targets[f"{module.name}.views"] = f"views of the {module.name} module"
        targets[f"{module.name}.fragments"] = f"fragments of the {module.name} module"
        targets[f"{module.name}.db"] = f"each database query of the {module.name} module"
    return targets


def parse_mode(spec: str) -> tuple[str, float | None]:
    """Parse `raise`, `hang`, `slow=<ms>` or `fail-rate=<0..1>`; raise InvalidFault otherwise."""
    name, _, value = spec.strip().partition("=")
    if name in ("raise", "hang"):
        if value:
            raise InvalidFault(f"Mode {name!r} takes no value; write just {name!r}.")
        return name, None
    if name not in ("slow", "fail-rate"):
        raise InvalidFault(f"Unknown fault mode {spec!r}; use raise, hang, slow=<ms> or fail-rate=<0..1>.")
    try:
        amount = float(value)
    except ValueError:
        raise InvalidFault(f"Mode {name!r} needs a number, as in {name}=250, not {value!r}.") from None
    if name == "slow" and not 0 < amount <= 600_000:
        raise InvalidFault(f"slow needs a delay between 1 and 600000 ms, not {value!r}.")
    if name == "fail-rate" and not 0 <= amount <= 1:
        raise InvalidFault(f"fail-rate needs a probability between 0 and 1, not {value!r}.")
    return name, amount


def _load() -> dict[str, Rule]:
    from apps.modules.models import FaultRule

    return {
        target: Rule(target, mode, amount)
        for target, mode, amount in FaultRule.objects.values_list("target", "mode", "amount")
    }


_snapshot: Snapshot[dict[str, Rule]] = Snapshot("injected faults", _load, dict)


def active_faults() -> dict[str, Rule]:
    """Return the rules in force in this process (empty when injection is not allowed)."""
    if not injection_allowed():
        return {}
    return _snapshot.get()


def fault_set(*, target: str, spec: str, actor=None) -> Rule:
    """Store a fault rule for `target`, replacing any earlier one."""
    from apps.modules.models import FaultRule

    if not injection_allowed():
        raise FaultInjectionDisabled(
            "Fault injection is disabled by the settings; set KELMAH_ALLOW_FAULT_INJECTION=true to allow it."
        )
    if target not in known_targets():
        raise InvalidFault(f"Unknown fault target {target!r}; `manage.py faults list` shows the valid targets.")
    mode, amount = parse_mode(spec)

    FaultRule.objects.update_or_create(target=target, defaults={"mode": mode, "amount": amount, "created_by": actor})
    _snapshot.invalidate()
    logger.warning("Fault injected on %s: %s", target, spec, extra={"fault_target": target})
    return Rule(target, mode, amount)


def fault_clear(*, target: str | None = None) -> int:
    """Remove the rule for `target`, or every rule when target is None; return how many went."""
    from apps.modules.models import FaultRule

    rules = FaultRule.objects.all() if target is None else FaultRule.objects.filter(target=target)
    deleted, _ = rules.delete()
    _snapshot.invalidate()
    if deleted:
        logger.warning("Cleared %d injected fault(s) on %s", deleted, target or "every target")
    return deleted


def reset_cache() -> None:
    _snapshot.invalidate()


def _decide(rule: Rule) -> tuple[str, float]:
    """Return what to do for one call: ("raise", 0), ("sleep", seconds) or ("pass", 0)."""
    if rule.mode == "raise":
        return "raise", 0.0
    if rule.mode == "fail-rate":
        return ("raise", 0.0) if rng.random() < (rule.amount or 0.0) else ("pass", 0.0)
    if rule.mode == "slow":
        return "sleep", (rule.amount or 0.0) / 1000
    return "hang", float(setting("KELMAH_FAULT_HANG_MAX_S"))


def _rules_for(target: str) -> list[Rule]:
    rules = active_faults()
    if not rules:
        return []
    found = []
    if target in rules:
        found.append(rules[target])
    # "<module>" covers the module's views and fragments.
    base, dot, scope = target.partition(".")
    if dot and scope in ("views", "fragments") and base in rules:
        found.append(rules[base])
    return found


def inject(target: str) -> None:
    """Apply the fault rule for `target`, if any: raise InjectedFault, or sleep, or return at once."""
    for rule in _rules_for(target):
        action, seconds = _decide(rule)
        if action == "raise":
            raise InjectedFault(target)
        if action in ("sleep", "hang"):
            _sleep_within_deadline(rule, seconds)


async def ainject(target: str) -> None:
    """Apply the same rules as inject() from async code, sleeping with asyncio.sleep."""
    if not injection_allowed():
        return
    if not _snapshot.is_fresh():
        await sync_to_async(_snapshot.get)()
    for rule in _rules_for(target):
        action, seconds = _decide(rule)
        if action == "raise":
            raise InjectedFault(target)
        if action in ("sleep", "hang"):
            granted = budget.cap_timeout(seconds)
            await asyncio.sleep(granted)
            if rule.mode == "hang" or granted < seconds:
                raise InjectedTimeout(target, f"Injected {rule.spec} on {target} ran into the deadline")


def _sleep_within_deadline(rule: Rule, seconds: float) -> None:
    """Sleep `seconds`, capped by the current deadline; raise InjectedTimeout when capped.

    A hang wakes up every 0.2 s to see whether an operator cleared the rule, so clearing
    it frees requests that are already stuck.
    """
    granted = budget.cap_timeout(seconds)
    end = time.monotonic() + granted
    while (left := end - time.monotonic()) > 0:
        time.sleep(min(left, 0.2))
        if rule.mode == "hang" and rule.target not in active_faults():
            return
    if rule.mode == "hang" or granted < seconds:
        raise InjectedTimeout(rule.target, f"Injected {rule.spec} on {rule.target} ran into the deadline")


# True while query_fault_wrapper is installed on this context's connection, so a fragment
# inside a view does not stack a second wrapper (which would apply each rule twice).
_wrapper_installed: contextvars.ContextVar[bool] = contextvars.ContextVar("kelmah_query_faults", default=False)


class query_faults:
    """Install query_fault_wrapper on `connection` while any "<module>.db" rule is in force."""

    def __init__(self, connection):
        self.connection = connection
        self.wrapper = None
        self.token = None

    def __enter__(self):
        if not _wrapper_installed.get() and db_fault_active():
            self.wrapper = self.connection.execute_wrapper(query_fault_wrapper)
            self.wrapper.__enter__()
            self.token = _wrapper_installed.set(True)
        return self

    def __exit__(self, *exc_info):
        if self.wrapper is not None:
            _wrapper_installed.reset(self.token)
            self.wrapper.__exit__(*exc_info)
        return False


def query_fault_wrapper(execute, sql, params, many, context):
    """Apply the "<module>.db" rule of the running module before each query (a connection.execute_wrapper)."""
    module_name = current_module.get()
    if module_name is not None and not _loading_switches():
        inject(f"{module_name}.db")
    return execute(sql, params, many, context)


def _loading_switches() -> bool:
    from apps.modules.switches import _loading

    return _loading.get()


def db_fault_active(module_name: str | None = None) -> bool:
    """Return True when a "<module>.db" rule is in force (for any module when None)."""
    rules = active_faults()
    if not rules:
        return False
    if module_name is not None:
        return f"{module_name}.db" in rules
    return any(target.endswith(".db") for target in rules)
