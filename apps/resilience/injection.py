"""Call the operators' fault injection hook when the modules app provides one.

apps.modules.faults.inject(name) raises or sleeps when an operator or a test has injected
a fault for `name` ("cache", "redis", "provider:paystack", ...). The import is guarded so
the resilience layer works on its own.
"""

import logging

logger = logging.getLogger(__name__)

_UNSET = object()
_hook = _UNSET


def inject(name: str) -> None:
    """Run the injected fault for `name`, if any: raise its error or sleep its delay."""
    global _hook
    if _hook is _UNSET:
        try:
            from apps.modules.faults import inject as hook
        except ImportError:
            hook = None
        _hook = hook
    if _hook is not None:
        _hook(name)
