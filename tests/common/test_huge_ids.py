"""An id too large for a database column is a plain 404, never a database error."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from apps.common.converters import IdConverter

HUGE_ID = "99999999999999999999"
PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _routes(patterns, prefix=""):
    """Yield the full route of every URL pattern, with the converter of each placeholder."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.pattern.converters


def _integer_id_routes():
    found = []
    for route, converters in _routes(get_resolver().url_patterns):
        if any(isinstance(converter, (IntConverter, IdConverter)) for converter in converters.values()):
            found.append(route)
    return sorted(set(found))


def _fill(route: str) -> str:
    def value(match):
        converter = match.group("converter") or "str"
        if converter in {"int", "id"}:
            return HUGE_ID
        if converter == "uuid":
            return str(uuid.uuid4())
        return "x"

    return "/" + PLACEHOLDER.sub(value, route)


def test_integer_id_routes_cover_workers_api_and_pages():
    routes = _integer_id_routes()

    assert "workers/<id:user_id>/" in routes
    assert "api/v1/workers/<id:user_id>/" in routes
    assert "notifications/<id:notification_id>/read/" in routes


@pytest.mark.parametrize("route", _integer_id_routes())
def test_huge_id_is_not_found(route, worker_client, caplog):
    path = _fill(route)
    statuses = {worker_client.get(path).status_code, worker_client.post(path).status_code}

    # A view that accepts one method returns 405 for the other before it reads the id.
    assert 404 in statuses
    assert statuses <= {404, 405}
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


def test_huge_worker_id_is_not_found_for_anyone(client):
    assert client.get(f"/workers/{HUGE_ID}/").status_code == 404
    assert client.get(f"/api/v1/workers/{HUGE_ID}/").status_code == 404


def test_largest_accepted_id_is_not_found(worker_client):
    assert worker_client.get("/workers/999999999999999999/").status_code == 404
    assert worker_client.get("/api/v1/workers/999999999999999999/").status_code == 404
