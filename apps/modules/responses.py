"""Responses for a failing or switched-off module, and rate-limited error logging.

HTML requests get the module's degraded (or maintenance) partial inside the normal
layout; API requests get application/problem+json (RFC 9457). When the layout itself
cannot render (the database or a template is broken), the self-contained 503.html is
served as it is on disk, so the reply never depends on the part that failed.
"""

import json
import logging
import threading
import time
import traceback
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from apps.modules.conf import setting
from apps.modules.registry import Module

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_UNAVAILABLE = "https://kelmah.example/problems/module-unavailable"
PROBLEM_MAINTENANCE = "https://kelmah.example/problems/module-maintenance"


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def request_id(request: HttpRequest) -> str:
    return getattr(request, "request_id", "-")


def problem_response(
    request: HttpRequest, *, module: Module, problem_type: str, title: str, detail: str, retry_after: int
) -> HttpResponse:
    """Build an RFC 9457 problem+json 503 naming the module and the request id."""
    body = {
        "type": problem_type,
        "title": title,
        "status": 503,
        "detail": detail,
        "instance": request.path_info,
        "module": module.name,
        "request_id": request_id(request),
    }
    response = HttpResponse(json.dumps(body), status=503, content_type=PROBLEM_CONTENT_TYPE)
    return _finish(response, retry_after)


def unavailable_response(request: HttpRequest, module: Module) -> HttpResponse:
    """Return the response for a view of `module` that raised: degraded page or problem+json."""
    retry_after = int(setting("KELMAH_RETRY_AFTER_S"))
    if is_api_request(request):
        return problem_response(
            request,
            module=module,
            problem_type=PROBLEM_UNAVAILABLE,
            title=_("Service temporarily unavailable"),
            detail=_("%(module)s is temporarily unavailable. Please try again shortly.")
            % {"module": module.verbose_name},
            retry_after=retry_after,
        )
    return layout_response(request, module, module.degraded_template, "degraded", retry_after)


def maintenance_response(request: HttpRequest, module: Module, reason: str = "") -> HttpResponse:
    """Return the response for a request to a module that is switched off."""
    retry_after = int(setting("KELMAH_MAINTENANCE_RETRY_AFTER_S"))
    if is_api_request(request):
        detail = _("%(module)s is down for maintenance.") % {"module": module.verbose_name}
        return problem_response(
            request,
            module=module,
            problem_type=PROBLEM_MAINTENANCE,
            title=_("Down for maintenance"),
            detail=f"{detail} {reason}".strip(),
            retry_after=retry_after,
        )
    return layout_response(request, module, module.maintenance_template, "maintenance", retry_after, reason)


def layout_response(
    request: HttpRequest, module: Module, partial: str, state: str, retry_after: int, reason: str = ""
) -> HttpResponse:
    """Render `partial` inside the layout with status 503, or the static 503 page if that fails."""
    context = {"module": module, "partial": partial, "state": state, "reason": reason}
    try:
        html = render_to_string("modules/module_unavailable.html", context, request=request)
    except Exception as error:
        logger.error(
            "Could not render the %s page of module %s; serving the static 503 page: %r",
            state,
            module.name,
            error,
            extra={"module_name": module.name},
        )
        return static_error_response(503, retry_after)
    return _finish(HttpResponse(html, status=503), retry_after)


def static_error_response(status: int, retry_after: int | None = None) -> HttpResponse:
    """Serve templates/<status>.html byte for byte: no template engine, database or session."""
    path = Path(settings.BASE_DIR) / "templates" / f"{status}.html"
    try:
        html = path.read_text(encoding="utf-8")
    except OSError:
        html = "<!doctype html><title>Kelmah</title><h1>Kelmah is temporarily unavailable</h1>"
    response = HttpResponse(html, status=status)
    response["Cache-Control"] = "no-store"
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    response._has_been_logged = True
    return response


def bare_problem_response(status: int = 503) -> HttpResponse:
    """Build a problem+json without translation or settings, for when everything else failed."""
    title = "Service temporarily unavailable" if status == 503 else "Internal server error"
    body = json.dumps({"type": "about:blank", "title": title, "status": status})
    response = HttpResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    if status == 503:
        response["Retry-After"] = "30"
    response._has_been_logged = True
    return response


def _finish(response: HttpResponse, retry_after: int) -> HttpResponse:
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    # The module layer already logged the cause; Django would add a second
    # "Service Unavailable" line for every 503.
    response._has_been_logged = True
    return response


class ErrorLogLimiter:
    """Log a traceback the first time it is seen in a window, then only count repeats.

    Logging a traceback costs about 65 µs against under 1 µs for catching the exception,
    and a failing module can raise on every request, so identical failures (same module,
    place, exception type and raising line) are logged once per KELMAH_ERROR_LOG_WINDOW_S
    with the number of repeats the previous window swallowed.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._seen: dict[tuple, list] = {}

    def log(self, log: logging.Logger, message: str, *args, error: BaseException, key: tuple, extra: dict) -> None:
        signature = (*key, type(error).__name__, _origin(error))
        now = time.monotonic()
        window = float(setting("KELMAH_ERROR_LOG_WINDOW_S"))
        with self._lock:
            entry = self._seen.get(signature)
            if entry is not None and now - entry[0] < window:
                entry[1] += 1
                return
            suppressed = entry[1] if entry is not None else 0
            self._seen[signature] = [now, 0]
            if len(self._seen) > 1000:
                self._seen.clear()
        if suppressed:
            message += " (%d identical failures were not logged in the previous window)"
            args = (*args, suppressed)
        log.error(message, *args, exc_info=(type(error), error, error.__traceback__), extra=extra)

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()


def _origin(error: BaseException) -> tuple[str, int]:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ("", 0)
    last = frames[-1]
    return (last.filename, last.lineno or 0)


error_log = ErrorLogLimiter()
