"""A throwaway module with a page and fragments that fail in real ways, for boundary tests.

The probe page renders the fragments of several modules around its own content, like the
job detail page or a dashboard does, so tests can check that one failing fragment leaves
the others in place.
"""

import redis
from django.db import connection
from django.http import HttpResponse
from django.template import TemplateSyntaxError, engines
from django.urls import include, path
from redis.backoff import NoBackoff
from redis.retry import Retry

from apps.jobs.models import Job
from apps.modules.registry import Module
from kelmah.urls import handler404, handler500  # noqa: F401 - the probe URLconf keeps the site's handlers
from kelmah.urls import urlpatterns as site_urlpatterns
from tests.support.faults import closed_port

# The host owns the page; probe and neighbour own fragments on it (probe also owns views
# that raise, under its URL namespace).
host = Module("host", verbose_name="Host", packages=["tests.modules.probe"], url_namespaces=["host"])
probe = Module("probe", verbose_name="Probe", packages=[], url_namespaces=["probe"], api_prefix="probe")
neighbour = Module("neighbour", verbose_name="Neighbour", packages=[])


@probe.fragment("ok", login_required=False)
def ok_fragment(request, *, word="steady"):
    return f"probe says {word}"


@probe.fragment("templated", login_required=False)
def templated_fragment(request):
    return "modules/degraded.html", {"module": neighbour, "state": "shown-as-content"}


@neighbour.fragment("panel", login_required=False)
def neighbour_panel(request):
    return f"neighbour panel with {Job.objects.count()} jobs"


@probe.fragment("template_error", login_required=False)
def template_error_fragment(request):
    raise TemplateSyntaxError("Invalid block tag on line 3: 'endfor'")


@probe.fragment("redis_error", login_required=False)
def redis_error_fragment(request):
    client = redis.Redis(
        host="127.0.0.1",
        port=closed_port(),
        socket_connect_timeout=0.2,
        socket_timeout=0.2,
        retry=Retry(NoBackoff(), 0),
    )
    return f"unread: {client.get('kelmah:unread')}"


@probe.fragment("bad_query", login_required=False)
def bad_query_fragment(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM table_that_does_not_exist")
    return "unreachable"


@probe.fragment("write_then_fail", login_required=False)
def write_then_fail_fragment(request):
    from apps.modules.models import ModuleState

    ModuleState.objects.create(module="half-written", enabled=True)
    raise RuntimeError("failed after writing")


@probe.fragment("members_only")
def members_only_fragment(request):
    return f"hello {request.user.pk}"


@probe.fragment("lazy_counter", lazy=True, params={"start": int}, login_required=False, label="probe counter")
def lazy_counter_fragment(request, *, start):
    return f"counter at {start + 1}"


@probe.fragment("lazy_broken", lazy=True, login_required=False)
def lazy_broken_fragment(request):
    raise RuntimeError("lazy fragment failed")


PAGE_TEMPLATE = """{% extends "base.html" %}{% load modules %}{% block content %}
<h1 id="core">Probe page core content</h1>
<section id="probe-slot">{% fragment "probe" which %}</section>
<section id="neighbour-slot">{% fragment "neighbour" "panel" %}</section>
<p id="after">Content after the fragments</p>
{% endblock %}"""


def probe_page(request, which="ok"):
    template = engines["django"].from_string(PAGE_TEMPLATE)
    return HttpResponse(template.render({"which": which}, request))


LAZY_TEMPLATE = """{% extends "base.html" %}{% load modules %}{% block content %}
<h1 id="core">Probe page core content</h1>
{% fragment "probe" "lazy_counter" lazy start=41 %}
{% fragment "probe" "lazy_broken" lazy %}
{% endblock %}"""


def probe_lazy_page(request):
    return HttpResponse(engines["django"].from_string(LAZY_TEMPLATE).render({}, request))


def probe_view_raises(request):
    raise RuntimeError("probe view failed")


def probe_api_raises(request):
    raise RuntimeError("probe API failed")


host_patterns = [
    path("page/<str:which>/", probe_page, name="page"),
    path("lazy/", probe_lazy_page, name="lazy"),
]
probe_patterns = [path("raises/", probe_view_raises, name="raises")]

urlpatterns = [
    path("probe/", include((host_patterns, "host"))),
    path("probe/", include((probe_patterns, "probe"))),
    path("api/v1/probe/", include(([path("raises/", probe_api_raises, name="api-raises")], "probe"))),
    *site_urlpatterns,
]
