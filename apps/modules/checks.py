"""System checks: bad module-layer settings stop the process at start-up."""

from django.core import checks
from django.utils.module_loading import import_string

from apps.modules.conf import DEFAULTS, setting

POSITIVE_NUMBERS = (
    "KELMAH_FRAGMENT_BUDGET_MS",
    "KELMAH_VIEW_BUDGET_MS",
    "KELMAH_MODULE_BREAKER_FAILURES",
    "KELMAH_MODULE_BREAKER_COOLDOWN_S",
    "KELMAH_SWITCH_CACHE_TTL_S",
    "KELMAH_RETRY_AFTER_S",
    "KELMAH_MAINTENANCE_RETRY_AFTER_S",
    "KELMAH_FAULT_HANG_MAX_S",
    "KELMAH_ERROR_LOG_WINDOW_S",
)


def check_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    for name in POSITIVE_NUMBERS:
        value = setting(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            errors.append(
                checks.Error(
                    f"{name}={value!r} must be a positive number (default {DEFAULTS[name]!r}).", id="modules.E001"
                )
            )
    if setting("KELMAH_FRAGMENT_BUDGET_MS") > setting("KELMAH_VIEW_BUDGET_MS"):
        errors.append(
            checks.Error("KELMAH_FRAGMENT_BUDGET_MS must not exceed KELMAH_VIEW_BUDGET_MS.", id="modules.E002")
        )
    try:
        import_string(setting("KELMAH_MODULE_BREAKER_CLASS"))
    except ImportError as error:
        errors.append(checks.Error(f"KELMAH_MODULE_BREAKER_CLASS cannot be imported: {error}", id="modules.E003"))
    return errors


def check_middleware(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from django.conf import settings

    name = "apps.modules.middleware.ModuleMiddleware"
    if name not in settings.MIDDLEWARE:
        return [checks.Warning(f"{name} is not in MIDDLEWARE; module errors will not be contained.", id="modules.W001")]
    if settings.MIDDLEWARE[-1] != name:
        return [checks.Warning(f"{name} should be last in MIDDLEWARE so it sees view errors first.", id="modules.W002")]
    return []


def register_checks() -> None:
    checks.register(check_settings)
    checks.register(check_middleware)
