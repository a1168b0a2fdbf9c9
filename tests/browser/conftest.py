"""Shared fixtures for browser tests: a live Kelmah server and headless Chromium pages.

Use them in any test under tests/browser/ and mark the test `@pytest.mark.browser`:

    @pytest.mark.browser
    def test_home_page(page, live_server):
        page.goto(live_server.url + "/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()

Fixtures:
- live_server: the site served by a threaded WSGI server on 127.0.0.1 at a free port
  (session-wide). Tests that use it get a transactional database, because the server
  thread cannot see rows inside a test's open transaction; tables are emptied after each.
- browser: Debian's Chromium (/usr/bin/chromium) driven by Playwright, one per test
  module. Tests are skipped when Chromium is not installed.
- page: a fresh browser context (own cookies, no service-worker cache carried over) and
  page for each test, with short timeouts so a missing element fails in seconds, not
  minutes. On failure a screenshot goes to var/browser-failures/<test name>.png.
- log_in(page, email, password): log in through the real login form.

Playwright's sync API keeps an asyncio event loop running in the main thread, which makes
Django refuse ORM calls from test code ("You cannot call this from an async context").
The browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE while Playwright runs, and only then:
the test code and the server thread still run one request at a time, so nothing actually
runs concurrently on a connection.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from pytest_django.live_server_helper import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Long enough for a cold page on a loaded 2-core machine, short enough to fail fast.
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 20_000
FAILURE_DIR = Path(settings.VAR_DIR) / "browser-failures"


@pytest.fixture(scope="session")
def live_server(django_db_setup, django_db_blocker):
    """Serve the site on 127.0.0.1 at a port the OS picks; stopped at the end of the session.

    It starts only after the test database exists: started earlier on SQLite, the server
    thread would share the in-memory connection with the test thread and crash sqlite3.
    """
    with django_db_blocker.unblock():
        server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(request, browser, live_server):
    """A page in its own browser context; a screenshot is saved when the test fails."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Africa/Accra")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    browser_page = context.new_page()
    # The test's own failure is counted before fixtures are torn down, so a rise means it failed.
    failures_before = request.session.testsfailed
    yield browser_page

    if request.session.testsfailed > failures_before:
        FAILURE_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        browser_page.screenshot(path=str(FAILURE_DIR / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def log_in():
    """Return a function that logs a user in through the login form and waits for the dashboard."""

    def submit(page, email: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Email or phone number").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name=re.compile("log in", re.IGNORECASE)).click()
        page.wait_for_url(re.compile(r"/dashboard/"))

    return submit
