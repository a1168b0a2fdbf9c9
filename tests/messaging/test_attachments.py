import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.common.errors import DomainError
from apps.messaging.models import Conversation, Message
from apps.messaging.services import message_send

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str = "PNG", size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("site.png", image_bytes("PNG"), "image/png"),
        ("site.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("site.webp", image_bytes("WEBP"), "image/webp"),
        ("quote.pdf", PDF, "application/pdf"),
    ],
)
def test_accepted_attachment_is_stored(conversation, worker, name, content, content_type):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")

    message = message_send(conversation=conversation, sender=worker, body="", attachment=upload)

    stored = Message.objects.get(pk=message.pk)
    assert stored.attachment_type == content_type
    assert stored.attachment_name == name
    assert stored.attachment_size == len(content)
    assert not stored.attachment.name.endswith(name), "the stored file name is random"
    with stored.attachment.open("rb") as handle:
        assert handle.read() == content


def refused(conversation, worker, upload) -> DomainError:
    with pytest.raises(DomainError) as error:
        message_send(conversation=conversation, sender=worker, body="See attached", attachment=upload)
    assert not Message.objects.exists()
    conversation = Conversation.objects.get(pk=conversation.pk)
    assert conversation.last_message_id is None
    return error.value


def test_empty_file_is_refused(conversation, worker):
    error = refused(conversation, worker, SimpleUploadedFile("empty.png", b"", content_type="image/png"))

    assert error.code == "attachment_empty"
    assert "empty" in error.message


def test_too_large_file_is_refused(conversation, worker, settings):
    settings.MESSAGING_MAX_ATTACHMENT_BYTES = 1024
    content = image_bytes("PNG", size=(200, 200)) + b"\0" * 2048

    error = refused(conversation, worker, SimpleUploadedFile("big.png", content, content_type="image/png"))

    assert error.code == "attachment_too_large"
    assert "too large" in error.message


def test_default_limit_is_five_megabytes(conversation, worker):
    content = PDF[:-7] + b"\0" * (5 * 1024 * 1024) + b"%%EOF\n"

    error = refused(conversation, worker, SimpleUploadedFile("big.pdf", content, content_type="application/pdf"))

    assert error.code == "attachment_too_large"
    assert "5 MB" in error.message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", b"MZ\x90\x00 this is a Windows program, not a photo" * 4),
        ("photo.png", b"<html><script>alert(1)</script></html>"),
        ("quote.pdf", b"#!/bin/sh\nrm -rf /\n"),
        ("photo.gif", b"GIF89a" + b"\0" * 40),
    ],
)
def test_wrong_content_behind_right_name_is_refused(conversation, worker, name, content):
    error = refused(conversation, worker, SimpleUploadedFile(name, content, content_type="image/jpeg"))

    assert error.code == "attachment_type"
    assert "JPEG, PNG or WebP" in error.message


def test_truncated_image_is_refused(conversation, worker):
    content = image_bytes("PNG", size=(64, 64))[:60]

    error = refused(conversation, worker, SimpleUploadedFile("cut.png", content, content_type="image/png"))

    assert error.code == "attachment_unreadable"


def test_pdf_without_end_marker_is_refused(conversation, worker):
    error = refused(
        conversation, worker, SimpleUploadedFile("cut.pdf", b"%PDF-1.4\n1 0 obj", content_type="application/pdf")
    )

    assert error.code == "attachment_unreadable"


def test_huge_pixel_count_is_refused(conversation, worker, settings):
    settings.MESSAGING_MAX_IMAGE_PIXELS = 1000

    error = refused(conversation, worker, SimpleUploadedFile("wide.png", image_bytes("PNG", (100, 100))))

    assert error.code == "attachment_too_large"
