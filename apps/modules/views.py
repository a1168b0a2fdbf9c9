"""The /fragments/<module>/<name>/ endpoint that fills lazy fragment placeholders.

htmx requests (HX-Request header) get the bare fragment HTML; a plain browser following
the no-JavaScript link gets the fragment inside the layout. The endpoint applies the
fragment's own rules: login or staff as declared, and only the declared parameters,
each converted by its declared converter.
"""

import json
import logging

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.modules import boundary, registry
from apps.modules.conf import setting
from apps.modules.responses import PROBLEM_CONTENT_TYPE, bare_problem_response, static_error_response

logger = logging.getLogger(__name__)

# Outcomes marked X-Fragment-Final: 1 on a 503, so the retry script shows them at once.
FINAL_OUTCOMES = {"maintenance"}


@require_GET
def fragment_view(request: HttpRequest, module_name: str, fragment_name: str) -> HttpResponse:
    fragment = _lazy_fragment(module_name, fragment_name)
    user = request.user
    if fragment.login_required and not user.is_authenticated:
        if _is_htmx(request):
            return HttpResponse(status=401)
        return redirect_to_login(request.get_full_path())
    if fragment.staff_required and not user.is_staff:
        raise Http404("No such fragment.")

    try:
        kwargs = parse_params(fragment, request.GET)
    except ValueError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")

    result = boundary.run_fragment(request, fragment, kwargs)
    if result.outcome == "skipped":
        raise Http404("No such fragment.")
    return _respond(request, fragment, result)


def _lazy_fragment(module_name: str, fragment_name: str) -> registry.Fragment:
    try:
        fragment = registry.get_fragment(module_name, fragment_name)
    except LookupError:
        raise Http404("No such fragment.") from None
    if not fragment.lazy:
        raise Http404("No such fragment.")
    return fragment


def parse_params(fragment: registry.Fragment, query) -> dict:
    """Convert the query parameters with the fragment's declared converters; raise ValueError on bad input."""
    unknown = sorted(set(query) - set(fragment.params))
    if unknown:
        raise ValueError(_("Unknown parameter(s): %(names)s.") % {"names": ", ".join(unknown)})
    kwargs = {}
    for name, convert in fragment.params.items():
        values = query.getlist(name)
        if len(values) != 1:
            raise ValueError(_("Parameter %(name)s must be given exactly once.") % {"name": name})
        try:
            kwargs[name] = convert(values[0])
        except (TypeError, ValueError, OverflowError):
            raise ValueError(_("Parameter %(name)s has an invalid value.") % {"name": name}) from None
    return kwargs


def _respond(request: HttpRequest, fragment: registry.Fragment, result: boundary.FragmentResult) -> HttpResponse:
    status = 200 if result.outcome == "ok" else 503
    if _is_htmx(request):
        response = HttpResponse(result.html, status=status)
    else:
        context = {"fragment": fragment, "module": fragment.module, "html": result.html}
        response = render(request, "modules/fragment_page.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    response["X-Fragment-Outcome"] = result.outcome
    if status == 503:
        response["Retry-After"] = str(setting("KELMAH_RETRY_AFTER_S"))
        response["X-Fragment-Final"] = "1" if result.outcome in FINAL_OUTCOMES else "0"
        # The boundary already logged the failure.
        response._has_been_logged = True
    return response


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: problem+json under /api/, the static 404 page elsewhere."""
    if request.path_info.startswith("/api/"):
        return _problem(request, 404, _("Not found"), _("No resource exists at this address."))
    return static_error_response(404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: problem+json under /api/, the static 500 page elsewhere; uses no database or template."""
    if request.path_info.startswith("/api/"):
        return bare_problem_response(500)
    return static_error_response(500)


def _problem(request: HttpRequest, status: int, title: str, detail: str) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path_info,
        "request_id": getattr(request, "request_id", "-"),
    }
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
