"""The conversation websocket keeps the operators' open-socket gauge right, whatever way a socket ends."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from apps.monitoring import metrics
from apps.monitoring.metrics import recorder
from apps.monitoring.selectors import open_websockets
from kelmah.asgi import application
from tests.messaging.conftest import session_client, ws_headers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def private_metrics_store(settings, tmp_path):
    """Give each test its own SQLite metrics store and an empty in-process buffer."""
    settings.KELMAH_METRICS_STORE = "sqlite"
    settings.KELMAH_METRICS_SQLITE_PATH = tmp_path / "metrics.sqlite3"
    recorder.discard()
    yield
    recorder.discard()


def open_count() -> int:
    """Return the gauge as the operations dashboard reads it, after writing this process's buffer."""
    assert metrics.flush() is True
    return open_websockets()


def communicator_for(client, conversation) -> WebsocketCommunicator:
    path = f"/ws/messages/{conversation.public_id}/"
    return WebsocketCommunicator(application, path, headers=ws_headers(client))


def test_normal_close_counts_down(conversation, hirer):
    client = session_client(hirer)

    async def scenario():
        communicator = communicator_for(client, conversation)
        connected, _code = await communicator.connect(timeout=5)
        during = open_count()
        await communicator.disconnect(code=1000)
        return connected, during

    connected, during = async_to_sync(scenario)()

    assert connected is True
    assert during == 1
    assert open_count() == 0


def test_dropped_connection_counts_down(conversation, hirer, worker):
    hirer_client, worker_client = session_client(hirer), session_client(worker)

    async def scenario():
        first = communicator_for(hirer_client, conversation)
        second = communicator_for(worker_client, conversation)
        assert (await first.connect(timeout=5))[0] is True
        assert (await second.connect(timeout=5))[0] is True
        both = open_count()
        # 1006: the phone lost its connection without a closing handshake.
        await first.send_input({"type": "websocket.disconnect", "code": 1006})
        await first.wait(timeout=5)
        after_drop = open_count()
        await second.disconnect(code=1000)
        return both, after_drop

    both, after_drop = async_to_sync(scenario)()

    assert both == 2
    assert after_drop == 1
    assert open_count() == 0


def test_cancelled_socket_counts_down(conversation, hirer):
    client = session_client(hirer)

    async def scenario():
        communicator = communicator_for(client, conversation)
        assert (await communicator.connect(timeout=5))[0] is True
        during = open_count()
        # The server stops the socket's task without a disconnect event, as on shutdown.
        communicator.future.cancel()
        with pytest.raises(asyncio.CancelledError):
            await communicator.future
        return during

    during = async_to_sync(scenario)()

    assert during == 1
    assert open_count() == 0


def test_rejected_sockets_are_not_counted(conversation, hirer, stranger):
    hirer_client, stranger_client = session_client(hirer), session_client(stranger)

    async def scenario():
        accepted = communicator_for(hirer_client, conversation)
        assert (await accepted.connect(timeout=5))[0] is True
        outcomes = []
        for client in (None, stranger_client):
            rejected = communicator_for(client, conversation)
            outcomes.append(await rejected.connect(timeout=5))
            await rejected.wait(timeout=5)
        with_rejected = open_count()
        await accepted.disconnect(code=1000)
        return outcomes, with_rejected

    outcomes, with_rejected = async_to_sync(scenario)()

    assert outcomes == [(False, 4401), (False, 4404)]
    assert with_rejected == 1
    assert open_count() == 0


def test_metrics_failure_leaves_socket_working(conversation, hirer, monkeypatch):
    client = session_client(hirer)

    def failing_metric():
        raise RuntimeError("metrics store unavailable")

    monkeypatch.setattr(metrics, "websocket_opened", failing_metric)
    monkeypatch.setattr(metrics, "websocket_closed", failing_metric)

    async def scenario():
        communicator = communicator_for(client, conversation)
        connected, _code = await communicator.connect(timeout=5)
        await communicator.send_json_to(
            {"type": "message.send", "body": "Are you free on Saturday?", "client_id": "c1"}
        )
        frames = []
        while True:
            frame = await communicator.receive_json_from(timeout=5)
            frames.append(frame)
            if frame["type"] == "message.ack":
                break
        await communicator.disconnect(code=1000)
        return connected, frames

    connected, frames = async_to_sync(scenario)()

    assert connected is True
    assert frames[-1]["message"]["body"] == "Are you free on Saturday?"
    assert conversation.messages.filter(body="Are you free on Saturday?").count() == 1
    assert open_count() == 0
