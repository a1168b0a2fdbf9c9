"""The dashboard websocket, tested with WebsocketCommunicator against the real ASGI app."""

import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from apps.monitoring import metrics


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user, backend="apps.accounts.backends.EmailOrPhoneBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def communicator(cookie: str | None = None) -> WebsocketCommunicator:
    from kelmah.asgi import application

    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/ops/", headers=headers)


async def connects(cookie: str | None) -> bool:
    socket = communicator(cookie)
    connected, _ = await socket.connect()
    await socket.disconnect()
    return connected


@pytest.mark.django_db(transaction=True)
def test_anonymous_socket_is_rejected():
    assert async_to_sync(connects)(None) is False


@pytest.mark.django_db(transaction=True)
def test_non_staff_socket_is_rejected(worker):
    assert async_to_sync(connects)(session_cookie(worker)) is False


@pytest.mark.django_db(transaction=True)
def test_staff_socket_receives_status_and_closes_after_logout(staff, settings):
    settings.KELMAH_OPS_REFRESH_SECONDS = 1
    async_to_sync(staff_session_scenario)(session_cookie(staff))


async def staff_session_scenario(cookie: str) -> None:
    socket = communicator(cookie)

    connected, _ = await socket.connect()
    assert connected is True
    message = json.loads(await socket.receive_from(timeout=10))
    assert 'data-subject="module:jobs"' in message["html"]
    assert metrics.recorder._websockets == 1

    from django.contrib.sessions.models import Session

    await sync_to_async(Session.objects.filter(session_key=cookie).delete)()
    # A push may already be on its way; the next one checks the session and closes.
    closed = await socket.receive_output(timeout=10)
    if closed["type"] == "websocket.send":
        closed = await socket.receive_output(timeout=10)

    assert closed["type"] == "websocket.close"
    assert closed["code"] == 4403
    await socket.disconnect()
    assert metrics.recorder._websockets == 0
