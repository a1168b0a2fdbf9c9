"""Pages during a Redis outage, refused and hung: rendered from the database, users stay logged in."""

import logging
import time

import pytest
from django.test import Client

from apps.resilience.cache import clear_local
from tests.jobs.conftest import make_job
from tests.support.faults import redis_outage

PUBLIC_PAGES = ["/", "/jobs/", "/jobs/{job}/"]
MISSING_PAGE = "/jobs/999999999/"


def visit(client: Client, job_id: int) -> dict[str, tuple[int, float]]:
    results = {}
    for page in [*PUBLIC_PAGES, "/dashboard/", MISSING_PAGE]:
        url = page.format(job=job_id)
        started = time.monotonic()
        response = client.get(url)
        results[url] = (response, time.monotonic() - started)
    return results


@pytest.mark.redis
@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["refused", "hung"])
def test_pages_render_from_database_during_outage(mode, hirer, worker_client, worker, caplog):
    job = make_job(hirer, title="Rewire a two-bedroom house in Tema")
    visitor = Client()

    with redis_outage(mode), caplog.at_level(logging.WARNING):
        clear_local()
        visitor_pages = visit(visitor, job.pk)
        member_pages = visit(worker_client, job.pk)
        session_user = worker_client.get("/dashboard/").wsgi_request.user

    for pages in (visitor_pages, member_pages):
        for url, (response, elapsed) in pages.items():
            assert elapsed < 2, f"{url} took {elapsed:.2f} s"
            if url == MISSING_PAGE:
                assert response.status_code == 404
            elif url == "/dashboard/" and pages is visitor_pages:
                assert response.status_code == 302  # visitors are sent to log in
            else:
                assert response.status_code == 200, url
    assert "Rewire a two-bedroom house in Tema" in member_pages[f"/jobs/{job.pk}/"][0].content.decode()
    assert "Rewire a two-bedroom house in Tema" in visitor_pages["/jobs/"][0].content.decode()
    assert session_user == worker  # the database session survived the outage
    outage_warnings = [r for r in caplog.records if "Redis cache unavailable" in r.getMessage()]
    assert len(outage_warnings) == 1  # the pages did read the cache, and one warning covers the outage
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and "Traceback" in r.getMessage()]
