"""Concurrent writers on PostgreSQL: unique constraints must turn races into one row."""

import threading

import pytest
from django.db import connection

from apps.messaging.models import Conversation, Message, Participant
from apps.messaging.services import conversation_direct, message_send
from apps.notifications.models import Notification
from apps.notifications.services import notify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(count: int, work) -> list:
    """Run work() in `count` threads released at the same moment; return results or exceptions."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index):
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_concurrent_sends_with_one_client_id_store_one(conversation, worker):
    results = run_together(
        6, lambda: message_send(conversation=conversation, sender=worker, body="Retry storm", client_id="same")
    )

    assert all(isinstance(result, Message) for result in results), results
    assert len({result.pk for result in results}) == 1
    assert Message.objects.count() == 1


def test_concurrent_starts_make_one_conversation(hirer, worker):
    results = run_together(6, lambda: conversation_direct(hirer=hirer, worker=worker))

    assert all(isinstance(result, Conversation) for result in results), results
    assert len({result.pk for result in results}) == 1
    assert Conversation.objects.count() == 1
    assert Participant.objects.count() == 2


def test_concurrent_grouped_events_make_one_unread_row(hirer):
    results = run_together(
        5, lambda: notify(user=hirer, event="message.received", title="New message", body="", group_key="conv:race")
    )

    assert all(isinstance(result, Notification) for result in results), results
    row = Notification.objects.get(user=hirer)
    assert row.count == 5


def test_losing_racer_leaves_no_attachment_file(conversation, worker, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.messaging.test_attachments import PDF

    settings.MEDIA_ROOT = tmp_path

    def send():
        upload = SimpleUploadedFile("quote.pdf", PDF, content_type="application/pdf")
        return message_send(conversation=conversation, sender=worker, body="", attachment=upload, client_id="file-1")

    results = run_together(4, send)

    assert all(isinstance(result, Message) for result in results), results
    assert Message.objects.count() == 1
    stored = list((tmp_path / "messaging").iterdir())
    assert [path.name for path in stored] == [Message.objects.get().attachment.name.rsplit("/", 1)[-1]]
