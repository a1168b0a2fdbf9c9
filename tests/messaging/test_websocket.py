"""The conversation websocket against the real ASGI application and channels-redis on real Redis."""

import json

import pytest
import redis
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.models import Session

from apps.messaging.models import Message, Participant
from apps.messaging.realtime import conversation_group
from apps.messaging.services import message_send
from apps.notifications.models import Notification
from kelmah.asgi import application
from tests.messaging.conftest import session_client, ws_headers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


def run(scenario):
    return async_to_sync(scenario)()


async def open_socket(client, conversation, *, last_seen: int | None = None):
    path = f"/ws/messages/{conversation.public_id}/"
    if last_seen is not None:
        path += f"?last_seen={last_seen}"
    communicator = WebsocketCommunicator(application, path, headers=ws_headers(client))
    connected, detail = await communicator.connect(timeout=5)
    return communicator, connected, detail


async def frames(communicator, *, quiet: float = 0.5) -> list[dict]:
    """Collect every frame until the socket stays quiet for `quiet` seconds."""
    received = []
    while not await communicator.receive_nothing(timeout=quiet):
        output = await communicator.receive_output(timeout=1)
        if output["type"] == "websocket.close":
            received.append({"type": "<closed>", "code": output.get("code")})
            break
        received.append(json.loads(output["text"]))
    return received


async def wait_for_close(communicator, timeout: float = 3) -> int | None:
    while True:
        output = await communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output.get("code")


def group_size(prefix: str, conversation) -> int:
    connection = redis.Redis.from_url(settings.REDIS_URL)
    try:
        return connection.zcard(f"{prefix}:group:{conversation_group(conversation.pk)}")
    finally:
        connection.close()


def of_type(received: list[dict], kind: str) -> list[dict]:
    return [frame for frame in received if frame["type"] == kind]


# Authentication and permission (connect, per message, logout) --------------------------


def test_socket_without_session_is_rejected(conversation, redis_layer):
    async def scenario():
        _communicator, connected, code = await open_socket(None, conversation)
        return connected, code

    assert run(scenario) == (False, 4401)
    assert group_size(redis_layer, conversation) == 0


def test_socket_of_non_participant_is_rejected(conversation, stranger, redis_layer):
    client = session_client(stranger)

    async def scenario():
        _communicator, connected, code = await open_socket(client, conversation)
        return connected, code

    assert run(scenario) == (False, 4404)
    assert group_size(redis_layer, conversation) == 0


def test_socket_for_unknown_conversation_is_rejected(conversation, worker, redis_layer):
    client = session_client(worker)
    conversation.public_id = "00000000-0000-4000-8000-000000000000"

    async def scenario():
        _communicator, connected, code = await open_socket(client, conversation)
        return connected, code

    assert run(scenario) == (False, 4404)


def test_participant_socket_is_accepted(conversation, worker, redis_layer):
    client = session_client(worker)

    async def scenario():
        communicator, connected, _ = await open_socket(client, conversation)
        size = await sync_to_async(group_size)(redis_layer, conversation)
        await communicator.disconnect()
        return connected, size

    assert run(scenario) == (True, 1)


def test_logout_over_http_closes_socket(conversation, worker, redis_layer):
    client = session_client(worker)
    other_device = session_client(worker)

    async def scenario():
        communicator, connected, _ = await open_socket(client, conversation)
        other, other_connected, _ = await open_socket(other_device, conversation)
        await frames(communicator)
        await frames(other)
        response = await sync_to_async(client.post)("/accounts/logout/")
        code = await wait_for_close(communicator)
        other_still_open = await other.receive_nothing(timeout=0.5)
        await other.disconnect()
        return connected and other_connected, response.status_code, code, other_still_open

    connected, status, code, other_still_open = run(scenario)
    assert connected
    assert status == 302
    assert code == 4401
    assert other_still_open, "a socket opened with another session stays open"


def test_deleted_session_closes_socket_on_next_frame(conversation, worker, redis_layer):
    client = session_client(worker)

    async def scenario():
        communicator, _connected, _ = await open_socket(client, conversation)
        await frames(communicator)
        await sync_to_async(Session.objects.all().delete)()
        await communicator.send_json_to({"type": "message.send", "body": "Hello", "client_id": "c-1"})
        return await wait_for_close(communicator)

    assert run(scenario) == 4401
    assert not Message.objects.exists()


def test_removed_participant_is_closed_on_next_frame(conversation, worker, redis_layer):
    client = session_client(worker)

    async def scenario():
        communicator, _connected, _ = await open_socket(client, conversation)
        await frames(communicator)
        await sync_to_async(Participant.objects.filter(user=worker).delete)()
        await communicator.send_json_to({"type": "message.send", "body": "Hello", "client_id": "c-1"})
        return await wait_for_close(communicator)

    assert run(scenario) == 4404
    assert not Message.objects.exists()


# Groups on disconnect and reconnect ---------------------------------------------------


@pytest.mark.parametrize("close_code", [1000, 1006])
def test_disconnect_leaves_group(conversation, worker, redis_layer, close_code):
    client = session_client(worker)

    async def scenario():
        communicator, _connected, _ = await open_socket(client, conversation)
        joined = await sync_to_async(group_size)(redis_layer, conversation)
        await communicator.disconnect(code=close_code)
        left = await sync_to_async(group_size)(redis_layer, conversation)
        return joined, left

    assert run(scenario) == (1, 0)


def test_reconnect_joins_once_without_duplicates(conversation, worker, hirer, redis_layer):
    client = session_client(worker)
    first = message_send(conversation=conversation, sender=hirer, body="Before the drop")

    async def scenario():
        communicator, _, _ = await open_socket(client, conversation)
        before = of_type(await frames(communicator), "message.new")
        await communicator.disconnect(code=1006)

        missed = await sync_to_async(message_send)(conversation=conversation, sender=hirer, body="While away")
        again, _, _ = await open_socket(client, conversation, last_seen=first.pk)
        size = await sync_to_async(group_size)(redis_layer, conversation)
        replayed = of_type(await frames(again), "message.new")
        live = await sync_to_async(message_send)(conversation=conversation, sender=hirer, body="After")
        after = of_type(await frames(again), "message.new")
        await again.disconnect()
        return before, missed, size, replayed, live, after

    before, missed, size, replayed, live, after = run(scenario)
    assert [frame["message"]["id"] for frame in before] == [first.pk]
    assert size == 1
    assert [frame["message"]["id"] for frame in replayed] == [missed.pk]
    assert [frame["message"]["id"] for frame in after] == [live.pk]


def test_replay_sends_missed_messages_in_order(conversation, worker, hirer, redis_layer):
    client = session_client(worker)
    sent = [message_send(conversation=conversation, sender=hirer, body=f"Message {n}") for n in range(5)]

    async def scenario():
        communicator, _, _ = await open_socket(client, conversation, last_seen=sent[1].pk)
        received = await frames(communicator)
        await communicator.disconnect()
        return received

    received = run(scenario)
    assert [frame["message"]["id"] for frame in of_type(received, "message.new")] == [m.pk for m in sent[2:]]
    reads = {frame["user_id"]: frame["last_read_message_id"] for frame in of_type(received, "read")}
    assert reads == {hirer.pk: sent[-1].pk, worker.pk: 0}


# Sending, typing, read receipts -------------------------------------------------------


def test_socket_send_is_stored_then_fanned_out(conversation, worker, hirer, redis_layer):
    worker_client, hirer_client = session_client(worker), session_client(hirer)

    async def scenario():
        sender, _, _ = await open_socket(worker_client, conversation)
        receiver, _, _ = await open_socket(hirer_client, conversation)
        await frames(sender)
        await frames(receiver)
        await sender.send_json_to({"type": "message.send", "body": "On my way", "client_id": "c-1"})
        sender_frames = await frames(sender)
        receiver_frames = await frames(receiver)
        await sender.send_json_to({"type": "message.send", "body": "On my way", "client_id": "c-1"})
        resend_frames = await frames(sender)
        receiver_after_resend = await frames(receiver)
        await sender.disconnect()
        await receiver.disconnect()
        return sender_frames, receiver_frames, resend_frames, receiver_after_resend

    sender_frames, receiver_frames, resend_frames, receiver_after_resend = run(scenario)
    stored = Message.objects.get()
    assert stored.body == "On my way"
    assert [frame["type"] for frame in sender_frames] == ["message.ack"]
    assert sender_frames[0]["message"]["id"] == stored.pk
    assert sender_frames[0]["client_id"] == "c-1"
    assert [frame["message"]["id"] for frame in of_type(receiver_frames, "message.new")] == [stored.pk]
    assert resend_frames[0]["message"]["id"] == stored.pk
    assert receiver_after_resend == []
    assert Message.objects.count() == 1
    assert not Notification.objects.filter(user=hirer).exists(), "a connected recipient gets no notification"


def test_invalid_send_gets_error_and_stores_nothing(conversation, worker, redis_layer):
    client = session_client(worker)

    async def scenario():
        communicator, _, _ = await open_socket(client, conversation)
        await frames(communicator)
        await communicator.send_json_to({"type": "message.send", "body": "   ", "client_id": "c-1"})
        empty = await frames(communicator)
        await communicator.send_json_to({"type": "message.send", "body": 12, "client_id": "c-2"})
        number = await frames(communicator)
        await communicator.send_to(text_data="{not json")
        broken = await frames(communicator)
        await communicator.send_json_to(["a", "list"])
        listed = await frames(communicator)
        await communicator.send_json_to({"type": "no.such.type"})
        unknown = await frames(communicator)
        await communicator.disconnect()
        return empty, number, broken, listed, unknown

    empty, number, broken, listed, unknown = run(scenario)
    assert empty == [{"type": "error", "code": "empty_message", "message": empty[0]["message"], "client_id": "c-1"}]
    assert number[0]["code"] == "invalid_body"
    assert broken[0]["code"] == "invalid_json"
    assert listed[0]["code"] == "unknown_type"
    assert unknown[0]["code"] == "unknown_type"
    assert not Message.objects.exists()


def test_typing_reaches_only_the_other_side(conversation, worker, hirer, redis_layer):
    worker_client, hirer_client = session_client(worker), session_client(hirer)

    async def scenario():
        typist, _, _ = await open_socket(worker_client, conversation)
        watcher, _, _ = await open_socket(hirer_client, conversation)
        await frames(typist)
        await frames(watcher)
        await typist.send_json_to({"type": "typing"})
        typist_frames = await frames(typist)
        watcher_frames = await frames(watcher)
        await typist.disconnect()
        await watcher.disconnect()
        return typist_frames, watcher_frames

    typist_frames, watcher_frames = run(scenario)
    assert typist_frames == []
    assert watcher_frames == [{"type": "typing", "user_id": worker.pk, "name": worker.get_short_name()}]
    assert not Message.objects.exists()


def test_read_receipts_and_unread_counts_survive_reconnects(conversation, worker, hirer, redis_layer):
    from apps.messaging.selectors import unread_total

    worker_client, hirer_client = session_client(worker), session_client(hirer)
    sent = [message_send(conversation=conversation, sender=worker, body=f"Quote {n}") for n in range(3)]

    async def scenario():
        reader, _, _ = await open_socket(hirer_client, conversation)
        author, _, _ = await open_socket(worker_client, conversation, last_seen=sent[-1].pk)
        await frames(reader)
        await frames(author)
        await reader.send_json_to({"type": "read", "message_id": sent[1].pk})
        author_frames = await frames(author)
        await reader.disconnect(code=1006)

        reader_again, _, _ = await open_socket(hirer_client, conversation, last_seen=sent[1].pk)
        replay = await frames(reader_again)
        await reader_again.send_json_to({"type": "read", "message_id": "not a number"})
        bad = await frames(reader_again)
        await reader_again.send_json_to({"type": "read"})
        await frames(reader_again)
        author_after = await frames(author)
        await reader_again.disconnect()
        await author.disconnect()
        return author_frames, replay, bad, author_after

    author_frames, replay, bad, author_after = run(scenario)
    assert author_frames == [{"type": "read", "user_id": hirer.pk, "last_read_message_id": sent[1].pk}]
    assert [frame["message"]["id"] for frame in of_type(replay, "message.new")] == [sent[2].pk]
    assert bad[0]["code"] == "invalid_message_id"
    assert author_after == [{"type": "read", "user_id": hirer.pk, "last_read_message_id": sent[2].pk}]
    assert Participant.objects.get(user=hirer).last_read_message_id == sent[2].pk
    assert unread_total(user=hirer) == 0
    assert unread_total(user=worker) == 0


# Heartbeat ------------------------------------------------------------------------------


def test_silent_socket_is_pinged_then_closed(conversation, worker, redis_layer, settings):
    settings.MESSAGING_HEARTBEAT_INTERVAL = 0.2
    settings.MESSAGING_HEARTBEAT_TIMEOUT = 0.5
    client = session_client(worker)

    async def scenario():
        communicator, _, _ = await open_socket(client, conversation)
        received = []
        while True:
            output = await communicator.receive_output(timeout=3)
            if output["type"] == "websocket.close":
                return received, output.get("code")
            received.append(json.loads(output["text"]))

    received, code = run(scenario)
    assert of_type(received, "ping")
    assert code == 4408


def test_answering_pings_keeps_socket_open(conversation, worker, redis_layer, settings):
    settings.MESSAGING_HEARTBEAT_INTERVAL = 0.2
    settings.MESSAGING_HEARTBEAT_TIMEOUT = 0.5
    client = session_client(worker)

    async def scenario():
        communicator, _, _ = await open_socket(client, conversation)
        pings = 0
        while pings < 5:
            frame = await communicator.receive_json_from(timeout=3)
            if frame["type"] == "ping":
                pings += 1
                await communicator.send_json_to({"type": "pong"})
        await communicator.disconnect()
        return pings

    assert run(scenario) == 5


def test_socket_closes_cleanly_when_channel_layer_down(conversation, worker, dead_layer):
    client = session_client(worker)

    async def scenario():
        _communicator, connected, code = await open_socket(client, conversation)
        return connected, code

    assert run(scenario) == (False, 4503)


def test_client_far_behind_is_told_to_resync(conversation, worker, hirer, redis_layer, monkeypatch):
    from apps.messaging import consumers

    monkeypatch.setattr(consumers, "REPLAY_LIMIT", 3)
    client = session_client(worker)
    sent = [message_send(conversation=conversation, sender=hirer, body=f"Message {n}") for n in range(5)]

    async def scenario():
        behind, _, _ = await open_socket(client, conversation, last_seen=0)
        far = await frames(behind)
        await behind.disconnect()
        near, _, _ = await open_socket(client, conversation, last_seen=sent[1].pk)
        close = await frames(near)
        await near.disconnect()
        return far, close

    far, close = run(scenario)
    assert of_type(far, "resync") == [{"type": "resync"}]
    assert of_type(far, "message.new") == []
    assert [frame["message"]["id"] for frame in of_type(close, "message.new")] == [m.pk for m in sent[2:]]
