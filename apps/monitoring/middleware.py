"""Serve the health endpoints ahead of every other middleware.

Placed first in MIDDLEWARE, this answers /health/... before sessions, authentication,
CSRF, host validation or the module layer run, so none of them can touch the database
or fail the probe. Load balancers and Kubernetes probes send the pod address as Host,
which ALLOWED_HOSTS would reject; the health paths answer whatever the Host header says.
"""

import re

from django.http import HttpResponseNotAllowed

from apps.monitoring import health_views

_ROUTES = (
    (re.compile(r"^/health/?$"), health_views.health_all),
    (re.compile(r"^/health/live/?$"), health_views.health_live),
    (re.compile(r"^/health/ready/?$"), health_views.health_ready),
    (re.compile(r"^/health/(?P<module>[A-Za-z_][A-Za-z0-9_]{0,63})/?$"), health_views.health_module),
)


def match_health_path(path: str):
    """Return (view, kwargs) for a health path, or None for any other path."""
    if not path.startswith("/health"):
        return None
    for pattern, view in _ROUTES:
        found = pattern.match(path)
        if found:
            return view, found.groupdict()
    return None


class HealthEndpointMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        route = match_health_path(request.path_info)
        if route is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        view, kwargs = route
        return view(request, **kwargs)
