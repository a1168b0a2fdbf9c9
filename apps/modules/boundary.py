"""Fragment boundaries: render another module's piece of UI without risking the page.

render_fragment() runs a fragment
- inside a database savepoint, so a failed query rolls back to the savepoint and the
  page's own transaction stays usable;
- within a time budget: on PostgreSQL through `SET LOCAL statement_timeout` inside the
  savepoint, for everything else through a deadline (apps.modules.budget) that
  deadline-aware calls respect, and an elapsed-time check that throws the result away
  (rolling its writes back) when the fragment overran;
- behind the module's breaker and maintenance switch.

On an error, a timeout, an open breaker or maintenance it returns the module's degraded
or maintenance partial instead, so the page still returns 200. Every render sends
fragment_rendered with its outcome.

The fragment runs in the request's own thread, on the request's own database connection:
a worker thread would need its own connection, outside the page's transaction and
unable to see the page's uncommitted rows. The price is that pure-Python code stuck in a
loop cannot be interrupted; it is detected when it returns, and its output is discarded.
"""

import contextvars
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from apps.modules import budget, faults, maintenance, registry
from apps.modules.breaker import get_breaker
from apps.modules.conf import setting
from apps.modules.registry import Fragment
from apps.modules.responses import error_log
from apps.modules.signals import fragment_rendered

logger = logging.getLogger(__name__)

# PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout.
QUERY_CANCELED = "57014"

# Monotonic deadline of the statement_timeout an enclosing fragment set, so a nested
# fragment restores that limit instead of the server default.
_enclosing_limit: contextvars.ContextVar[float | None] = contextvars.ContextVar("kelmah_statement_limit", default=None)


class FragmentOverrun(TimeoutError):
    """The fragment finished, but after its budget; its output is discarded."""


@dataclass
class FragmentResult:
    html: SafeString
    outcome: str
    latency_ms: float


def render_fragment(request: HttpRequest, module_name: str, fragment_name: str, /, **kwargs) -> SafeString:
    """Render a registered fragment through its boundary and return the HTML.

    Raises LookupError when the module or the fragment is not registered; every failure
    of the fragment itself is turned into its degraded partial.
    """
    fragment = registry.get_fragment(module_name, fragment_name)
    return run_fragment(request, fragment, kwargs).html


def run_fragment(request: HttpRequest, fragment: Fragment, kwargs: dict) -> FragmentResult:
    """Render `fragment` and report the outcome; see the module docstring."""
    started = time.monotonic()
    try:
        html, outcome = _render_guarded(request, fragment, kwargs)
    except Exception as error:
        # The checks before the boundary failed (loading the user with the database
        # down, a broken breaker store); the page still gets the degraded partial.
        _log_failure(request, fragment, error, "error")
        html, outcome = placeholder(fragment, "degraded", state="error"), "error"
    latency_ms = (time.monotonic() - started) * 1000
    fragment_rendered.send_robust(
        sender=fragment.module,
        module=fragment.module.name,
        fragment=fragment.name,
        latency_ms=latency_ms,
        outcome=outcome,
    )
    return FragmentResult(html, outcome, latency_ms)


def _render_guarded(request: HttpRequest, fragment: Fragment, kwargs: dict) -> tuple[SafeString, str]:
    user = getattr(request, "user", None)
    if fragment.login_required and not (user and user.is_authenticated):
        return SafeString(""), "skipped"
    if fragment.staff_required and not (user and user.is_staff):
        return SafeString(""), "skipped"

    switched_off = maintenance.switched_off(fragment.module.name)
    if switched_off is not None:
        return placeholder(fragment, "maintenance", reason=switched_off.reason), "maintenance"

    # A module that already timed out on this page gets no second budget: one hung
    # module costs the page one fragment budget, however many fragments it has there.
    timed_out = _timed_out_modules(request)
    if fragment.module.name in timed_out:
        return placeholder(fragment, "degraded", state="timeout"), "timeout"

    remaining = budget.remaining_seconds()
    if remaining is not None and remaining <= 0:
        # The page ran out of time before this fragment started; that is not the
        # module's failure, so its breaker is left alone.
        return placeholder(fragment, "degraded", state="timeout"), "timeout"

    breaker = get_breaker(fragment.module.name)
    if not breaker.allow():
        return placeholder(fragment, "degraded", state="breaker_open"), "breaker_open"

    try:
        html = _render_in_boundary(request, fragment, kwargs)
    except (Http404, PermissionDenied):
        # The fragment decided this user may not see it; that is not a module failure.
        breaker.record_success()
        return SafeString(""), "skipped"
    except Exception as error:
        outcome = "timeout" if _is_timeout(error) else "error"
        if outcome == "timeout":
            timed_out.add(fragment.module.name)
        breaker.record_failure()
        _log_failure(request, fragment, error, outcome)
        return placeholder(fragment, "degraded", state=outcome), outcome

    breaker.record_success()
    return html, "ok"


def _timed_out_modules(request: HttpRequest) -> set[str]:
    modules = getattr(request, "_kelmah_timed_out_modules", None)
    if modules is None:
        modules = set()
        request._kelmah_timed_out_modules = modules
    return modules


def _render_in_boundary(request: HttpRequest, fragment: Fragment, kwargs: dict) -> SafeString:
    budget_ms = fragment.budget_ms or int(setting("KELMAH_FRAGMENT_BUDGET_MS"))
    connection = connections[DEFAULT_DB_ALIAS]
    with budget.deadline(budget_ms / 1000) as granted:
        if granted <= 0:
            raise FragmentOverrun(f"no time left for fragment {fragment.key}")
        started = time.monotonic()
        faults.inject(f"{fragment.module.name}.fragments")
        # The savepoint and the statement timeout are set outside the fragment's module context, so an
        # injected "<module>.db" fault hits the fragment's own queries, not the boundary's
        # bookkeeping around them.
        with transaction.atomic(savepoint=True):
            limit_token = _limit_statements(connection, granted)
            module_token = faults.current_module.set(fragment.module.name)
            try:
                with faults.query_faults(connection):
                    try:
                        html = _call(request, fragment, kwargs)
                        if time.monotonic() - started > granted:
                            raise FragmentOverrun(f"{fragment.key} took longer than its {granted * 1000:.0f} ms budget")
                    finally:
                        if limit_token is not None:
                            _enclosing_limit.reset(limit_token)
            finally:
                faults.current_module.reset(module_token)
            if limit_token is not None:
                _restore_statement_timeout(connection)
        return html


def _call(request: HttpRequest, fragment: Fragment, kwargs: dict) -> SafeString:
    result = fragment.render(request, **kwargs)
    if isinstance(result, tuple):
        template_name, context = result
        return mark_safe(render_to_string(template_name, context, request=request))  # noqa: S308 - template output
    return conditional_escape(result)


def _limit_statements(connection, seconds: float) -> contextvars.Token | None:
    """On PostgreSQL, cap every statement of this savepoint at the remaining budget.

    Return a token when the caller must restore the previous limit before releasing the
    savepoint: SET LOCAL outlives a released savepoint until the outer transaction ends,
    so a page in ATOMIC_REQUESTS would otherwise keep the fragment's short limit. The
    atomic block opened a savepoint only when an outer transaction exists; without one
    it commits, and the limit ends with it.
    """
    if connection.vendor != "postgresql":
        return None
    milliseconds = max(1, int(seconds * 1000))
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{milliseconds}ms"])
    if not connection.savepoint_ids:
        return None
    return _enclosing_limit.set(time.monotonic() + seconds)


def _restore_statement_timeout(connection) -> None:
    enclosing = _enclosing_limit.get()
    with connection.cursor() as cursor:
        if enclosing is None:
            cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
        else:
            milliseconds = max(1, int((enclosing - time.monotonic()) * 1000))
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{milliseconds}ms"])


def _is_timeout(error: BaseException) -> bool:
    if isinstance(error, TimeoutError):
        return True
    if isinstance(error, DatabaseError):
        cause = error.__cause__
        return getattr(cause, "sqlstate", None) == QUERY_CANCELED or getattr(cause, "pgcode", None) == QUERY_CANCELED
    return False


def _log_failure(request: HttpRequest, fragment: Fragment, error: BaseException, outcome: str) -> None:
    error_log.log(
        logger,
        "Fragment %s failed (%s: %s); rendered its degraded partial",
        fragment.key,
        outcome,
        type(error).__name__,
        error=error,
        key=("fragment", fragment.key),
        extra={
            "module_name": fragment.module.name,
            "fragment": fragment.name,
            "outcome": outcome,
            "request_id": getattr(request, "request_id", "-"),
        },
    )


def placeholder(fragment: Fragment, kind: str, *, state: str = "", reason: str = "") -> SafeString:
    """Render the fragment's degraded or maintenance partial, falling back to fixed HTML if that template fails."""
    template_name = fragment.maintenance if kind == "maintenance" else fragment.degraded
    context = {
        "module": fragment.module,
        "fragment": fragment,
        "state": state or kind,
        "reason": reason,
        "retry_url": fragment_url(fragment, {}) if fragment.lazy and not fragment.params else "",
    }
    try:
        return mark_safe(render_to_string(template_name, context))  # noqa: S308 - template output
    except Exception as error:
        logger.error(
            "Could not render %s partial %s of fragment %s: %r",
            kind,
            template_name,
            fragment.key,
            error,
            extra={"module_name": fragment.module.name, "fragment": fragment.name},
        )
        return format_html('<div class="degraded" role="status">{}</div>', "Temporarily unavailable.")


def fragment_url(fragment: Fragment, kwargs: dict) -> str:
    """Return the /fragments/ URL that serves `fragment` with `kwargs` as query parameters."""
    url = reverse("modules:fragment", kwargs={"module_name": fragment.module.name, "fragment_name": fragment.name})
    if kwargs:
        url += "?" + urlencode({key: str(value) for key, value in kwargs.items()})
    return url
