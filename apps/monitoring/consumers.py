"""Push the dashboard's live section to staff browsers over a websocket.

The consumer accepts only an active staff member's session, re-checks that on every push
(a logout or a demotion closes the socket), and sends the same HTML the htmx poll gets.
"""

import asyncio
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string

from apps.monitoring import conf, dashboard, metrics

logger = logging.getLogger(__name__)

# Close code sent when the session is no longer an active staff member's (4000-4999 are
# free for applications).
CLOSE_NOT_ALLOWED = 4403
# Seconds between two pushes that a client's refresh request may cause.
MIN_PUSH_INTERVAL = 1.0


def _render_live() -> str:
    return render_to_string("monitoring/_live.html", dashboard.snapshot())


def _still_allowed(user_id, session) -> bool:
    if session is None or not session.session_key or not session.exists(session.session_key):
        return False
    return get_user_model().objects.filter(pk=user_id, is_active=True, is_staff=True).exists()


class OpsConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not (user.is_active and user.is_staff):
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.user_id = user.pk
        self.pusher = None
        self.pushed_at = 0.0
        await self.accept()
        metrics.websocket_opened()
        self.pusher = asyncio.create_task(self._push_forever())

    async def disconnect(self, code):
        pusher = getattr(self, "pusher", None)
        if pusher is not None:
            pusher.cancel()
            metrics.websocket_closed()

    async def receive(self, text_data=None, bytes_data=None):
        # Any message asks for an immediate refresh; its content is ignored. Requests within
        # a second of the last push are dropped, so a client cannot make the server render
        # the dashboard in a loop.
        if time.monotonic() - self.pushed_at >= MIN_PUSH_INTERVAL:
            await self._push_once()

    async def _push_forever(self):
        interval = conf.get().ops_refresh_seconds
        try:
            while await self._push_once():
                await asyncio.sleep(interval)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Dashboard push failed; closing the socket so the page falls back to polling")
            await self.close()

    async def _push_once(self) -> bool:
        allowed = await database_sync_to_async(_still_allowed)(self.user_id, self.scope.get("session"))
        if not allowed:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return False
        html = await database_sync_to_async(_render_live)()
        await self.send(text_data=json.dumps({"html": html}))
        self.pushed_at = time.monotonic()
        return True
