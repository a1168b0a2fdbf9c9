"""Public pages work offline: the copy seen last is shown, an unseen page gets the offline page."""

import pytest
from playwright.sync_api import expect

from tests.conftest import make_user
from tests.offline.conftest import make_job
from tests.offline.helpers import cached_entries, open_offline, wait_for_service_worker, wait_until_cached

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visited_pages_load_offline(page, offline_context):
    hirer = make_user(role="hirer", name="Ama Mensah")
    seen = make_job(hirer, title="Fix a leaking kitchen sink")
    unseen = make_job(hirer, title="Rewire a two-bedroom flat")

    page.goto("/")
    wait_for_service_worker(page)
    page.goto("/jobs/")
    expect(page.get_by_role("link", name=seen.title)).to_be_visible()
    page.goto(f"/jobs/{seen.pk}/")
    expect(page.get_by_role("heading", name=seen.title)).to_be_visible()
    wait_until_cached(page, "/jobs/")
    wait_until_cached(page, f"/jobs/{seen.pk}/")

    offline_context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name=seen.title)).to_be_visible()

    page.goto("/jobs/")
    expect(page.get_by_role("link", name=seen.title)).to_be_visible()

    text = open_offline(page, f"/jobs/{unseen.pk}/")
    assert "You are offline" in text
    assert unseen.title not in text


def test_offline_page_is_precached_anonymous(page):
    page.goto("/")
    wait_for_service_worker(page)

    entries = {entry["url"]: entry for entry in cached_entries(page)}

    assert "/offline/" in entries
    assert "/static/css/site.css" in entries
    assert "data-user=" not in entries["/offline/"]["body"]
