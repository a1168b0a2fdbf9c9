import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.common.errors import DomainError, NotAllowed, NotFound
from apps.messaging.models import Conversation, Message, Participant
from apps.messaging.selectors import contact_details_visible, conversation_list_for_user, unread_total
from apps.messaging.services import conversation_direct, conversation_for_job, conversation_mark_read, message_send
from apps.notifications.models import Notification
from tests.messaging.conftest import apply, make_job

pytestmark = pytest.mark.django_db


def test_hirer_opens_conversation_with_applicant(job, worker, application):
    conversation = conversation_for_job(job=job, worker=worker, actor=job.hirer)

    assert conversation.hirer == job.hirer
    assert conversation.worker == worker
    assert set(Participant.objects.filter(conversation=conversation).values_list("user", flat=True)) == {
        job.hirer.pk,
        worker.pk,
    }


def test_one_conversation_per_job_and_pair(job, worker, application):
    first = conversation_for_job(job=job, worker=worker, actor=job.hirer)
    second = conversation_for_job(job=job, worker=worker, actor=worker)

    assert first.pk == second.pk
    assert Conversation.objects.count() == 1
    assert Participant.objects.count() == 2


def test_hirer_cannot_message_non_applicant(job, worker):
    with pytest.raises(NotFound):
        conversation_for_job(job=job, worker=worker, actor=job.hirer)
    assert not Conversation.objects.exists()


def test_worker_must_apply_first(job, worker):
    with pytest.raises(NotAllowed):
        conversation_for_job(job=job, worker=worker, actor=worker)
    assert not Conversation.objects.exists()


def test_outsider_cannot_open_job_conversation(job, worker, application, stranger):
    with pytest.raises(NotFound):
        conversation_for_job(job=job, worker=worker, actor=stranger)
    assert not Conversation.objects.exists()


def test_direct_conversation_is_one_per_pair(hirer, worker):
    first = conversation_direct(hirer=hirer, worker=worker)
    second = conversation_direct(hirer=hirer, worker=worker)

    assert first.pk == second.pk
    assert first.job is None
    assert Conversation.objects.count() == 1


def test_direct_and_job_conversations_are_separate(job, worker, application):
    direct = conversation_direct(hirer=job.hirer, worker=worker)
    about_job = conversation_for_job(job=job, worker=worker, actor=worker)

    assert direct.pk != about_job.pk


def test_worker_cannot_start_direct_conversation(worker, stranger):
    with pytest.raises(NotAllowed):
        conversation_direct(hirer=worker, worker=stranger)
    assert not Conversation.objects.exists()


def test_send_stores_message_and_updates_conversation(conversation, worker):
    message = message_send(conversation=conversation, sender=worker, body="  I can come at 9.  ")

    assert message.body == "I can come at 9."
    assert message.replayed is False
    conversation.refresh_from_db()
    assert conversation.last_message_id == message.pk
    assert Participant.objects.get(conversation=conversation, user=worker).last_read_message_id == message.pk


@pytest.mark.parametrize("body", ["", "   ", "\n\t "])
def test_whitespace_only_message_is_rejected(conversation, worker, body):
    with pytest.raises(DomainError) as error:
        message_send(conversation=conversation, sender=worker, body=body)

    assert error.value.code == "empty_message"
    assert not Message.objects.exists()


def test_too_long_message_is_rejected(conversation, worker):
    with pytest.raises(DomainError) as error:
        message_send(conversation=conversation, sender=worker, body="a" * 4001)

    assert error.value.code == "body_too_long"
    assert not Message.objects.exists()


def test_non_text_body_is_rejected(conversation, worker):
    with pytest.raises(DomainError):
        message_send(conversation=conversation, sender=worker, body=["list"])
    assert not Message.objects.exists()


def test_outsider_cannot_send(conversation, stranger):
    with pytest.raises(NotFound):
        message_send(conversation=conversation, sender=stranger, body="Hello")
    assert not Message.objects.exists()


def test_repeated_client_id_stores_one_message(conversation, worker):
    first = message_send(conversation=conversation, sender=worker, body="Hello", client_id="c-1")
    second = message_send(conversation=conversation, sender=worker, body="Hello", client_id="c-1")

    assert first.pk == second.pk
    assert second.replayed is True
    assert Message.objects.count() == 1


def test_same_client_id_from_other_sender_is_separate(conversation, worker):
    message_send(conversation=conversation, sender=worker, body="Hello", client_id="c-1")
    message_send(conversation=conversation, sender=conversation.hirer, body="Hi", client_id="c-1")

    assert Message.objects.count() == 2


def test_invalid_client_id_is_rejected(conversation, worker):
    with pytest.raises(DomainError):
        message_send(conversation=conversation, sender=worker, body="Hello", client_id="x" * 65)
    assert not Message.objects.exists()


def test_unread_counts_for_both_sides(conversation, worker, hirer):
    message_send(conversation=conversation, sender=hirer, body="One")
    message_send(conversation=conversation, sender=worker, body="Two")
    message_send(conversation=conversation, sender=worker, body="Three")

    assert unread_total(user=hirer) == 2
    assert unread_total(user=worker) == 0
    rows = {row.pk: row.unread for row in conversation_list_for_user(user=hirer)}
    assert rows == {conversation.pk: 2}


def test_mark_read_moves_forward_only(conversation, worker, hirer):
    first = message_send(conversation=conversation, sender=worker, body="One")
    second = message_send(conversation=conversation, sender=worker, body="Two")

    assert conversation_mark_read(conversation=conversation, user=hirer) == second.pk
    assert conversation_mark_read(conversation=conversation, user=hirer, up_to_id=first.pk) == second.pk
    assert conversation_mark_read(conversation=conversation, user=hirer, up_to_id=10**12) == second.pk
    assert unread_total(user=hirer) == 0
    assert Participant.objects.get(conversation=conversation, user=hirer).last_read_message_id == second.pk


def test_outsider_cannot_mark_read(conversation, stranger):
    with pytest.raises(NotFound):
        conversation_mark_read(conversation=conversation, user=stranger)


def test_absent_recipient_is_notified_once_per_conversation(
    conversation, worker, hirer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation, sender=worker, body="One")
        message_send(conversation=conversation, sender=worker, body="Two")

    notification = Notification.objects.get(user=hirer)
    assert notification.event == "message.received"
    assert notification.count == 2
    assert notification.body == "Two"
    assert notification.link == f"/messages/{conversation.public_id}/"
    assert not Notification.objects.filter(user=worker).exists()


def test_reading_clears_message_notification(conversation, worker, hirer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation, sender=worker, body="One")
        conversation_mark_read(conversation=conversation, user=hirer)

    assert Notification.objects.get(user=hirer).read_at is not None


def test_present_recipient_is_not_notified(conversation, worker, hirer, django_capture_on_commit_callbacks):
    from apps.messaging import realtime

    realtime.presence_mark(conversation.pk, hirer.pk, "test-channel")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            message_send(conversation=conversation, sender=worker, body="One")
    finally:
        realtime.presence_clear(conversation.pk, hirer.pk, "test-channel")

    assert not Notification.objects.filter(user=hirer).exists()


def test_contact_details_hidden_without_funded_contract(conversation):
    assert contact_details_visible(conversation=conversation) is False


def test_conversation_list_query_count_is_fixed(hirer, django_assert_num_queries):
    from tests.conftest import make_user

    for number in range(6):
        worker = make_user(name=f"Worker {number}")
        job = make_job(hirer, title=f"Job {number}")
        apply(job, worker)
        conversation = conversation_for_job(job=job, worker=worker, actor=hirer)
        message_send(conversation=conversation, sender=worker, body=f"Message {number}")
        message_send(
            conversation=conversation,
            sender=worker,
            body="",
            attachment=SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
        )

    with django_assert_num_queries(1):
        rows = list(conversation_list_for_user(user=hirer))
        names = [(row.other_party(hirer).full_name, row.job.title, row.last_message.sender.full_name) for row in rows]

    assert len(rows) == 6
    assert all(row.unread == 2 for row in rows)
    assert len(names) == 6


def test_replying_marks_thread_read_for_sender(conversation, worker, hirer):
    message_send(conversation=conversation, sender=worker, body="One")
    message_send(conversation=conversation, sender=hirer, body="Reply")

    assert unread_total(user=hirer) == 0
    assert unread_total(user=worker) == 1


def test_sending_too_fast_is_rejected(conversation, worker, settings):
    from django.core.cache import cache

    cache.clear()
    settings.MESSAGING_SEND_RATE_PER_MINUTE = 3
    first = message_send(conversation=conversation, sender=worker, body="Message 0", client_id="c-0")
    for number in range(1, 3):
        message_send(conversation=conversation, sender=worker, body=f"Message {number}")

    with pytest.raises(DomainError) as error:
        message_send(conversation=conversation, sender=worker, body="One too many")
    replay = message_send(conversation=conversation, sender=worker, body="Message 0", client_id="c-0")

    assert error.value.code == "rate_limited"
    assert error.value.status == 429
    assert replay.pk == first.pk, "a retry of a stored message is still answered"
    assert Message.objects.count() == 3
