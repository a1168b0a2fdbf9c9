import re

import pytest
from playwright.sync_api import expect

from tests.workers.helpers import listed_worker

pytestmark = pytest.mark.browser


def test_worker_directory_renders_in_chromium(page, live_server):
    listed_worker(name="Kwame Asante", headline="Roofing carpenter in Kumasi")

    page.goto("/workers/?trade=carpentry")

    expect(page.get_by_role("heading", name="Find workers")).to_be_visible()
    expect(page.get_by_role("link", name="Kwame Asante")).to_be_visible()
    page.get_by_role("link", name="Kwame Asante").click()
    expect(page.get_by_text("Roofing carpenter in Kumasi")).to_be_visible()


def test_directory_filter_swaps_results_in_place(page, live_server):
    listed_worker(name="Kwame Asante", trades=["carpentry"])
    listed_worker(name="Esi Quartey", trades=["tailoring"])
    page.goto("/workers/")
    expect(page.get_by_role("link", name="Esi Quartey")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Trade").select_option("tailoring")

    expect(page.get_by_role("link", name="Kwame Asante")).to_have_count(0)
    expect(page.get_by_role("link", name="Esi Quartey")).to_be_visible()
    expect(page).to_have_url(re.compile(r"trade=tailoring"))
    assert page.evaluate("window.notReloaded") is True
