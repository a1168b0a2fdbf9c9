"""Idempotency keys on unsafe requests: replay, 422 on a different body, 409 while in flight."""

import json
import threading
import uuid

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.resilience.idempotency import purge_expired
from apps.resilience.models import IdempotencyRecord, OutboxMessage
from tests.conftest import _client_for

pytestmark = pytest.mark.urls("tests.resilience.urls")


def post_note(client, key, text="Kofi, I can start on Monday", slow=0, **extra):
    path = f"/notes/?slow={slow}" if slow else "/notes/"
    return client.post(
        path, data=json.dumps({"text": text}), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **extra
    )


def notes() -> int:
    return OutboxMessage.objects.filter(task_name="tests.note").count()


@pytest.mark.django_db
def test_repeat_replays_first_response(worker_client, worker):
    key = uuid.uuid4().hex
    first = post_note(worker_client, key)
    second = post_note(worker_client, key)

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert second["Content-Type"] == "application/json"
    assert notes() == 1
    record = IdempotencyRecord.objects.get(user=worker, key=key)
    assert record.state == "completed"
    assert (record.expires_at - timezone.now()).total_seconds() >= 24 * 3600


@pytest.mark.django_db
def test_key_reused_with_different_body_gets_422(worker_client):
    key = uuid.uuid4().hex
    post_note(worker_client, key, text="first")

    response = post_note(worker_client, key, text="something else")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert notes() == 1


@pytest.mark.django_db
def test_same_key_from_another_user_is_their_own(worker_client, stranger_client):
    key = uuid.uuid4().hex
    mine = post_note(worker_client, key)
    theirs = post_note(stranger_client, key)

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert not theirs.has_header("Idempotent-Replayed")
    assert notes() == 2


@pytest.mark.django_db
def test_form_field_key_replays_redirect(worker_client):
    key = uuid.uuid4().hex
    form = {"text": "I can do the tiling", "idempotency_key": key, "csrfmiddlewaretoken": "a"}
    first = worker_client.post("/notes/", form)
    form["csrfmiddlewaretoken"] = "b"  # a re-rendered form has a new token; same request
    second = worker_client.post("/notes/", form)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert notes() == 1


@pytest.mark.django_db
def test_requests_without_key_or_user_pass_through(worker_client):
    anonymous = Client()
    post_note(anonymous, "anon-key")
    post_note(anonymous, "anon-key")
    worker_client.post("/notes/", data=json.dumps({"text": "x"}), content_type="application/json")
    worker_client.post("/notes/", data=json.dumps({"text": "x"}), content_type="application/json")

    assert notes() == 4
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_token_clients_are_scoped_to_their_user(worker):
    token = Token.objects.create(user=worker)
    client = Client()
    key = uuid.uuid4().hex
    first = post_note(client, key, HTTP_AUTHORIZATION=f"Token {token.key}")
    second = post_note(client, key, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert first.json() == second.json()
    assert IdempotencyRecord.objects.get(key=key).user == worker
    assert notes() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["x" * 256, "bad\nkey"])
def test_invalid_key_rejected(worker_client, key):
    response = post_note(worker_client, key)

    assert response.status_code == 400
    assert notes() == 0


@pytest.mark.django_db
def test_server_error_releases_key(worker_client):
    key = uuid.uuid4().hex
    client = worker_client
    client.raise_request_exception = False

    response = client.post("/broken/", data="{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 500
    assert not IdempotencyRecord.objects.filter(key=key).exists()


@pytest.mark.django_db
def test_purge_removes_expired_keys(worker_client):
    post_note(worker_client, "old-key")
    post_note(worker_client, "new-key")
    IdempotencyRecord.objects.filter(key="old-key").update(expires_at=timezone.now() - timezone.timedelta(seconds=1))

    assert purge_expired() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new-key"]


def test_template_tag_emits_fresh_keys():
    template = Template("{% load idempotency %}{% idempotency_field %}|{% idempotency_field %}")
    first, second = template.render(Context()).split("|")

    assert 'type="hidden" name="idempotency_key"' in first
    assert first != second


def overlapping(user, requests):
    """Send `requests` (callables taking a client) at the same moment from separate threads."""
    barrier = threading.Barrier(len(requests))
    responses = [None] * len(requests)

    def run(index, send):
        client = _client_for(user)
        barrier.wait()
        try:
            responses[index] = send(client)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, send)) for i, send in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_offline_replays_store_one(worker):
    """Two overlapping replays of one offline post: one stored, both get the same id."""
    key = uuid.uuid4().hex
    responses = overlapping(worker, [lambda c: post_note(c, key, slow=0.3)] * 2)

    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json()["id"] == responses[1].json()["id"]
    assert notes() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_gets_409(worker, settings):
    settings.RESILIENCE_IDEMPOTENCY_WAIT = 0.2
    key = uuid.uuid4().hex
    responses = overlapping(worker, [lambda c: post_note(c, key, slow=1.5)] * 2)

    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 409]
    conflict = next(r for r in responses if r.status_code == 409)
    assert conflict["Retry-After"] == "1"
    assert conflict.json()["error"]["code"] == "request_in_progress"
    assert notes() == 1
