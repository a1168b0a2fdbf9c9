"""Signals sent by the resilience layer.

breaker_state_changed(sender, name, old, new, reason, opened_at)
    Sent by the process that made a breaker transition, after the shared store accepted
    it. `old` and `new` are state names from apps.resilience.breakers (closed, open,
    half_open, forced_open, forced_closed); `opened_at` is an aware datetime, or None
    when the breaker is closed. Receivers must not raise: a failing receiver is logged
    and ignored, so monitoring can never break the call being protected.
"""

from django.dispatch import Signal

breaker_state_changed = Signal()
