import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.messaging.models import Conversation, Message
from apps.messaging.services import message_send
from tests.conftest import make_user
from tests.messaging.conftest import apply, make_job
from tests.messaging.test_attachments import image_bytes

pytestmark = pytest.mark.django_db


def thread_url(conversation) -> str:
    return f"/messages/{conversation.public_id}/"


# Inbox ---------------------------------------------------------------------------------


def test_inbox_lists_conversations_with_unread_counts(conversation, worker, hirer_client):
    message_send(conversation=conversation, sender=worker, body="Can I start Monday?")
    message_send(conversation=conversation, sender=worker, body="Or Tuesday?")

    response = hirer_client.get("/messages/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Kofi Boateng" in html
    assert "Or Tuesday?" in html
    assert "2 unread messages" in html


def test_inbox_query_count_does_not_grow(hirer, hirer_client, django_assert_max_num_queries):
    def add_conversations(count):
        for _ in range(count):
            worker = make_user(name="Worker")
            job = make_job(hirer)
            apply(job, worker)
            from apps.messaging.services import conversation_for_job

            conversation = conversation_for_job(job=job, worker=worker, actor=hirer)
            message_send(conversation=conversation, sender=worker, body="Hello")

    add_conversations(2)
    hirer_client.get("/messages/")  # warms per-process caches (maintenance switches and the like)
    with django_assert_max_num_queries(30) as small:
        hirer_client.get("/messages/")
    add_conversations(8)
    with django_assert_max_num_queries(30) as large:
        response = hirer_client.get("/messages/")

    assert response.content.decode().count('class="card unread"') == 10

    # Other layers reload their own state on a timer, so compare the messaging queries only.
    def messaging_queries(captured):
        return [query["sql"] for query in captured.captured_queries if "messaging_" in query["sql"]]

    assert len(messaging_queries(large)) == len(messaging_queries(small))
    assert len(messaging_queries(large)) <= 3


def test_inbox_needs_login(client):
    response = client.get("/messages/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# Thread page ---------------------------------------------------------------------------


def test_participant_sees_thread_and_it_is_marked_read(conversation, worker, hirer, hirer_client):
    message = message_send(conversation=conversation, sender=worker, body="I have the fittings.")

    response = hirer_client.get(thread_url(conversation))

    assert response.status_code == 200
    assert "I have the fittings." in response.content.decode()
    assert conversation.participants.get(user=hirer).last_read_message_id == message.pk


def test_third_user_gets_404_for_thread(conversation, worker, stranger_client):
    message_send(conversation=conversation, sender=worker, body="Private quote")

    for url in (
        thread_url(conversation),
        f"{thread_url(conversation)}after/?after=0",
        f"/api/v1/messaging/conversations/{conversation.public_id}/",
        f"/api/v1/messaging/conversations/{conversation.public_id}/messages/",
    ):
        response = stranger_client.get(url)
        assert response.status_code == 404, url
        assert b"Private quote" not in response.content


def test_third_user_cannot_post_into_thread(conversation, stranger_client):
    response = stranger_client.post(thread_url(conversation), {"body": "Hi", "client_id": "x"})
    read = stranger_client.post(f"{thread_url(conversation)}read/")

    assert response.status_code == 404
    assert read.status_code == 404
    assert not Message.objects.exists()


def test_thread_needs_login(conversation, client):
    response = client.get(thread_url(conversation))

    assert response.status_code == 302


def test_unknown_conversation_is_404(hirer_client):
    response = hirer_client.get("/messages/00000000-0000-4000-8000-000000000000/")

    assert response.status_code == 404


def test_thread_hides_phone_before_funded_contract(conversation, worker, hirer_client):
    response = hirer_client.get(thread_url(conversation))

    html = response.content.decode()
    assert worker.phone not in html
    assert "shown once a contract between you is funded" in html


def test_thread_shows_newest_page_with_older_link(conversation, worker, hirer_client, settings):
    settings.MESSAGING_PAGE_SIZE = 3
    sent = [message_send(conversation=conversation, sender=worker, body=f"Line {n}") for n in range(7)]

    newest = hirer_client.get(thread_url(conversation)).content.decode()
    older = hirer_client.get(f"{thread_url(conversation)}?before={sent[4].pk}").content.decode()
    oldest = hirer_client.get(f"{thread_url(conversation)}?before={sent[1].pk}").content.decode()

    assert [f"Line {n}" in newest for n in range(7)] == [False] * 4 + [True] * 3
    assert f"?before={sent[4].pk}" in newest
    assert [f"Line {n}" in older for n in range(7)] == [False, True, True, True, False, False, False]
    assert "Older messages" in older
    assert "Line 0" in oldest
    assert "Older messages" not in oldest


def test_bad_before_parameter_shows_newest_page(conversation, worker, hirer_client):
    message_send(conversation=conversation, sender=worker, body="Hello")

    for value in ("abc", "-1", "1e309", "9" * 40):
        response = hirer_client.get(f"{thread_url(conversation)}?before={value}")
        assert response.status_code == 200
        assert "Hello" in response.content.decode()


# Sending without JavaScript -----------------------------------------------------------


def test_form_post_stores_message_and_redirects(conversation, worker, worker_client):
    response = worker_client.post(thread_url(conversation), {"body": "See you at 8.", "client_id": "form-1"})

    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{thread_url(conversation)}#message-{message.pk}"
    assert message.body == "See you at 8."
    assert message.sender == worker


def test_form_post_repeated_client_id_stores_one(conversation, worker_client):
    for _ in range(3):
        worker_client.post(thread_url(conversation), {"body": "See you at 8.", "client_id": "form-1"})

    assert Message.objects.count() == 1


def test_idempotency_key_header_guards_form_post(conversation, worker_client):
    for _ in range(2):
        worker_client.post(thread_url(conversation), {"body": "Once"}, HTTP_IDEMPOTENCY_KEY="key-77")

    assert Message.objects.count() == 1


def test_idempotency_key_field_guards_form_post(conversation, worker_client):
    first = worker_client.post(thread_url(conversation), {"body": "Offline draft", "idempotency_key": "offline-1"})
    second = worker_client.post(thread_url(conversation), {"body": "Offline draft", "idempotency_key": "offline-1"})

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    message = Message.objects.get()
    assert message.client_id == "offline-1"


def test_thread_form_joins_offline_queue(conversation, worker_client):
    html = worker_client.get(thread_url(conversation)).content.decode()

    assert "data-offline-queue=" in html
    assert 'name="idempotency_key"' in html


def test_form_post_whitespace_shows_error(conversation, worker_client):
    response = worker_client.post(thread_url(conversation), {"body": "   \n ", "client_id": "form-2"})

    assert response.status_code == 400
    assert "Write a message or attach a file." in response.content.decode()
    assert not Message.objects.exists()


def test_form_post_bad_attachment_shows_error(conversation, worker_client):
    upload = SimpleUploadedFile("photo.jpg", b"not really a photo at all", content_type="image/jpeg")

    response = worker_client.post(thread_url(conversation), {"body": "Photo", "attachment": upload})

    assert response.status_code == 400
    assert "This file type is not accepted" in response.content.decode()
    assert not Message.objects.exists()


def test_form_post_with_photo(conversation, worker_client, hirer_client, stranger_client):
    upload = SimpleUploadedFile("sink.png", image_bytes("PNG"), content_type="image/png")

    worker_client.post(thread_url(conversation), {"body": "", "attachment": upload})

    message = Message.objects.get()
    url = f"{thread_url(conversation)}attachments/{message.pk}/"
    assert url in hirer_client.get(thread_url(conversation)).content.decode()
    download = hirer_client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == image_bytes("PNG")
    assert stranger_client.get(url).status_code == 404


# Polling fallback ---------------------------------------------------------------------


def test_poll_fragment_returns_only_newer_messages(conversation, worker, hirer_client):
    first = message_send(conversation=conversation, sender=worker, body="First")
    second = message_send(conversation=conversation, sender=worker, body="Second")

    response = hirer_client.get(f"{thread_url(conversation)}after/?after={first.pk}")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Second" in html
    assert "First" not in html
    assert f'{{"after": {second.pk}}}' in html, "the new poller carries the new position"
    assert conversation.participants.get(user=conversation.hirer).last_read_message_id == second.pk


def test_poll_fragment_with_nothing_new(conversation, worker, hirer_client):
    message = message_send(conversation=conversation, sender=worker, body="First")

    response = hirer_client.get(f"{thread_url(conversation)}after/?after={message.pk}")

    assert response.status_code == 200
    assert "message-list" not in response.content.decode()
    assert f'{{"after": {message.pk}}}' in response.content.decode()


def test_message_sent_while_channel_layer_down_arrives_by_polling(
    conversation, worker_client, hirer_client, dead_layer, caplog, django_capture_on_commit_callbacks
):
    from apps.notifications import throttled_log
    from apps.notifications.models import Notification

    throttled_log.reset()
    with django_capture_on_commit_callbacks(execute=True):
        response = worker_client.post(thread_url(conversation), {"body": "Layer is down", "client_id": "down-1"})

    assert response.status_code == 302
    assert Notification.objects.get(user=conversation.hirer).body == "Layer is down"
    message = Message.objects.get()
    assert message.body == "Layer is down"
    assert "realtime fan-out failed" in caplog.text
    poll = hirer_client.get(f"{thread_url(conversation)}after/?after=0")
    assert "Layer is down" in poll.content.decode()


def test_send_with_hung_channel_layer_is_stored(
    conversation, worker_client, hirer_client, hung_layer, caplog, django_capture_on_commit_callbacks
):
    from apps.notifications import throttled_log

    throttled_log.reset()
    with django_capture_on_commit_callbacks(execute=True):
        first = worker_client.post(thread_url(conversation), {"body": "First while hung", "client_id": "h-1"})
    with django_capture_on_commit_callbacks(execute=True):
        second = worker_client.post(thread_url(conversation), {"body": "Second while hung", "client_id": "h-2"})

    assert first.status_code == 302
    assert second.status_code == 302
    assert list(Message.objects.values_list("body", flat=True)) == ["First while hung", "Second while hung"]
    assert "TimeoutError" in caplog.text
    poll = hirer_client.get(f"{thread_url(conversation)}after/?after=0").content.decode()
    assert "First while hung" in poll
    assert "Second while hung" in poll


# Starting conversations ---------------------------------------------------------------


def test_hirer_starts_conversation_with_applicant(job, worker, application, hirer_client):
    response = hirer_client.post("/messages/start/", {"job": job.pk, "worker": worker.pk})

    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread_url(conversation)
    assert conversation.job == job


def test_worker_starts_conversation_about_job(job, worker, application, worker_client):
    response = worker_client.post("/messages/start/", {"job": job.pk})

    assert response.status_code == 302
    assert Conversation.objects.get().worker == worker


def test_worker_who_did_not_apply_is_told_why(job, worker_client):
    response = worker_client.post("/messages/start/", {"job": job.pk})

    assert response.status_code == 409
    assert "Apply for this job" in response.content.decode()
    assert not Conversation.objects.exists()


def test_other_hirer_cannot_start_on_someone_elses_job(job, worker, application, other_hirer):
    from tests.messaging.conftest import session_client

    response = session_client(other_hirer).post("/messages/start/", {"job": job.pk, "worker": worker.pk})

    assert response.status_code == 404
    assert not Conversation.objects.exists()


def test_hirer_starts_direct_conversation(worker, hirer_client):
    first = hirer_client.post("/messages/start/", {"worker": worker.pk})
    second = hirer_client.post("/messages/start/", {"worker": worker.pk})

    assert first["Location"] == second["Location"]
    assert Conversation.objects.get().job is None


@pytest.mark.parametrize(
    "data", [{}, {"worker": "abc"}, {"job": "-1"}, {"worker": "1e309"}, {"worker": "99999999999999999999"}]
)
def test_start_with_bad_input_is_400(hirer_client, data):
    response = hirer_client.post("/messages/start/", data)

    assert response.status_code == 400
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose a job or a worker to message."),
        ({"worker": "abc"}, "Worker: Enter a whole number."),
        ({"worker": "99999999999999999999"}, "Worker: Ensure this value is less than or equal to"),
    ],
)
def test_start_with_bad_input_shows_errors_in_layout(hirer_client, data, error):
    response = hirer_client.post("/messages/start/", data)

    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "You cannot start this conversation" in html
    assert error in html
    assert "</nav>" in html


def test_start_with_unknown_worker_is_404(hirer_client):
    response = hirer_client.post("/messages/start/", {"worker": 999999})

    assert response.status_code == 404
