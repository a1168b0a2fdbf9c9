"""WebSocket routes, collected from each app that serves one."""

from django.urls import path  # noqa: F401

websocket_urlpatterns: list = []
