"""The 404, 500 and 503 pages render with the database and the cache both down."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from apps.modules import registry
from apps.modules.middleware import dispatch_to_handler
from apps.modules.views import page_not_found, server_error

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def database_down():
    raise OperationalError("could not connect to server: Connection refused")


def request_with_database_down(path: str):
    request = RequestFactory().get(path)
    request.request_id = "req-database-down"
    # Loading the user is the first thing the layout does; here it fails like a dead database.
    request.user = SimpleLazyObject(database_down)
    return request


@pytest.mark.parametrize("name", ["404.html", "500.html", "503.html"])
def test_error_page_is_self_contained(name):
    html = (TEMPLATES / name).read_text(encoding="utf-8")

    assert "{%" not in html
    assert "{{" not in html
    assert "<link" not in html
    assert "<script" not in html
    assert 'href="/"' in html


# No django_db mark: any database access in these tests fails them.
def test_server_error_page_needs_no_database():
    response = server_error(request_with_database_down("/jobs/"))

    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_server_error_for_api_is_problem_json():
    response = server_error(request_with_database_down("/api/v1/jobs/"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 500


def test_not_found_page_needs_no_database():
    response = page_not_found(request_with_database_down("/nowhere/"), Exception())

    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_degraded_page_static_when_database_down():
    response = dispatch_to_handler(
        request_with_database_down("/jobs/"), RuntimeError("view failed"), registry.get_module("jobs")
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"Temporarily unavailable" in response.content


def test_api_failure_answers_with_database_down():
    response = dispatch_to_handler(
        request_with_database_down("/api/v1/jobs/"), RuntimeError("view failed"), registry.get_module("jobs")
    )

    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["module"] == "jobs"
    assert body["request_id"] == "req-database-down"
