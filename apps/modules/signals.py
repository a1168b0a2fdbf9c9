"""Signals the module layer sends so monitoring can record per-module figures.

Both are sent with send_robust, so a failing receiver never breaks a page; the sender is
the Module object and `module` is its name.

module_request_finished(module, view, latency_ms, status, error)
    After every request a module's view handled (or failed to). `view` is the view's
    dotted path, `status` the response status code, `error` the exception the view
    raised (None when it returned normally).

fragment_rendered(module, fragment, latency_ms, outcome)
    After every fragment render. `outcome` is one of FRAGMENT_OUTCOMES: ok, error,
    timeout, breaker_open, maintenance, skipped (not rendered for this user, such as an
    anonymous visitor and a fragment that needs a login).
"""

from django.dispatch import Signal

FRAGMENT_OUTCOMES = ("ok", "error", "timeout", "breaker_open", "maintenance", "skipped")

module_request_finished = Signal()
fragment_rendered = Signal()
