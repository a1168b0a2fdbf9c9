"""The dispatching middleware: each request is handled as part of the module that owns its view.

For every request whose view belongs to a module it
- returns 503 at once when the module is switched off (maintenance);
- applies injected faults for the module's views and database queries;
- sets the view's deadline (KELMAH_VIEW_BUDGET_MS) for deadline-aware calls;
- routes an exception the view raised to the module's error handler, which returns the
  degraded page inside the layout (HTML) or problem+json (API), both 503 with
  Retry-After; if that handler fails, a default one responds, and if that fails too, a
  static page or a fixed problem+json does;
- logs each failure once (identical tracebacks are rate-limited) and sends
  module_request_finished for monitoring.

Place it last in MIDDLEWARE: process_exception then runs before any other middleware's,
and request.user and messages are already set up for the degraded page.
"""

import json
import logging
import time

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string

from apps.common.api.errors import error_body
from apps.common.errors import DomainError
from apps.modules import budget, faults, maintenance, registry, responses
from apps.modules.conf import setting
from apps.modules.registry import Module
from apps.modules.signals import module_request_finished

logger = logging.getLogger(__name__)

# Exceptions that Django already turns into the right 4xx response; they are the
# client's doing, not a failure of the module.
CLIENT_ERRORS = (Http404, PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)


class ModuleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        request.kelmah_module = None
        request.kelmah_error = None
        with (
            budget.deadline(int(setting("KELMAH_VIEW_BUDGET_MS")) / 1000),
            faults.query_faults(connections[DEFAULT_DB_ALIAS]),
        ):
            try:
                response = self.get_response(request)
            finally:
                # Set, not reset with a token: under ASGI each middleware hook may run
                # in a different context, where the token would be rejected.
                faults.current_module.set(None)

        module = request.kelmah_module
        if module is not None:
            module_request_finished.send_robust(
                sender=module,
                module=module.name,
                view=getattr(request.resolver_match, "_func_path", ""),
                latency_ms=(time.monotonic() - started) * 1000,
                status=response.status_code,
                error=request.kelmah_error,
            )
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        module = registry.module_for_match(request.resolver_match, request.path_info)
        request.kelmah_module = module
        if module is None:
            return None
        faults.current_module.set(module.name)

        switched_off = maintenance.switched_off(module.name)
        if switched_off is not None:
            return responses.maintenance_response(request, module, switched_off.reason)

        try:
            faults.inject(f"{module.name}.views")
        except faults.InjectedFault as error:
            # process_view runs outside Django's view exception handling, so the fault
            # is dispatched here the way process_exception would dispatch it.
            return self.process_exception(request, error)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        try:
            return self._handle_exception(request, exception)
        except Exception:
            # Last resort, so an API client never gets Django's HTML error page.
            logger.exception("The module layer failed while handling %r", exception)
            if responses.is_api_request(request):
                return responses.bare_problem_response(503)
            return responses.static_error_response(503, int(setting("KELMAH_RETRY_AFTER_S")))

    def _handle_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        module: Module | None = getattr(request, "kelmah_module", None)
        if isinstance(exception, CLIENT_ERRORS):
            return None
        if module is None:
            return self._unowned_failure(request, exception)
        if isinstance(exception, DomainError):
            return domain_error_response(request, exception)

        request.kelmah_error = exception
        responses.error_log.log(
            logger,
            "View %s of module %s failed (%s); returned 503",
            _view_name(request),
            module.name,
            type(exception).__name__,
            error=exception,
            key=("view", module.name, _view_name(request)),
            extra={
                "module_name": module.name,
                "view": _view_name(request),
                "request_id": responses.request_id(request),
            },
        )
        return dispatch_to_handler(request, exception, module)

    def _unowned_failure(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Keep API clients on problem+json even for views no module owns (with DEBUG on too)."""
        if not responses.is_api_request(request):
            return None
        responses.error_log.log(
            logger,
            "View %s failed (%s); returned 500",
            _view_name(request),
            type(exception).__name__,
            error=exception,
            key=("view", "-", _view_name(request)),
            extra={"view": _view_name(request), "request_id": responses.request_id(request)},
        )
        return responses.bare_problem_response(500)


def dispatch_to_handler(request: HttpRequest, exception: Exception, module: Module) -> HttpResponse:
    """Return the module's own error response, falling back to the default and then to static ones."""
    if module.error_handler is not None:
        try:
            response = module.error_handler(request, exception, module)
        except Exception as error:
            logger.exception(
                "Error handler of module %s raised %r; using the default handler",
                module.name,
                error,
                extra={"module_name": module.name},
            )
        else:
            if response is not None:
                return response
    try:
        return responses.unavailable_response(request, module)
    except Exception:
        logger.exception(
            "The default error handler failed for module %s", module.name, extra={"module_name": module.name}
        )
        if responses.is_api_request(request):
            return responses.bare_problem_response()
        return responses.static_error_response(503, int(setting("KELMAH_RETRY_AFTER_S")))


def domain_error_response(request: HttpRequest, error: DomainError) -> HttpResponse:
    """Respond to a DomainError a view let escape with its own status, in the API's or the site's format."""
    status = int(error.status)
    if responses.is_api_request(request):
        return HttpResponse(
            json.dumps(error_body(error.code, error.message)), status=status, content_type="application/json"
        )
    html = render_to_string("modules/domain_error.html", {"error": error, "status": status}, request=request)
    return HttpResponse(html, status=status)


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return getattr(match, "_func_path", "") or request.path_info
