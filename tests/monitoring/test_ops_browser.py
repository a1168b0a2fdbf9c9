"""Staff watch a module turn degraded and recover on /ops/ in a real browser."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from pytest_django.live_server_helper import LiveServer

from apps.accounts.models import Role
from tests.browser.conftest import browser, page  # noqa: F401 - shared browser fixtures
from tests.conftest import make_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(django_db_setup):
    """Serve the site once the test database exists.

    Started before the test database, a server on SQLite sees the ":memory:" name and
    shares one connection among its request threads; the dashboard's polling and a second
    tab then use it at the same moment, which crashes the sqlite3 module.
    """
    server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()


def sign_in(page, user, base_url: str):  # noqa: F811 - `page` is the Playwright page, not the fixture
    client = Client()
    client.force_login(user, backend="apps.accounts.backends.EmailOrPhoneBackend")
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def card_status(page, subject: str) -> str:  # noqa: F811
    return page.locator(f'#ops-live [data-subject="{subject}"]').get_attribute("data-status")


def test_staff_see_fault_degrade_then_recover_live(page, live_server, settings):  # noqa: F811
    settings.KELMAH_OPS_REFRESH_SECONDS = 1
    staff = make_user(role=Role.STAFF, name="Esi Operator")
    sign_in(page, staff, live_server.url)
    controls = page.context.new_page()

    page.goto("/ops/")
    assert card_status(page, "module:payments") == "healthy"

    controls.goto("/ops/")
    controls.select_option("#id_target", "payments")
    controls.select_option("#id_mode", "raise")
    controls.get_by_role("button", name="Inject fault").click()
    controls.wait_for_url("**/ops/")

    # The first page was not reloaded: its status section refreshes by itself.
    page.wait_for_selector('#ops-live [data-subject="module:payments"][data-status="degraded"]', timeout=15_000)
    assert "Fault injected: payments: raise" in page.locator('#ops-live [data-subject="module:payments"]').inner_text()

    controls.get_by_role("button", name="Clear all faults").click()
    controls.wait_for_url("**/ops/")

    page.wait_for_selector('#ops-live [data-subject="module:payments"][data-status="healthy"]', timeout=15_000)
    controls.close()


def test_non_staff_get_404_on_ops_and_metrics(page, live_server):  # noqa: F811
    worker = make_user(role=Role.WORKER, name="Kwame Non-staff")

    assert page.goto("/ops/").status == 404
    assert page.goto("/metrics").status == 404
    sign_in(page, worker, live_server.url)
    assert page.goto("/ops/").status == 404
    assert page.goto("/metrics").status == 404


@pytest.fixture
def asgi_server(transactional_db):
    """Serve the ASGI application (HTTP and websockets) with uvicorn on a free port in this process."""
    import asyncio
    import socket
    import threading

    import uvicorn

    from kelmah.asgi import application

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, lifespan="off", log_level="warning", ws="websockets"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[listener])), daemon=True)
    thread.start()
    deadline = 100
    while not server.started and deadline:
        threading.Event().wait(0.05)
        deadline -= 1
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


def test_dashboard_updates_over_websocket(browser, asgi_server, settings):  # noqa: F811
    settings.KELMAH_OPS_REFRESH_SECONDS = 1
    staff = make_user(role=Role.STAFF, name="Kojo Operator")
    context = browser.new_context(base_url=asgi_server)
    context.set_default_timeout(15_000)
    watcher = context.new_page()
    sign_in(watcher, staff, asgi_server)

    watcher.goto("/ops/")
    watcher.wait_for_selector('#ops-connection[data-state="live"]')
    assert watcher.evaluate("window.kelmahOpsLive") is True

    from apps.modules.faults import fault_clear, fault_set
    from apps.monitoring.health import runner

    fault_set(target="jobs", spec="raise")
    runner.forget_all()
    try:
        watcher.wait_for_selector('#ops-live [data-subject="module:jobs"][data-status="degraded"]')
    finally:
        fault_clear()
        runner.forget_all()
    watcher.wait_for_selector('#ops-live [data-subject="module:jobs"][data-status="healthy"]')
    context.close()
