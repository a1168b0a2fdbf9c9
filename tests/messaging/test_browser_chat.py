"""Two people chat in real Chromium pages against a live ASGI server (uvicorn, websockets).

First over the websocket, then with the websocket blocked in both browsers, when the pages
must fall back to HTTP sends and polling and show that live updates are paused.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from apps.messaging.models import Message
from apps.messaging.services import message_send
from tests.browser.conftest import browser  # noqa: F401  (Chromium, shared with the browser suite)
from tests.messaging.conftest import session_client

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)
TIMEOUT_MS = 10_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def asgi_server():
    """uvicorn serving kelmah.asgi on 127.0.0.1 at a free port, on this test's database."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.messaging.browser_settings",
        "DATABASE_URL": _database_url(),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "kelmah.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{url}/health/live", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"uvicorn did not start: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.2)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def open_thread(browser, server_url, user, conversation, *, block_websocket=False):  # noqa: F811
    context = browser.new_context(base_url=server_url, locale="en-GB", timezone_id="Africa/Accra")
    context.set_default_timeout(TIMEOUT_MS)
    if block_websocket:
        context.route_web_socket("**/ws/**", lambda route: route.close(code=1011, reason="blocked by the test"))
    client = session_client(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server_url}])
    page = context.new_page()
    page.goto(f"/messages/{conversation.public_id}/")
    return context, page


def send(page, text: str) -> None:
    page.fill("#id_body", text)
    page.get_by_role("button", name="Send").click()


def item_count(page, text: str) -> int:
    return page.locator("#message-list li.message").filter(has_text=text).count()


def test_two_people_chat_live_then_without_websocket(browser, asgi_server, conversation, hirer, worker):  # noqa: F811
    hirer_context, hirer_page = open_thread(browser, asgi_server, hirer, conversation)
    worker_context, worker_page = open_thread(browser, asgi_server, worker, conversation)
    try:
        for page in (hirer_page, worker_page):
            page.wait_for_function("window.KelmahMessaging && window.KelmahMessaging.isLive()")
            assert page.locator("#live-status").is_hidden()

        send(worker_page, "I can come at 9 tomorrow")
        hirer_page.locator("#message-list").get_by_text("I can come at 9 tomorrow").wait_for()
        worker_page.locator("#message-list li.mine [data-status]").filter(has_text="Seen").wait_for()

        hirer_page.locator("#id_body").press_sequentially("Great")
        worker_page.locator("#typing-indicator").filter(has_text="Ama is typing…").wait_for()

        send(hirer_page, "Great, see you then")
        worker_page.locator("#message-list").get_by_text("Great, see you then").wait_for()
        assert item_count(worker_page, "I can come at 9 tomorrow") == 1
        assert item_count(hirer_page, "Great, see you then") == 1
    finally:
        hirer_context.close()
        worker_context.close()

    assert Message.objects.filter(body="I can come at 9 tomorrow").count() == 1
    assert Message.objects.filter(body="Great, see you then").count() == 1

    hirer_context, hirer_page = open_thread(browser, asgi_server, hirer, conversation, block_websocket=True)
    worker_context, worker_page = open_thread(browser, asgi_server, worker, conversation, block_websocket=True)
    try:
        for page in (hirer_page, worker_page):
            page.locator("#live-status").filter(has_text="Live updates paused; checking every 2 seconds.").wait_for()

        send(worker_page, "Socket is blocked here")
        worker_page.locator("#message-list li.mine[data-message-id]").filter(
            has_text="Socket is blocked here"
        ).wait_for()
        hirer_page.locator("#message-list").get_by_text("Socket is blocked here").wait_for()

        send(hirer_page, "Still reading you")
        worker_page.locator("#message-list").get_by_text("Still reading you").wait_for()

        # Let one more poll run on both pages: nothing may appear twice.
        worker_page.wait_for_timeout(2500)
        assert item_count(worker_page, "Socket is blocked here") == 1
        assert item_count(hirer_page, "Still reading you") == 1
        assert worker_page.evaluate("window.KelmahMessaging.isLive()") is False
    finally:
        hirer_context.close()
        worker_context.close()

    assert Message.objects.filter(body="Socket is blocked here").count() == 1
    assert Message.objects.filter(body="Still reading you").count() == 1


def test_page_reconnects_and_replays_what_it_missed(browser, asgi_server, conversation, hirer, worker):  # noqa: F811
    blocked = {"on": True}

    def route(ws):
        if blocked["on"]:
            ws.close(code=1011, reason="blocked by the test")
        else:
            ws.connect_to_server()

    context = browser.new_context(base_url=asgi_server, locale="en-GB", timezone_id="Africa/Accra")
    context.set_default_timeout(20_000)
    context.route_web_socket("**/ws/**", route)
    # Polling is cut too, so the missed message can only come back through the socket's replay.
    context.route("**/after/**", lambda request_route: request_route.abort())
    client = session_client(hirer)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": asgi_server}])
    page = context.new_page()
    try:
        page.goto(f"/messages/{conversation.public_id}/")
        page.locator("#live-status").filter(has_text="Live updates paused").wait_for()
        message_send(conversation=conversation, sender=worker, body="Sent while you were away")
        blocked["on"] = False

        page.wait_for_function("window.KelmahMessaging.isLive()")
        page.locator("#message-list").get_by_text("Sent while you were away").wait_for()
        assert page.locator("#live-status").is_hidden()
        assert item_count(page, "Sent while you were away") == 1
    finally:
        context.close()
