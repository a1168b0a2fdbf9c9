from rest_framework import serializers

from apps.messaging import realtime


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers, lists and objects instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField that refuses booleans and floats (1e309 included) as well as text."""

    def to_internal_value(self, data):
        if isinstance(data, bool | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class StartSerializer(serializers.Serializer):
    job = StrictIntegerField(required=False, min_value=1, max_value=2**63 - 1)
    worker = StrictIntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def validate(self, data):
        if not data.get("job") and not data.get("worker"):
            raise serializers.ValidationError("Give a job, a worker, or both.")
        return data


class SendSerializer(serializers.Serializer):
    body = StrictCharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    client_id = StrictCharField(required=False, allow_blank=True, max_length=64)
    attachment = serializers.FileField(required=False, allow_empty_file=True)


class ReadSerializer(serializers.Serializer):
    message_id = StrictIntegerField(required=False, min_value=0, max_value=2**63 - 1)


class CursorSerializer(serializers.Serializer):
    after = serializers.IntegerField(required=False, min_value=0, max_value=2**63 - 1)
    before = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100)

    def validate(self, data):
        if "after" in data and "before" in data:
            raise serializers.ValidationError("Use either after or before, not both.")
        return data


def conversation_data(conversation, *, user, unread: int | None = None, last_read: dict | None = None) -> dict:
    other = conversation.other_party(user)
    last = conversation.last_message
    data = {
        "id": str(conversation.public_id),
        "job": {"id": conversation.job_id, "title": conversation.job.title} if conversation.job_id else None,
        "other": {"id": other.pk, "name": other.full_name},
        "last_message": realtime.serialize_message(last) if last is not None else None,
        "last_message_at": conversation.last_message_at.isoformat() if conversation.last_message_at else None,
        "created_at": conversation.created_at.isoformat(),
    }
    if unread is not None:
        data["unread"] = unread
    if last_read is not None:
        data["read"] = {str(user_id): message_id for user_id, message_id in last_read.items()}
    return data


# Response shapes, for the API schema. The data itself comes from realtime.serialize_message
# and conversation_data, shared with the websocket.


class SenderSchema(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AttachmentSchema(serializers.Serializer):
    url = serializers.CharField()
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["image/jpeg", "image/png", "image/webp", "application/pdf"])
    size = serializers.IntegerField(help_text="Bytes.")


class MessageSchema(serializers.Serializer):
    id = serializers.IntegerField(help_text="Grows with every message; the cursor for after/before.")
    conversation = serializers.UUIDField()
    sender = SenderSchema()
    body = serializers.CharField()
    attachment = AttachmentSchema(allow_null=True)
    client_id = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class JobRefSchema(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ConversationSchema(serializers.Serializer):
    id = serializers.UUIDField()
    job = JobRefSchema(allow_null=True)
    other = SenderSchema()
    last_message = MessageSchema(allow_null=True)
    last_message_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    unread = serializers.IntegerField(required=False, help_text="In the list only.")
    read = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text="User id to last read message id (detail only)."
    )


class ConversationListSchema(serializers.Serializer):
    results = ConversationSchema(many=True)


class MessageListSchema(serializers.Serializer):
    results = MessageSchema(many=True)
    has_more = serializers.BooleanField()


class ReadResultSchema(serializers.Serializer):
    last_read_message_id = serializers.IntegerField()
