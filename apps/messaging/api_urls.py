from django.urls import path

from apps.messaging import api

urlpatterns = [
    path("conversations/", api.conversations, name="messaging-conversations"),
    path("conversations/<uuid:public_id>/", api.conversation_detail, name="messaging-conversation"),
    path("conversations/<uuid:public_id>/messages/", api.messages, name="messaging-messages"),
    path("conversations/<uuid:public_id>/read/", api.read, name="messaging-read"),
]
