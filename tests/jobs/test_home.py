"""The home page's cached listings: fresh after a change, honest when the database fails."""

from http import HTTPStatus

import pytest

from apps.modules.faults import fault_clear, fault_set
from tests.jobs.conftest import make_job

pytestmark = pytest.mark.django_db


def test_home_shows_newly_published_job(client, hirer, django_capture_on_commit_callbacks):
    make_job(hirer, title="First job")
    assert "First job" in client.get("/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        make_job(hirer, title="Second job")

    body = client.get("/").content.decode()
    assert "Second job" in body
    assert "2 open jobs" in body


def test_home_serves_cached_listings_while_jobs_queries_fail(client, hirer, settings):
    settings.KELMAH_ALLOW_FAULT_INJECTION = True
    make_job(hirer, title="Cached job")
    client.get("/")
    fault_set(target="jobs.db", spec="raise")
    try:
        response = client.get("/")
    finally:
        fault_clear(target="jobs.db")

    assert response.status_code == HTTPStatus.OK
    assert "Cached job" in response.content.decode()


def test_home_says_listings_are_unavailable_when_never_built(client, hirer, settings):
    settings.KELMAH_ALLOW_FAULT_INJECTION = True
    make_job(hirer, title="Unseen job")
    fault_set(target="jobs.db", spec="raise")
    try:
        response = client.get("/")
    finally:
        fault_clear(target="jobs.db")

    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "temporarily unavailable" in body
    assert "Unseen job" not in body
