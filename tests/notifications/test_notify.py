from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.common.errors import DomainError
from apps.notifications.delivery import delivery_attempt
from apps.notifications.events import Channel
from apps.notifications.models import Delivery, DeliveryStatus, Notification, Preference
from apps.notifications.services import notify, notify_after_commit, preferences_update
from apps.resilience.breakers import breaker
from apps.resilience.models import OutboxMessage
from tests.notifications.conftest import closed_port, run_outbox_tasks

pytestmark = pytest.mark.django_db


def test_notify_stores_in_app_notification(worker):
    notification = notify(
        user=worker, event="payment.updated", title="You got the job", body="Ama accepted.", link="/jobs/1/"
    )

    assert notification is not None
    stored = Notification.objects.get(user=worker)
    assert stored.title == "You got the job"
    assert stored.in_app is True
    assert stored.count == 1
    assert stored.read_at is None


def test_notify_queues_default_channels(worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(user=worker, event="payment.updated", title="Accepted", body="")

    deliveries = {delivery.pk: delivery.channel for delivery in Delivery.objects.all()}
    assert set(deliveries.values()) == {Channel.SMS, Channel.EMAIL}
    queued = OutboxMessage.objects.filter(task_name="notifications.deliver")
    assert sorted(row.kwargs["delivery_id"] for row in queued) == sorted(deliveries)
    assert len(callbacks) == 2, "each outbox row is relayed only after commit"


def test_same_group_collapses_with_count(hirer):
    for number in range(3):
        notify(user=hirer, event="message.received", title=f"Message {number}", body="", group_key="conv:1")

    rows = Notification.objects.filter(user=hirer)
    assert rows.count() == 1
    assert rows.get().count == 3
    assert rows.get().title == "Message 2"


def test_read_group_starts_a_new_notification(hirer):
    notify(user=hirer, event="message.received", title="First", body="", group_key="conv:1")
    Notification.objects.update(read_at=timezone.now())
    notify(user=hirer, event="message.received", title="Second", body="", group_key="conv:1")

    assert Notification.objects.filter(user=hirer).count() == 2
    assert Notification.objects.get(user=hirer, read_at__isnull=True).count == 1


def test_busy_group_sends_one_sms_per_window(hirer):
    for number in range(5):
        notify(user=hirer, event="message.received", title=f"Message {number}", body="", group_key="conv:9")

    assert Delivery.objects.filter(user=hirer, channel=Channel.SMS).count() == 1

    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=31))
    notify(user=hirer, event="message.received", title="Later", body="", group_key="conv:9")
    assert Delivery.objects.filter(user=hirer, channel=Channel.SMS).count() == 2


def test_repeated_dedupe_key_is_dropped(worker):
    first = notify(user=worker, event="payment.updated", title="Paid", body="", dedupe_key="payment:5:paid")
    second = notify(user=worker, event="payment.updated", title="Paid", body="", dedupe_key="payment:5:paid")

    assert first is not None
    assert second is None
    assert Notification.objects.filter(user=worker).count() == 1
    assert Delivery.objects.filter(user=worker, channel=Channel.SMS).count() == 1


@pytest.mark.parametrize(
    ("channel", "in_app", "sms", "email"),
    [
        (Channel.IN_APP, False, True, True),
        (Channel.SMS, True, False, True),
        (Channel.EMAIL, True, True, False),
    ],
)
def test_turned_off_channel_is_not_used(worker, channel, in_app, sms, email):
    preferences_update(user=worker, choices={("payment.updated", channel): False})

    notify(user=worker, event="payment.updated", title="Accepted", body="")

    notification = Notification.objects.get(user=worker)
    assert notification.in_app is in_app
    assert Delivery.objects.filter(channel=Channel.SMS).exists() is sms
    assert Delivery.objects.filter(channel=Channel.EMAIL).exists() is email


def test_turned_on_channel_is_used(hirer):
    preferences_update(user=hirer, choices={("application.received", Channel.SMS): True})

    notify(user=hirer, event="application.received", title="New application", body="")

    assert Delivery.objects.filter(user=hirer, channel=Channel.SMS).exists()


def test_unknown_event_reaches_in_app_only(worker):
    notify(user=worker, event="reviews.posted", title="New review", body="")

    assert Notification.objects.filter(user=worker, in_app=True).exists()
    assert not Delivery.objects.exists()


def test_inactive_user_gets_nothing(worker):
    worker.is_active = False
    worker.save(update_fields=["is_active"])

    assert notify(user=worker, event="payment.updated", title="Accepted", body="") is None
    assert not Notification.objects.exists()


def test_notify_after_commit_waits_for_commit(worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_after_commit(user=worker, event="application.rejected", title="Declined", body="")
        assert not Notification.objects.exists()

    for callback in callbacks:
        callback()
    assert Notification.objects.filter(user=worker).count() == 1


def test_notify_after_commit_logs_instead_of_raising(worker, django_capture_on_commit_callbacks, caplog):
    with django_capture_on_commit_callbacks(execute=True):
        notify_after_commit(user=worker, event="application.rejected", title=None, body="")

    assert not Notification.objects.exists()
    assert "notification failed" in caplog.text


def test_preferences_update_rejects_unknown_pair(worker):
    with pytest.raises(DomainError):
        preferences_update(user=worker, choices={("nope.event", Channel.SMS): True})
    assert not Preference.objects.exists()


def test_email_delivery_sends_once(worker):
    preferences_update(user=worker, choices={("payment.updated", Channel.SMS): False})
    notify(user=worker, event="payment.updated", title="You got the job", body="Ama accepted your quote.")
    delivery = Delivery.objects.get(channel=Channel.EMAIL)

    assert delivery_attempt(delivery.pk).status == "sent"
    assert delivery_attempt(delivery.pk).status == "skipped"

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [worker.email]
    assert mail.outbox[0].subject == "You got the job"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1


def test_sms_survives_gateway_outage(worker, http_sms, sms_provider):
    http_sms.KELMAH_SMS_API_URL = f"http://127.0.0.1:{closed_port()}/v1/messages/send"
    preferences_update(user=worker, choices={("payment.updated", Channel.EMAIL): False})
    notify(user=worker, event="payment.updated", title="You got the job", body="")
    delivery = Delivery.objects.get(channel=Channel.SMS)

    outcome = delivery_attempt(delivery.pk)

    assert outcome.status == "retry"
    assert outcome.retry_in >= 30
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert "unreachable" in delivery.last_error
    retry = OutboxMessage.objects.get(dedupe_key=f"notification-delivery:{delivery.pk}:1")
    assert retry.countdown >= 30

    breaker("sms").reset(reason="gateway is back")
    http_sms.KELMAH_SMS_API_URL = sms_provider.url
    assert delivery_attempt(delivery.pk).status == "sent"
    assert delivery_attempt(delivery.pk).status == "skipped"

    assert len(sms_provider.received) == 1
    assert sms_provider.received[0]["To"] == worker.phone
    assert sms_provider.received[0]["ClientReference"] == f"kelmah-{delivery.pk}"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert delivery.provider_reference == "msg-1"


def test_delivery_gives_up_after_max_attempts(worker, http_sms, settings):
    http_sms.KELMAH_SMS_API_URL = f"http://127.0.0.1:{closed_port()}/send"
    settings.NOTIFICATIONS_DELIVERY_MAX_ATTEMPTS = 2
    notify(user=worker, event="payment.updated", title="Accepted", body="")
    delivery = Delivery.objects.get(channel=Channel.SMS)

    assert delivery_attempt(delivery.pk).status == "retry"
    assert delivery_attempt(delivery.pk).status == "failed"

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 2


def test_task_delivered_twice_calls_provider_once(worker, http_sms, sms_provider):
    http_sms.KELMAH_SMS_API_URL = sms_provider.url
    notify(user=worker, event="payment.updated", title="Accepted", body="")

    first = run_outbox_tasks()
    second = run_outbox_tasks()

    assert sorted(first) == ["sent", "sent"]
    assert second == [None, None], "a repeated delivery of the same outbox message does nothing"
    assert len(sms_provider.received) == 1
    assert len(mail.outbox) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_sms_queued_through_outbox_after_commit(worker, http_sms, sms_provider, django_capture_on_commit_callbacks):
    http_sms.KELMAH_SMS_API_URL = sms_provider.url

    with django_capture_on_commit_callbacks(execute=False):
        notify(user=worker, event="payment.updated", title="Accepted", body="")
        assert OutboxMessage.objects.filter(task_name="notifications.deliver").count() == 2

    run_outbox_tasks()

    assert len(sms_provider.received) == 1
    assert sms_provider.received[0]["Content"].startswith("Kelmah: Accepted")


def test_application_events_never_email(worker):
    with pytest.raises(DomainError):
        preferences_update(user=worker, choices={("application.accepted", Channel.EMAIL): True})

    notify(user=worker, event="application.accepted", title="Accepted", body="")

    assert set(Delivery.objects.values_list("channel", flat=True)) == {Channel.SMS}


def test_sms_text_carries_full_link_when_site_url_is_set(worker, settings):
    from apps.notifications.delivery import sms_text

    settings.KELMAH_SITE_URL = ""
    notification = notify(user=worker, event="payment.updated", title="Paid", body="", link="/payments/1/")
    assert sms_text(notification) == "Kelmah: Paid"

    settings.KELMAH_SITE_URL = "https://kelmah.example/"
    assert sms_text(notification) == "Kelmah: Paid https://kelmah.example/payments/1/"


def test_email_survives_mail_server_outage(worker, settings):
    breaker("email").reset(reason="test start")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_TIMEOUT = 1
    preferences_update(user=worker, choices={("payment.updated", Channel.SMS): False})
    notify(user=worker, event="payment.updated", title="Payout sent", body="GH₵ 120.00 is on its way.")
    delivery = Delivery.objects.get(channel=Channel.EMAIL)

    assert delivery_attempt(delivery.pk).status == "retry"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert "email server unavailable" in delivery.last_error
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    breaker("email").reset(reason="mail server is back")
    assert delivery_attempt(delivery.pk).status == "sent"
    assert delivery_attempt(delivery.pk).status == "skipped"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body.startswith("GH₵ 120.00 is on its way.")


def test_sms_fault_drill_keeps_delivery_pending(worker):
    from apps.modules.faults import fault_clear, fault_set

    preferences_update(user=worker, choices={("payment.updated", Channel.EMAIL): False})
    notify(user=worker, event="payment.updated", title="Paid", body="")
    delivery = Delivery.objects.get(channel=Channel.SMS)
    fault_set(target="sms", spec="raise")
    try:
        assert delivery_attempt(delivery.pk).status == "retry"
    finally:
        fault_clear(target="sms")

    assert delivery_attempt(delivery.pk).status == "sent"
    delivery.refresh_from_db()
    assert delivery.attempts == 2


def test_operator_retries_failed_delivery(worker, http_sms, sms_provider, settings):
    from apps.notifications.services import delivery_retry

    http_sms.KELMAH_SMS_API_URL = f"http://127.0.0.1:{closed_port()}/send"
    settings.NOTIFICATIONS_DELIVERY_MAX_ATTEMPTS = 1
    notify(user=worker, event="payment.updated", title="Paid", body="")
    delivery = Delivery.objects.get(channel=Channel.SMS)
    assert delivery_attempt(delivery.pk).status == "failed"
    queued_before = OutboxMessage.objects.count()

    assert delivery_retry(delivery=delivery) is True
    assert delivery_retry(delivery=delivery) is False, "only failed deliveries are retried"

    assert OutboxMessage.objects.count() == queued_before + 1
    breaker("sms").reset(reason="gateway is back")
    http_sms.KELMAH_SMS_API_URL = sms_provider.url
    assert delivery_attempt(delivery.pk).status == "sent"
    assert len(sms_provider.received) == 1
