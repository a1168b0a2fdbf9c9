"""Health endpoints: /health/, /health/<module>/, /health/live and /health/ready.

Every answer is application/health+json, status 503 only when the status is fail. The
views never read request.user or request.session and opt out of ATOMIC_REQUESTS, so a
dead database shows up as a failing check in the body, never as Django's HTML error page.
HealthEndpointMiddleware, placed first, serves these paths before any other middleware.
"""

import json
import logging
import time

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers

from apps.monitoring import components
from apps.monitoring.health import FAIL, PASS, health_document, overall_status, runner

logger = logging.getLogger(__name__)

HEALTH_JSON = "application/health+json"
_STARTED = time.monotonic()


def health_response(document: dict, *, http_status: int | None = None) -> HttpResponse:
    if http_status is None:
        http_status = 503 if document.get("status") == FAIL else 200
    response = HttpResponse(json.dumps(document), content_type=HEALTH_JSON, status=http_status)
    add_never_cache_headers(response)
    return response


def non_atomic(view):
    """Exempt a read-only view from ATOMIC_REQUESTS on every database, so it runs with the database down."""
    for alias in settings.DATABASES:
        view = transaction.non_atomic_requests(using=alias)(view)
    return view


def _broken_endpoint(error: Exception) -> HttpResponse:
    logger.error("Health endpoint failed to build its response", exc_info=error)
    document = {
        "status": FAIL,
        "description": "Kelmah health",
        "output": f"The health endpoint itself failed: {type(error).__name__}",
    }
    return health_response(document)


@non_atomic
def health_all(request):
    try:
        results = runner.run(components.all_components())
        document = health_document(
            results, status=overall_status(results), description="Kelmah: every dependency and module"
        )
    except Exception as error:
        return _broken_endpoint(error)
    return health_response(document)


@non_atomic
def health_module(request, module: str):
    try:
        selected = components.components_for_module(module)
    except LookupError:
        document = {"status": FAIL, "description": "Kelmah module health", "output": f"No module named {module!r}."}
        return health_response(document, http_status=404)
    try:
        results = runner.run(selected)
        status = overall_status(results, also_critical=[f"{module}:status"])
        document = health_document(results, status=status, description=f"Kelmah module {module}")
    except Exception as error:
        return _broken_endpoint(error)
    return health_response(document)


@non_atomic
def health_live(request):
    """Report that the process serves requests, without checking any dependency."""
    uptime = round(time.monotonic() - _STARTED, 1)
    document = {
        "status": PASS,
        "description": "Kelmah process liveness",
        "checks": {
            "process:uptime": [
                {"componentType": "system", "observedValue": uptime, "observedUnit": "s", "status": PASS}
            ]
        },
    }
    return health_response(document)


@non_atomic
def health_ready(request):
    """Check the critical dependencies only; everything else at most warns."""
    try:
        results = runner.run(components.readiness_components())
        document = health_document(results, status=overall_status(results), description="Kelmah readiness")
    except Exception as error:
        return _broken_endpoint(error)
    return health_response(document)
