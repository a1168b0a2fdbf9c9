from django.contrib import admin

from apps.messaging.models import Conversation


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Operators see who talks to whom and when, not what they wrote."""

    list_display = ["public_id", "hirer", "worker", "job", "created_at", "last_message_at"]
    raw_id_fields = ["hirer", "worker", "job", "last_message"]
    search_fields = ["public_id", "hirer__email", "worker__email"]
