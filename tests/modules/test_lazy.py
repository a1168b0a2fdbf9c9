"""Lazy fragments: a placeholder after the core content, filled from /fragments/."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import TemplateSyntaxError, engines

from apps.modules import maintenance

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def render(template_code, request, **context):
    return engines["django"].from_string("{% load modules %}" + template_code).render(context, request)


def visitor_request(rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    return request


def test_placeholder_has_htmx_attributes_and_plain_link(rf, probe_site):
    html = render('{% fragment "probe" "lazy_counter" lazy start=4 %}', visitor_request(rf))

    assert 'hx-get="/fragments/probe/lazy_counter/?start=4"' in html
    assert 'hx-trigger="load"' in html
    assert '<a href="/fragments/probe/lazy_counter/?start=4">Show probe counter</a>' in html
    assert "modules/fragments.js" in html


def test_retry_script_included_once_per_page(rf, probe_site):
    request = visitor_request(rf)

    html = render(
        '{% fragment "probe" "lazy_counter" lazy start=1 %}{% fragment "probe" "lazy_counter" lazy start=2 %}', request
    )

    assert html.count("modules/fragments.js") == 1


def test_placeholder_for_switched_off_module_is_maintenance(rf, probe_site):
    maintenance.module_switch_off(module_name="probe")

    html = render('{% fragment "probe" "lazy_counter" lazy start=1 %}', visitor_request(rf))

    assert 'class="maintenance"' in html
    assert "hx-get" not in html


def test_lazy_on_eager_fragment_is_template_error(probe_site):
    with pytest.raises(TemplateSyntaxError, match="not declared lazy"):
        engines["django"].from_string('{% load modules %}{% fragment "probe" "ok" lazy %}')


def test_lazy_with_wrong_params_is_template_error(probe_site):
    with pytest.raises(TemplateSyntaxError, match="takes the params"):
        engines["django"].from_string('{% load modules %}{% fragment "probe" "lazy_counter" lazy begin=1 %}')


def test_endpoint_serves_bare_fragment_to_htmx(client, probe_site, signals):
    response = client.get("/fragments/probe/lazy_counter/?start=41", **HTMX)

    assert response.status_code == 200
    assert response.content == b"counter at 42"
    assert response["Cache-Control"] == "private, no-store"
    assert signals.fragment_outcomes("probe") == ["ok"]


def test_endpoint_wraps_fragment_in_layout_without_js(client, probe_site):
    response = client.get("/fragments/probe/lazy_counter/?start=1")

    body = response.content.decode()
    assert response.status_code == 200
    assert "counter at 2" in body
    assert 'class="site-header"' in body


def test_endpoint_failure_is_503_with_degraded_body(client, probe_site, signals):
    response = client.get("/fragments/probe/lazy_broken/", **HTMX)

    assert response.status_code == 503
    assert response["X-Fragment-Final"] == "0"
    assert response["Retry-After"]
    assert b'class="degraded"' in response.content
    assert signals.fragment_outcomes("probe") == ["error"]


def test_endpoint_maintenance_is_final(client, probe_site):
    maintenance.module_switch_off(module_name="probe")

    response = client.get("/fragments/probe/lazy_counter/?start=1", **HTMX)

    assert response.status_code == 503
    assert response["X-Fragment-Final"] == "1"
    assert b'class="maintenance"' in response.content


@pytest.mark.parametrize(
    "query",
    ["", "?start=abc", "?start=1&start=2", "?start=1&extra=2", "?start=1e309", "?start=NaN", "?start=%00"],
)
def test_endpoint_rejects_bad_params(client, probe_site, signals, query):
    response = client.get(f"/fragments/probe/lazy_counter/{query}", **HTMX)

    assert response.status_code == 400
    assert signals.fragment_outcomes("probe") == []


def test_endpoint_hides_eager_and_unknown_fragments(client, probe_site):
    assert client.get("/fragments/probe/ok/", **HTMX).status_code == 404
    assert client.get("/fragments/probe/nope/", **HTMX).status_code == 404
    assert client.get("/fragments/nope/nope/", **HTMX).status_code == 404


def test_endpoint_requires_login_like_the_fragment(client, worker_client, probe_site):
    probe_site.probe.add_fragment("lazy_private", lambda request: "private data", lazy=True)
    try:
        htmx_visitor = client.get("/fragments/probe/lazy_private/", **HTMX)
        plain_visitor = client.get("/fragments/probe/lazy_private/")
        member = worker_client.get("/fragments/probe/lazy_private/", **HTMX)
    finally:
        del probe_site.probe.fragments["lazy_private"]

    assert htmx_visitor.status_code == 401
    assert plain_visitor.status_code == 302
    assert "/accounts/login/" in plain_visitor["Location"]
    assert member.status_code == 200
    assert member.content == b"private data"


def test_endpoint_hides_staff_fragment_from_members(worker_client, staff_client, probe_site):
    probe_site.probe.add_fragment("lazy_staff", lambda request: "staff data", lazy=True, staff_required=True)
    try:
        member = worker_client.get("/fragments/probe/lazy_staff/", **HTMX)
        staff = staff_client.get("/fragments/probe/lazy_staff/", **HTMX)
    finally:
        del probe_site.probe.fragments["lazy_staff"]

    assert member.status_code == 404
    assert staff.status_code == 200


def test_endpoint_rejects_post(client, probe_site):
    assert client.post("/fragments/probe/lazy_counter/?start=1").status_code == 405
