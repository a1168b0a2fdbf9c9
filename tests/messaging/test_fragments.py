import pytest

from apps.messaging.services import message_send

pytestmark = pytest.mark.django_db


def test_nav_shows_unread_message_count(conversation, worker, hirer_client):
    message_send(conversation=conversation, sender=worker, body="One")
    message_send(conversation=conversation, sender=worker, body="Two")

    html = hirer_client.get("/notifications/").content.decode()

    assert 'id="messages-counter"' in html
    assert "2 unread messages" in html


def test_job_thread_fragment_for_hirer_lists_conversations(job, conversation, worker, hirer_client):
    message_send(conversation=conversation, sender=worker, body="When can I start?")

    response = hirer_client.get(f"/fragments/messaging/job_thread/?job_id={job.pk}")

    html = response.content.decode()
    assert response.status_code == 200
    assert f"/messages/{conversation.public_id}/" in html
    assert "When can I start?" in html


def test_job_thread_fragment_offers_applicant_a_start(job, application, worker_client):
    response = worker_client.get(f"/fragments/messaging/job_thread/?job_id={job.pk}")

    assert response.status_code == 200
    assert "Message the hirer" in response.content.decode()


def test_job_thread_fragment_is_empty_for_outsider(job, conversation, stranger_client):
    response = stranger_client.get(f"/fragments/messaging/job_thread/?job_id={job.pk}")

    assert str(conversation.public_id) not in response.content.decode()
    assert "Message the hirer" not in response.content.decode()


def test_start_button_for_hirer_only(rf, hirer, worker, stranger):
    from apps.modules.boundary import render_fragment

    for user, shown in ((hirer, True), (stranger, False)):
        request = rf.get("/workers/")
        request.user = user
        html = str(render_fragment(request, "messaging", "start_button", worker_id=worker.pk))
        assert (f'name="worker" value="{worker.pk}"' in html) is shown


def test_start_button_not_for_someone_elses_job(rf, job, worker, other_hirer):
    from apps.modules.boundary import render_fragment

    request = rf.get("/jobs/")
    request.user = other_hirer

    html = str(render_fragment(request, "messaging", "start_button", worker_id=worker.pk, job_id=job.pk))

    assert "messaging/start" not in html


def test_health_check_warns_when_channel_layer_down(dead_layer):
    from apps.messaging.module import channel_layer_health

    assert channel_layer_health().status == "warn"


def test_health_check_ok_with_channel_layer(redis_layer):
    from apps.messaging.module import channel_layer_health

    assert channel_layer_health().status == "ok"


def test_failing_messaging_fragment_degrades_in_nav(conversation, worker, hirer_client, caplog):
    from apps.modules.faults import fault_clear, fault_set

    message_send(conversation=conversation, sender=worker, body="One")
    fault_set(target="messaging.fragments", spec="raise")
    try:
        response = hirer_client.get("/notifications/")
    finally:
        fault_clear(target="messaging.fragments")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-module="messaging"' in html
    assert 'id="messages-counter"' not in html
    assert 'id="notification-bell"' in html, "the other counters still render"
    assert "<h1>Notifications</h1>" in html
