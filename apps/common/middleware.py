import re
import uuid

from django.conf import settings
from django.utils.cache import patch_vary_headers

from apps.common.request_context import request_id_var

# Accept a caller's X-Request-ID only when it looks like an id, so log lines stay parseable.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Tag each request with an id, echoed in the X-Request-ID header and every log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class PrivateCacheMiddleware:
    """Mark every response to a logged-in user `private, no-store`.

    Browsers, proxies and the service worker then never keep one person's pages where the
    next person on a shared phone could see them. Requests without a session cookie are not
    checked, so anonymous pages (and health probes) never touch the session store.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME not in request.COOKIES and "HTTP_AUTHORIZATION" not in request.META:
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
            patch_vary_headers(response, ["Cookie"])
        return response
