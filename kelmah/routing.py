"""WebSocket routes, collected from each app that serves one."""

from django.urls import path

from apps.messaging.consumers import ConversationConsumer
from apps.monitoring.consumers import OpsConsumer

websocket_urlpatterns: list = [
    path("ws/messages/<uuid:public_id>/", ConversationConsumer.as_asgi()),
    path("ws/ops/", OpsConsumer.as_asgi()),
]
