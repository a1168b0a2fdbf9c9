import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.messaging.models import Conversation, Message
from apps.messaging.services import message_send
from tests.messaging.test_attachments import PDF

pytestmark = pytest.mark.django_db

BASE = "/api/v1/messaging/conversations/"

MALFORMED_BODIES = [
    "[]",
    '["body"]',
    '"just a string"',
    "null",
    "42",
    '{"body": ["a", "list"]}',
    '{"body": "NaN", "client_id": NaN}',
    '{"body": 1e309}',
    '{"body": {"a": {"b": {"c": {"d": {"e": 1}}}}}}',
    '{"body": "hi", "client_id": 12}',
    "{not json",
]


def messages_url(conversation) -> str:
    return f"{BASE}{conversation.public_id}/messages/"


def test_list_conversations_with_unread(conversation, worker, hirer, as_api):
    message_send(conversation=conversation, sender=worker, body="Quote attached")

    response = as_api(hirer).get(BASE)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == str(conversation.public_id)
    assert row["unread"] == 1
    assert row["other"] == {"id": worker.pk, "name": worker.full_name}
    assert row["last_message"]["body"] == "Quote attached"
    assert "phone" not in json.dumps(row)


def test_conversation_detail_has_read_state(conversation, worker, hirer, as_api):
    message = message_send(conversation=conversation, sender=worker, body="Hello")

    response = as_api(worker).get(f"{BASE}{conversation.public_id}/")

    assert response.status_code == 200
    assert response.json()["read"] == {str(worker.pk): message.pk, str(hirer.pk): 0}


def test_api_needs_authentication(conversation, api_client):
    for url in (BASE, f"{BASE}{conversation.public_id}/", messages_url(conversation)):
        assert api_client.get(url).status_code == 401
    assert api_client.post(messages_url(conversation), {"body": "x"}, format="json").status_code == 401
    assert not Message.objects.exists()


def test_third_user_gets_404_everywhere(conversation, worker, stranger, as_api):
    message_send(conversation=conversation, sender=worker, body="Private")
    client = as_api(stranger)

    assert client.get(f"{BASE}{conversation.public_id}/").status_code == 404
    assert client.get(messages_url(conversation)).status_code == 404
    assert client.post(messages_url(conversation), {"body": "Hi"}, format="json").status_code == 404
    assert client.post(f"{BASE}{conversation.public_id}/read/", {}, format="json").status_code == 404
    assert client.get(BASE).json()["results"] == []
    assert Message.objects.count() == 1


def test_send_json_is_idempotent_on_client_id(conversation, worker, as_api):
    client = as_api(worker)

    first = client.post(messages_url(conversation), {"body": "On my way", "client_id": "m-1"}, format="json")
    second = client.post(messages_url(conversation), {"body": "On my way", "client_id": "m-1"}, format="json")

    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert Message.objects.count() == 1


def test_send_uses_idempotency_key_header(conversation, worker, as_api):
    client = as_api(worker)

    first = client.post(messages_url(conversation), {"body": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(messages_url(conversation), {"body": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.json()["id"] == second.json()["id"]
    assert Message.objects.count() == 1


def test_send_multipart_with_attachment(conversation, worker, as_api):
    upload = SimpleUploadedFile("quote.pdf", PDF, content_type="application/pdf")

    response = as_api(worker).post(messages_url(conversation), {"body": "", "attachment": upload}, format="multipart")

    assert response.status_code == 201
    attachment = response.json()["attachment"]
    assert attachment["type"] == "application/pdf"
    assert attachment["name"] == "quote.pdf"
    assert Message.objects.get().attachment_size == len(PDF)


def test_send_empty_attachment_is_400(conversation, worker, as_api):
    upload = SimpleUploadedFile("quote.pdf", b"", content_type="application/pdf")

    response = as_api(worker).post(messages_url(conversation), {"attachment": upload}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "attachment_empty"
    assert not Message.objects.exists()


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_send_invalid_text_is_400(conversation, worker, as_api, body):
    response = as_api(worker).post(messages_url(conversation), {"body": body}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"empty_message", "body_too_long"}
    assert not Message.objects.exists()


@pytest.mark.parametrize("raw", MALFORMED_BODIES)
def test_send_malformed_json_is_400(conversation, worker, as_api, raw):
    response = as_api(worker).post(messages_url(conversation), raw, content_type="application/json")

    assert response.status_code == 400
    assert "error" in response.json()
    assert not Message.objects.exists()


@pytest.mark.parametrize("raw", MALFORMED_BODIES)
def test_start_malformed_json_is_400(worker, hirer, as_api, raw):
    response = as_api(hirer).post(BASE, raw, content_type="application/json")

    assert response.status_code == 400
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("raw", ['{"message_id": "x"}', '{"message_id": 1.5}', '{"message_id": true}', "[1]", "1e309"])
def test_read_malformed_json_is_400(conversation, hirer, as_api, raw):
    response = as_api(hirer).post(f"{BASE}{conversation.public_id}/read/", raw, content_type="application/json")

    assert response.status_code == 400
    assert conversation.participants.get(user=hirer).last_read_message_id == 0


def test_list_messages_by_cursor(conversation, worker, hirer, as_api):
    sent = [message_send(conversation=conversation, sender=worker, body=f"M{n}") for n in range(5)]
    client = as_api(hirer)

    newest = client.get(messages_url(conversation), {"limit": 2}).json()
    older = client.get(messages_url(conversation), {"before": sent[3].pk, "limit": 2}).json()
    after = client.get(messages_url(conversation), {"after": sent[2].pk}).json()

    assert [m["body"] for m in newest["results"]] == ["M3", "M4"]
    assert newest["has_more"] is True
    assert [m["body"] for m in older["results"]] == ["M1", "M2"]
    assert [m["body"] for m in after["results"]] == ["M3", "M4"]


@pytest.mark.parametrize("query", ["?after=x", "?before=-1", "?limit=0", "?limit=1e309", "?after=1&before=2"])
def test_list_messages_bad_cursor_is_400(conversation, hirer, as_api, query):
    response = as_api(hirer).get(messages_url(conversation) + query)

    assert response.status_code == 400


def test_mark_read(conversation, worker, hirer, as_api):
    sent = [message_send(conversation=conversation, sender=worker, body=f"M{n}") for n in range(3)]

    partial = as_api(hirer).post(f"{BASE}{conversation.public_id}/read/", {"message_id": sent[0].pk}, format="json")
    full = as_api(hirer).post(f"{BASE}{conversation.public_id}/read/", {}, format="json")

    assert partial.json() == {"last_read_message_id": sent[0].pk}
    assert full.json() == {"last_read_message_id": sent[2].pk}
    assert conversation.participants.get(user=hirer).last_read_message_id == sent[2].pk


def test_start_for_job_applicant(job, worker, application, hirer, as_api):
    response = as_api(hirer).post(BASE, {"job": job.pk, "worker": worker.pk}, format="json")

    assert response.status_code == 200
    assert response.json()["id"] == str(Conversation.objects.get().public_id)
    assert response.json()["job"] == {"id": job.pk, "title": job.title}


def test_start_direct_by_worker_is_refused(worker, stranger, as_api):
    response = as_api(worker).post(BASE, {"worker": stranger.pk}, format="json")

    assert response.status_code == 409
    assert not Conversation.objects.exists()


def test_start_by_other_hirer_on_someone_elses_job_is_404(job, worker, application, other_hirer, as_api):
    response = as_api(other_hirer).post(BASE, {"job": job.pk, "worker": worker.pk}, format="json")

    assert response.status_code == 404
    assert not Conversation.objects.exists()
