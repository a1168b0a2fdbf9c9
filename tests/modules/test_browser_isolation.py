"""In a real browser: a dashboard with one module failing shows the rest and recovers.

Uses the shared browser fixtures of tests/browser/conftest.py (a live server on
127.0.0.1 and headless Chromium).
"""

import re

import pytest

from apps.accounts.models import Role
from apps.modules import breaker, faults, registry
from tests.browser.conftest import browser, live_server, log_in, page  # noqa: F401 - shared fixtures
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def worker_account():
    return make_user(role=Role.WORKER, name="Akosua Darko")


def test_dashboard_shows_rest_while_jobs_fails_then_recovers(page, log_in, worker_account):  # noqa: F811
    log_in(page, worker_account.email, PASSWORD)
    healthy_panels = page.locator("main .card").count()

    faults.fault_set(target="jobs", spec="raise")
    page.goto("/dashboard/")

    degraded = page.locator('main [data-module="jobs"].degraded')
    expect(degraded.first).to_be_visible()
    expect(degraded.first).to_contain_text("temporarily unavailable")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Akosua")
    expect(page.get_by_role("button", name=re.compile("log out", re.IGNORECASE))).to_be_visible()
    # The workers module's panel is still there.
    assert page.locator('main [data-module="jobs"]').count() >= 1
    assert page.locator("main .card").count() >= 1

    faults.fault_clear(target="jobs")
    breaker.reset_breakers(["jobs"])
    page.reload()

    expect(page.locator('main [data-module="jobs"].degraded')).to_have_count(0)
    assert page.locator("main .card").count() == healthy_panels


def test_lazy_fragment_retries_then_shows_degraded(page, settings, live_server):  # noqa: F811
    from tests.modules import probe

    settings.ROOT_URLCONF = "tests.modules.probe"
    modules = [probe.host, probe.probe, probe.neighbour]
    for module in modules:
        registry.register(module)
    try:
        requests = []
        page.on("request", lambda request: requests.append(request.url) if "/fragments/" in request.url else None)
        page.goto("/probe/lazy/")

        expect(page.locator("#core")).to_be_visible()
        expect(page.locator("text=counter at 42")).to_be_visible()
        expect(page.locator('[data-fragment="lazy_broken"].degraded')).to_be_visible(timeout=15_000)
        broken_attempts = [url for url in requests if "lazy_broken" in url]
        assert len(broken_attempts) == 4
    finally:
        for module in modules:
            registry.unregister(module.name)
        faults.reset_cache()
