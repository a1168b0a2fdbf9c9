"""Durable background work: the outbox, duplicate deliveries, retries, dead letters, outages."""

import logging
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from apps.resilience.breakers import breaker
from apps.resilience.checks import check_visibility_timeout
from apps.resilience.durable import durable_task
from apps.resilience.models import DeadLetter, OutboxMessage, OutboxStatus, TaskCompletion
from apps.resilience.outbox import OUTBOX_ID_KWARG, enqueue, relay_pending
from tests.support.broker import use_broker
from tests.support.faults import closed_port

calls = {"flaky": 0, "guarded": 0}


@durable_task("tests.release_escrow", max_retries=0)
def release_escrow(*, milestone_id: int) -> None:
    """Stand-in for a money task: its one database effect is a follow-up outbox row."""
    OutboxMessage.objects.create(task_name="tests.receipt", kwargs={"milestone_id": milestone_id})


@durable_task("tests.always_fails", max_retries=3, backoff_base=0.5, backoff_cap=4)
def always_fails(*, reference: str) -> None:
    raise ConnectionError(f"provider refused {reference}")


@durable_task("tests.guarded_call", max_retries=2, backoff_base=1, backoff_cap=2, breaker="provider:momo")
def guarded_call() -> None:
    calls["guarded"] += 1


def receipts(milestone_id: int) -> int:
    return OutboxMessage.objects.filter(task_name="tests.receipt", kwargs__milestone_id=milestone_id).count()


@pytest.fixture
def redis_broker(redis_db):
    with use_broker(settings.REDIS_URL):
        yield redis_db


def queued(client) -> int:
    return client.llen("celery")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_nothing_published_before_commit(redis_broker):
    with transaction.atomic():
        message = enqueue("tests.release_escrow", kwargs={"milestone_id": 1})
        assert queued(redis_broker) == 0
        assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.PENDING

    message.refresh_from_db()
    assert queued(redis_broker) == 1
    assert message.status == OutboxStatus.RELAYED


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_rollback_publishes_nothing(redis_broker):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("tests.release_escrow", kwargs={"milestone_id": 2})
        raise RuntimeError("the change failed")

    assert queued(redis_broker) == 0
    assert not OutboxMessage.objects.filter(task_name="tests.release_escrow").exists()


@pytest.mark.django_db
def test_dedupe_key_enqueues_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue("tests.release_escrow", kwargs={"milestone_id": 3}, dedupe_key="release:3")
        second = enqueue("tests.release_escrow", kwargs={"milestone_id": 3}, dedupe_key="release:3")

    assert first.pk == second.pk
    assert OutboxMessage.objects.filter(dedupe_key="release:3").count() == 1


@pytest.mark.django_db
def test_enqueue_rejects_bad_arguments():
    with pytest.raises(ValueError, match="countdown"):
        enqueue("tests.release_escrow", kwargs={}, countdown=settings.RESILIENCE_OUTBOX_MAX_COUNTDOWN + 1)
    with pytest.raises(TypeError):
        enqueue("tests.release_escrow", kwargs=[1])
    with pytest.raises(ValueError, match="reserved"):
        enqueue("tests.release_escrow", kwargs={OUTBOX_ID_KWARG: 1})
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_same_delivery_twice_has_one_effect():
    message = enqueue("tests.release_escrow", kwargs={"milestone_id": 4})
    delivery = {"milestone_id": 4, OUTBOX_ID_KWARG: message.pk}

    release_escrow.apply(kwargs=dict(delivery))
    release_escrow.apply(kwargs=dict(delivery))

    assert receipts(4) == 1
    assert TaskCompletion.objects.filter(key=f"outbox:{message.pk}").count() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_have_one_effect():
    message = enqueue("tests.release_escrow", kwargs={"milestone_id": 5}, dedupe_key="release:5")
    barrier = threading.Barrier(8)
    errors = []

    def deliver():
        try:
            barrier.wait()
            release_escrow.apply(kwargs={"milestone_id": 5, OUTBOX_ID_KWARG: message.pk}).get(propagate=True)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert receipts(5) == 1
    assert TaskCompletion.objects.filter(key="release:5").count() == 1


@pytest.mark.django_db
def test_always_failing_task_lands_in_dead_letters(caplog):
    message = enqueue("tests.always_fails", kwargs={"reference": "PAY-1"})

    with caplog.at_level(logging.WARNING, logger="apps.resilience.durable"):
        always_fails.apply(kwargs={"reference": "PAY-1", OUTBOX_ID_KWARG: message.pk})

    letter = DeadLetter.objects.get()
    assert letter.task_name == "tests.always_fails"
    assert letter.kwargs == {"reference": "PAY-1"}
    assert letter.attempts == 4
    assert "provider refused PAY-1" in letter.error
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD
    retries = [r for r in caplog.records if hasattr(r, "delay")]
    assert len(retries) == 3
    assert all(0.5 <= r.delay <= 4 for r in retries)


@pytest.mark.django_db
def test_dead_letter_retry_command_requeues(capsys, django_capture_on_commit_callbacks):
    message = enqueue("tests.always_fails", kwargs={"reference": "PAY-2"})
    always_fails.apply(kwargs={"reference": "PAY-2", OUTBOX_ID_KWARG: message.pk})
    letter = DeadLetter.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("dead_letters", "retry", str(letter.pk))

    letter.refresh_from_db()
    message.refresh_from_db()
    assert letter.retried_at is not None
    assert message.status == OutboxStatus.RELAYED  # published again (to the in-memory test broker)
    assert f"outbox #{message.pk}" in capsys.readouterr().out


@pytest.mark.django_db
def test_dead_letter_admin_action(staff_client, django_capture_on_commit_callbacks):
    message = enqueue("tests.always_fails", kwargs={"reference": "PAY-3"})
    always_fails.apply(kwargs={"reference": "PAY-3", OUTBOX_ID_KWARG: message.pk})
    letter = DeadLetter.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/resilience/deadletter/",
            {"action": "retry_selected", "_selected_action": [letter.pk]},
        )

    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.retried_at is not None


@pytest.mark.django_db
def test_hundred_failing_tasks_spread_retry_delays(caplog):
    with caplog.at_level(logging.WARNING, logger="apps.resilience.durable"):
        for i in range(100):
            always_fails.apply(kwargs={"reference": f"PAY-{i}"})

    delays = [r.delay for r in caplog.records if hasattr(r, "delay")]
    assert len(delays) == 300  # three retries each, then the dead-letter list
    assert len({round(d, 3) for d in delays}) > 250
    assert min(delays) >= 0.5
    assert max(delays) <= 4
    assert DeadLetter.objects.count() == 100


@pytest.mark.django_db
def test_open_breaker_means_no_call():
    calls["guarded"] = 0
    breaker("provider:momo").force_open(reason="test")

    guarded_call.apply()

    assert calls["guarded"] == 0
    assert DeadLetter.objects.get().error.startswith("BreakerOpen")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_broker_outage_loses_nothing(redis_db):
    with use_broker(f"redis://127.0.0.1:{closed_port()}/0"), transaction.atomic():
        message = enqueue("tests.release_escrow", kwargs={"milestone_id": 6})

    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.relay_attempts == 1
    assert message.last_error

    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now() - timedelta(seconds=1))
    breaker("broker").reset()
    with use_broker(settings.REDIS_URL):
        published = relay_pending()

    message.refresh_from_db()
    assert published == 1
    assert message.status == OutboxStatus.RELAYED
    assert queued(redis_db) == 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_broker_breaker_skips_publish_while_open(redis_db):
    with use_broker(f"redis://127.0.0.1:{closed_port()}/0"):
        for i in range(8):
            with transaction.atomic():
                enqueue("tests.release_escrow", kwargs={"milestone_id": 100 + i})

    assert breaker("broker").is_open
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 8


@pytest.mark.django_db
def test_relay_claims_each_row_once():
    message = enqueue("tests.release_escrow", kwargs={"milestone_id": 7})

    assert relay_pending() == 1
    assert relay_pending() == 0
    message.refresh_from_db()
    assert message.status == OutboxStatus.RELAYED


def test_visibility_timeout_check():
    too_short = {"visibility_timeout": 600}
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/0", CELERY_BROKER_TRANSPORT_OPTIONS=too_short):
        errors = check_visibility_timeout()
    assert [e.id for e in errors] == ["resilience.E001"]

    enough = {"visibility_timeout": settings.RESILIENCE_OUTBOX_MAX_COUNTDOWN + settings.CELERY_TASK_TIME_LIMIT + 60}
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/0", CELERY_BROKER_TRANSPORT_OPTIONS=enough):
        assert check_visibility_timeout() == []
