"""Job fixtures: jobs and applications made through the real services."""

import itertools

import pytest

from apps.jobs import services
from kelmah.celery import app as celery_app

_titles = itertools.count(1)


def make_job(hirer, *, publish: bool = True, **overrides):
    """Create a complete job (published unless publish=False) through job_create."""
    fields = {
        "title": f"Fix leaking kitchen tap {next(_titles)}",
        "trade": "plumbing",
        "description": "The kitchen tap drips all night and the pipe under the sink is loose.",
        "budget_type": "fixed",
        "budget_min": 45000,
        "budget_max": 45000,
        "region": "greater-accra",
        "town": "Madina",
    }
    fields.update(overrides)
    return services.job_create(hirer=hirer, publish=publish, **fields)


def make_application(job, worker, *, amount: int = 40000, letter: str = "I have fixed many taps in Madina."):
    return services.application_create(job=job, worker=worker, cover_letter=letter, proposed_amount=amount)


@pytest.fixture
def open_job(hirer):
    return make_job(hirer)


@pytest.fixture
def draft_job(hirer):
    return make_job(hirer, publish=False)


@pytest.fixture
def application(open_job, worker):
    return make_application(open_job, worker)


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process when queued, so on_commit callbacks send their emails."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def fresh_listing_cache_and_breakers():
    """Start each test with empty cache tiers and closed module breakers.

    Cached home listings outlive a test's rows, and a test that injects faults trips the
    jobs module's breaker, which would turn the next test's pages into 503s.
    """
    from django.core.cache import caches

    from apps.modules.breaker import reset_breakers
    from apps.resilience.cache import clear_local

    clear_local()
    caches["default"].clear()
    reset_breakers(["jobs", "hirers", "messaging"])
    yield
    clear_local()
    reset_breakers(["jobs", "hirers", "messaging"])


def page_query_count(client, url: str, *, loads: int = 3) -> int:
    """Return the fewest queries any of `loads` GETs of `url` ran, asserting each returned 200.

    The modules layer reloads its fault rules and switches about once a second, adding a few
    queries to whichever request lands on the reload. The minimum leaves those out.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for _ in range(loads):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    return min(counts)
