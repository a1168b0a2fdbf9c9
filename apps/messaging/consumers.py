"""The websocket for one conversation: /ws/messages/<conversation public id>/?last_seen=<message id>.

Protocol (JSON text frames, each with a "type"):
  client -> server: message.send {body, client_id}, typing {}, read {message_id}, pong {}
  server -> client: message.new {message}, message.ack {client_id, message}, typing {user_id, name},
                    read {user_id, last_read_message_id}, ping {}, resync {},
                    error {code, message, client_id?}
On connect the server replays every message with id > last_seen, oldest first, before any
live one, and never sends one message id twice on one socket. A client more than
REPLAY_LIMIT messages behind gets `resync` instead and reloads the thread.
"""

import asyncio
import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.sessions.backends.base import SessionBase
from django.utils.module_loading import import_string

from apps.common.errors import DomainError, NotFound
from apps.messaging import conf, realtime, selectors, services
from apps.monitoring import metrics
from apps.notifications.throttled_log import log_throttled

logger = logging.getLogger(__name__)

# Close codes (4000-4999 are for applications). The client stops reconnecting on 4401 and 4404.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_SILENT = 4408
# The channel layer (Redis) failed; the client falls back to polling and reconnects later.
CLOSE_LAYER_DOWN = 4503
# Maximum messages replayed on one connect; a client further behind gets "resync" and reloads.
REPLAY_LIMIT = 200


class ConversationConsumer(AsyncJsonWebsocketConsumer):
    handlers = {
        "message.send": "on_message_send",
        "typing": "on_typing",
        "read": "on_read",
        "pong": "on_pong",
    }

    async def __call__(self, scope, receive, send):
        # The outermost boundary of one socket: when the channel layer is down, channels-redis
        # raises from the consumer's receive loop. Close the socket with a code the client
        # retries later, instead of crashing the connection with a server error.
        self.sent_close = False
        self.counted_open = False

        async def tracking_send(message):
            if message.get("type") == "websocket.close":
                self.sent_close = True
            await send(message)

        try:
            await super().__call__(scope, receive, tracking_send)
        except Exception as error:  # Channel layers raise their own transport errors (redis, OSError...).
            log_throttled(
                logger,
                logging.WARNING,
                "messaging:socket",
                "websocket closed after a channel layer failure: %r",
                error,
                extra={"path": scope.get("path")},
            )
            heartbeat = getattr(self, "heartbeat_task", None)
            if heartbeat is not None:
                heartbeat.cancel()
            if not self.sent_close:
                await send({"type": "websocket.close", "code": CLOSE_LAYER_DOWN})
        finally:
            # disconnect() does not run when the receive loop raises or the task is cancelled
            # (server shutdown), so the open-socket gauge is settled here as well.
            self._count_closed()

    def _count_opened(self) -> None:
        self.counted_open = _record_websocket_metric(metrics.websocket_opened)

    def _count_closed(self) -> None:
        """Count this socket as closed, once, and only if it was counted as open."""
        if self.counted_open:
            self.counted_open = False
            _record_websocket_metric(metrics.websocket_closed)

    async def connect(self):
        self.conversation = None
        self.sent_ids: set[int] = set()
        self.heartbeat_task = None
        self.joined: list[str] = []
        self.last_typing = 0.0
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.session_key = getattr(self.scope.get("session"), "session_key", None)

        self.conversation = await database_sync_to_async(self._load_conversation)()
        if self.conversation is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not await self._session_alive():
            self.conversation = None
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return

        for group in (realtime.conversation_group(self.conversation.pk), realtime.user_group(user.pk)):
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined.append(group)
        await self.accept()
        self._count_opened()
        self.last_heard = asyncio.get_running_loop().time()
        self.heartbeat_task = asyncio.create_task(self._heartbeat())
        await database_sync_to_async(realtime.presence_mark)(self.conversation.pk, user.pk, self.channel_name)
        await self._replay(self._last_seen())

    def _load_conversation(self):
        try:
            return selectors.conversation_get_for_user(
                public_id=self.scope["url_route"]["kwargs"]["public_id"], user=self.user
            )
        except NotFound:
            return None

    def _last_seen(self) -> int:
        query = self.scope.get("query_string", b"").decode("latin-1")
        for part in query.split("&"):
            name, _, value = part.partition("=")
            if name == "last_seen" and value.isdigit() and len(value) < 19:
                return int(value)
        return 0

    async def _replay(self, last_seen: int) -> None:
        messages = await database_sync_to_async(self._messages_after)(last_seen)
        if len(messages) > REPLAY_LIMIT:
            await self.send_json({"type": "resync"})
            messages = []
        for message in messages:
            await self._send_message("message.new", message)
        read = await database_sync_to_async(selectors.read_state)(conversation=self.conversation)
        for user_id, last_read in read.items():
            await self.send_json({"type": "read", "user_id": user_id, "last_read_message_id": last_read})

    def _messages_after(self, last_seen: int) -> list[dict]:
        rows = selectors.messages_after(conversation=self.conversation, after=last_seen, limit=REPLAY_LIMIT + 1)
        return [realtime.serialize_message(message) for message in rows]

    async def _send_message(self, kind: str, message: dict, **extra) -> None:
        if message["id"] in self.sent_ids:
            return
        self.sent_ids.add(message["id"])
        await self.send_json({"type": kind, "message": message, **extra})

    async def disconnect(self, code):
        # Runs for every kind of close: client close, a dropped connection (1006) and our own.
        self._count_closed()
        if self.heartbeat_task is not None:
            self.heartbeat_task.cancel()
        for group in self.joined:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as error:  # The layer may be what failed; its group entries expire on their own.
                logger.warning("could not leave group %s: %r", group, error)
        self.joined = []
        if self.conversation is not None:
            await database_sync_to_async(realtime.presence_clear)(self.conversation.pk, self.user.pk, self.channel_name)

    # Inbound frames ---------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            await self._error("invalid_frame", "Send JSON text frames.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._error("invalid_json", "The frame is not valid JSON.")
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        self.last_heard = asyncio.get_running_loop().time()
        kind = content.get("type") if isinstance(content, dict) else None
        handler = self.handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            await self._error("unknown_type", "Unknown message type.")
            return
        if not await self._still_allowed():
            return
        await getattr(self, handler)(content)

    async def on_message_send(self, content: dict) -> None:
        client_id = content.get("client_id")
        try:
            message = await database_sync_to_async(self._send)(content.get("body"), client_id)
        except DomainError as error:
            await self._error(error.code, error.message, client_id=client_id if isinstance(client_id, str) else None)
            return
        self.sent_ids.add(message["id"])
        await self.send_json({"type": "message.ack", "client_id": message["client_id"], "message": message})

    def _send(self, body, client_id) -> dict:
        message = services.message_send(
            conversation=self.conversation, sender=self.user, body=body, client_id=client_id
        )
        return realtime.serialize_message(message)

    async def on_typing(self, content: dict) -> None:
        now = asyncio.get_running_loop().time()
        if now - self.last_typing < conf.get("MESSAGING_TYPING_INTERVAL"):
            return
        self.last_typing = now
        await self.channel_layer.group_send(
            realtime.conversation_group(self.conversation.pk),
            {
                "type": "typing.update",
                "user_id": self.user.pk,
                "name": self.user.get_short_name(),
                "origin": self.channel_name,
            },
        )

    async def on_read(self, content: dict) -> None:
        message_id = content.get("message_id")
        if message_id is not None and (isinstance(message_id, bool) or not isinstance(message_id, int)):
            await self._error("invalid_message_id", "message_id must be a whole number.")
            return
        await database_sync_to_async(services.conversation_mark_read)(
            conversation=self.conversation, user=self.user, up_to_id=message_id
        )

    async def on_pong(self, content: dict) -> None:
        await database_sync_to_async(realtime.presence_mark)(self.conversation.pk, self.user.pk, self.channel_name)

    # Channel-layer events -----------------------------------------------------------------

    async def message_new(self, event: dict) -> None:
        await self._send_message("message.new", event["message"])

    async def typing_update(self, event: dict) -> None:
        if event.get("origin") == self.channel_name or event.get("user_id") == self.user.pk:
            return
        await self.send_json({"type": "typing", "user_id": event["user_id"], "name": event["name"]})

    async def read_update(self, event: dict) -> None:
        await self.send_json(
            {"type": "read", "user_id": event["user_id"], "last_read_message_id": event["last_read_message_id"]}
        )

    async def session_ended(self, event: dict) -> None:
        if self.session_key and event.get("session") == realtime.session_fingerprint(self.session_key):
            logger.info("closing websocket after logout", extra={"user_id": self.user.pk})
            await self.close(code=CLOSE_UNAUTHENTICATED)

    # Checks ---------------------------------------------------------------------------------

    async def _still_allowed(self) -> bool:
        """Return whether the session and the membership still hold; close the socket if not."""
        if not await self._session_alive():
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return False
        allowed = await database_sync_to_async(selectors.is_participant)(
            conversation_id=self.conversation.pk, user_id=self.user.pk
        )
        if not allowed:
            await self.close(code=CLOSE_NOT_FOUND)
        return allowed

    async def _session_alive(self) -> bool:
        if not self.session_key:
            return False
        return await database_sync_to_async(_session_exists)(self.session_key)

    async def _heartbeat(self) -> None:
        interval = conf.get("MESSAGING_HEARTBEAT_INTERVAL")
        timeout = conf.get("MESSAGING_HEARTBEAT_TIMEOUT")
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(interval)
            if loop.time() - self.last_heard > timeout:
                logger.info("closing silent websocket", extra={"user_id": self.user.pk})
                await self.close(code=CLOSE_SILENT)
                return
            if not await self._still_allowed():
                return
            await self.send_json({"type": "ping"})

    async def _error(self, code: str, message: str, **extra) -> None:
        await self.send_json({"type": "error", "code": code, "message": str(message), **extra})


def _record_websocket_metric(record) -> bool:
    """Call metrics.websocket_opened or websocket_closed, and return False if it raised.

    A metrics failure is logged and never reaches the socket.
    """
    try:
        record()
    except Exception:  # The gauge is for operators; the conversation must go on without it.
        log_throttled(
            logger, logging.WARNING, "messaging:socket-metric", "recording a websocket metric failed", exc_info=True
        )
        return False
    return True


def _session_exists(session_key: str) -> bool:
    from django.conf import settings

    store: SessionBase = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    return store.exists(session_key)
