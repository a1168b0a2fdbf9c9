"""Fan-out to websockets through the channel layer, and who is connected where.

Everything here runs after the data is committed and is best effort: when the channel
layer is down or slow, the failure is logged (rate-limited) and swallowed, and clients
catch up by replay on reconnect or by polling.
"""

import asyncio
import hashlib
import logging
import threading
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.urls import reverse

from apps.messaging import conf
from apps.notifications.throttled_log import log_throttled

logger = logging.getLogger(__name__)

_skip_lock = threading.Lock()
_skip_until = 0.0


def conversation_group(conversation_id: int) -> str:
    return f"messaging.conversation.{conversation_id}"


def user_group(user_id: int) -> str:
    return f"messaging.user.{user_id}"


def session_fingerprint(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def presence_key(conversation_id: int, user_id: int) -> str:
    return f"messaging:presence:{conversation_id}:{user_id}"


def serialize_message(message) -> dict:
    """Return the JSON form of a message shared by the websocket, the polling fragment's data and the API."""
    attachment = None
    if message.attachment:
        attachment = {
            "url": reverse("messaging:attachment", args=[message.conversation.public_id, message.pk]),
            "name": message.attachment_name,
            "type": message.attachment_type,
            "size": message.attachment_size,
        }
    return {
        "id": message.pk,
        "conversation": str(message.conversation.public_id),
        "sender": {"id": message.sender_id, "name": message.sender.get_short_name()},
        "body": message.body,
        "attachment": attachment,
        "client_id": message.client_id,
        "created_at": message.created_at.isoformat(),
    }


def group_send(group: str, event: dict) -> bool:
    """Send `event` to a channel-layer group from sync code; return False (logged) if it failed."""
    global _skip_until
    if time.monotonic() < _skip_until:
        return False
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(_send_with_timeout)(layer, group, event)
    except Exception as error:  # A down or hung layer raises many kinds of errors; none may reach the sender.
        if isinstance(error, TimeoutError):
            # A hung layer costs a full timeout per call, so stop calling it for a while.
            with _skip_lock:
                _skip_until = time.monotonic() + conf.get("MESSAGING_FANOUT_RETRY_AFTER")
        log_throttled(
            logger,
            logging.WARNING,
            "messaging:fanout",
            "realtime fan-out failed (%r); clients will catch up by replay or polling",
            error,
            extra={"group": group, "event_type": event.get("type")},
        )
        return False
    return True


async def _send_with_timeout(layer, group: str, event: dict) -> None:
    await asyncio.wait_for(layer.group_send(group, event), timeout=conf.get("MESSAGING_FANOUT_TIMEOUT"))


def probe_channel_layer() -> bool:
    """Return whether a group send to a probe group completes within the fan-out timeout."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(_send_with_timeout)(layer, "messaging.health", {"type": "health.probe"})
    except Exception as error:  # Any failure means the layer is not usable right now.
        log_throttled(logger, logging.WARNING, "messaging:probe", "channel layer probe failed: %r", error)
        return False
    return True


def reset_fanout_backoff() -> None:
    """Forget an earlier fan-out failure (for tests and after an operator fixed the layer)."""
    global _skip_until
    with _skip_lock:
        _skip_until = 0.0


def presence_mark(conversation_id: int, user_id: int, channel_name: str) -> None:
    ttl = conf.get("MESSAGING_HEARTBEAT_TIMEOUT") + conf.get("MESSAGING_HEARTBEAT_INTERVAL")
    try:
        cache.set(presence_key(conversation_id, user_id), channel_name, timeout=ttl)
    except Exception as error:  # Presence is a hint; a cache outage only means more notifications.
        log_throttled(logger, logging.WARNING, "messaging:presence", "presence update failed: %r", error)


def presence_clear(conversation_id: int, user_id: int, channel_name: str) -> None:
    try:
        key = presence_key(conversation_id, user_id)
        if cache.get(key) == channel_name:
            cache.delete(key)
    except Exception as error:  # Presence is a hint; a stale entry expires with its timeout.
        log_throttled(logger, logging.WARNING, "messaging:presence", "presence update failed: %r", error)


def is_present(conversation_id: int, user_id: int) -> bool:
    """Return whether the user has a live socket on this conversation; False when unknown."""
    try:
        return cache.get(presence_key(conversation_id, user_id)) is not None
    except Exception as error:  # Unknown presence counts as away, so the person is notified.
        log_throttled(logger, logging.WARNING, "messaging:presence", "presence read failed: %r", error)
        return False
