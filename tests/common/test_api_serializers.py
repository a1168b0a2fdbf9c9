"""Write serializers built with RejectUnknownFieldsMixin reject fields they do not define."""

from rest_framework import serializers

from apps.common.api.serializers import RejectUnknownFieldsMixin


class NoteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    text = serializers.CharField()
    created = serializers.DateTimeField(read_only=True)


def test_known_fields_are_accepted():
    serializer = NoteSerializer(data={"text": "Bring a ladder"})

    assert serializer.is_valid()
    assert serializer.validated_data == {"text": "Bring a ladder"}


def test_unknown_and_read_only_fields_are_named():
    serializer = NoteSerializer(data={"text": "Bring a ladder", "txt": "x", "created": "2026-01-01T00:00:00Z"})

    assert not serializer.is_valid()
    assert sorted(serializer.errors) == ["created", "txt"]
    assert "Accepted fields: text." in str(serializer.errors["txt"][0])


def test_non_mapping_body_gets_the_usual_error():
    serializer = NoteSerializer(data=["text"])

    assert not serializer.is_valid()
    assert "non_field_errors" in serializer.errors
