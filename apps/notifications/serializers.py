from rest_framework import serializers

from apps.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "event", "title", "body", "link", "count", "is_read", "read_at", "created_at", "updated_at"]
        read_only_fields = fields


class PreferencesSerializer(serializers.Serializer):
    """{"preferences": {"<event>": {"<channel>": true|false}}}: only the pairs to change."""

    preferences = serializers.DictField(
        child=serializers.DictField(child=serializers.BooleanField(), allow_empty=False), allow_empty=False
    )

    def validate_preferences(self, value: dict) -> dict[tuple[str, str], bool]:
        from apps.notifications.events import EVENTS, Channel

        choices = {}
        for event, channels in value.items():
            if event not in EVENTS:
                raise serializers.ValidationError(f"Unknown event “{event}”.")
            for channel, enabled in channels.items():
                if channel not in Channel.values:
                    raise serializers.ValidationError(f"Unknown channel “{channel}”; use in_app, sms or email.")
                if channel not in EVENTS[event].available_channels:
                    raise serializers.ValidationError(f"“{event}” cannot be sent by {channel}.")
                choices[(event, channel)] = enabled
        return choices


class UnreadCountSchema(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedReadSchema(serializers.Serializer):
    marked_read = serializers.IntegerField()


class PreferencesSchema(serializers.Serializer):
    preferences = serializers.DictField(
        child=serializers.DictField(child=serializers.BooleanField()),
        help_text="Event to channel (in_app, sms, email) to on/off.",
    )
