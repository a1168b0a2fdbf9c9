"""Settings of the module layer, with their defaults.

Each value can be overridden in the Django settings under the same name. The defaults
are sized for a phone on patchy mobile data: a page should finish within a couple of
seconds, so a side panel gets well under a second before it is replaced by its degraded
partial.
"""

from django.conf import settings

DEFAULTS: dict[str, object] = {
    # Wall-clock budget of one fragment, including its queries and template. A side panel
    # that takes longer than this costs the whole page more than its content is worth.
    "KELMAH_FRAGMENT_BUDGET_MS": 800,
    # Budget of a whole view. Injected hangs and deadline-aware dependency calls give up
    # here; 8 s is below the 10 s after which phone browsers on 3G commonly show an error.
    "KELMAH_VIEW_BUDGET_MS": 8000,
    # Consecutive fragment failures that open a module's breaker.
    "KELMAH_MODULE_BREAKER_FAILURES": 5,
    # Seconds an open module breaker skips the module's fragments before one probe runs.
    "KELMAH_MODULE_BREAKER_COOLDOWN_S": 30,
    # Dotted path of the per-module breaker class (see apps.modules.breaker). The shared
    # breaker keeps its state in the resilience layer's store, so every process skips a
    # failing module together; apps.modules.breaker.LocalBreaker keeps it per process.
    "KELMAH_MODULE_BREAKER_CLASS": "apps.resilience.breakers.SharedModuleBreaker",
    # Seconds a process trusts its copy of the maintenance switches and fault rules. One
    # second keeps operators' changes visible almost at once at one query per second.
    "KELMAH_SWITCH_CACHE_TTL_S": 1.0,
    # Retry-After sent with a 503 from a failing module, in seconds.
    "KELMAH_RETRY_AFTER_S": 30,
    # Retry-After sent with a 503 from a module switched off for maintenance, in seconds.
    "KELMAH_MAINTENANCE_RETRY_AFTER_S": 300,
    # Fault injection is refused unless this is true (embedded and test settings set it).
    "KELMAH_ALLOW_FAULT_INJECTION": False,
    # Upper bound of an injected hang, in seconds, so a forgotten fault cannot pin a
    # worker forever.
    "KELMAH_FAULT_HANG_MAX_S": 60,
    # Window in seconds within which an identical traceback is logged only once.
    "KELMAH_ERROR_LOG_WINDOW_S": 60,
}


def setting(name: str):
    """Return the Django setting `name`, or its default from DEFAULTS."""
    return getattr(settings, name, DEFAULTS[name])
