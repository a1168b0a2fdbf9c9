"""The transactional outbox: background work recorded with the change that causes it.

Public API (stable):

    enqueue(task_name: str, *, kwargs: dict, dedupe_key: str | None = None, countdown: int = 0)
        -> OutboxMessage
    relay_pending(*, limit: int = 100, ids: list[int] | None = None) -> int
    retry_dead_letter(dead_letter: DeadLetter) -> OutboxMessage

Call enqueue() inside the transaction that makes the change (services run in one). The
row commits or rolls back with that change, so no task is published for a change that
never happened, and none is lost when the broker is down: after commit a relay attempt
publishes it; the beat task `resilience.relay_outbox` publishes whatever a failed attempt
left behind. The task itself must be a durable task (apps.resilience.durable), which makes
a second delivery of the same message a no-op.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.resilience.breakers import breaker
from apps.resilience.models import DeadLetter, OutboxMessage, OutboxStatus
from apps.resilience.policy import backoff_delay

logger = logging.getLogger(__name__)

# Keyword argument that carries the outbox row's id to the durable task wrapper.
OUTBOX_ID_KWARG = "_outbox_id"


def enqueue(task_name: str, *, kwargs: dict, dedupe_key: str | None = None, countdown: int = 0) -> OutboxMessage:
    """Record `task_name(**kwargs)` to run after the current transaction commits.

    `kwargs` must be JSON-serialisable. With `dedupe_key`, a second enqueue of the same key
    returns the existing row instead of adding work. `countdown` delays the task by that
    many seconds and may not exceed RESILIENCE_OUTBOX_MAX_COUNTDOWN (the broker would
    redeliver longer delays as duplicates).
    """
    if not isinstance(kwargs, dict):
        raise TypeError("kwargs must be a dict")
    if countdown < 0 or countdown > settings.RESILIENCE_OUTBOX_MAX_COUNTDOWN:
        raise ValueError(f"countdown {countdown} is outside 0..{settings.RESILIENCE_OUTBOX_MAX_COUNTDOWN} seconds")
    if OUTBOX_ID_KWARG in kwargs:
        raise ValueError(f"{OUTBOX_ID_KWARG} is reserved")

    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                task_name=task_name, kwargs=kwargs, dedupe_key=dedupe_key, countdown=countdown
            )
    except IntegrityError:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        logger.info(
            "Outbox: %s already enqueued under %s",
            task_name,
            dedupe_key,
            extra={"outbox_id": existing.pk, "dedupe_key": dedupe_key},
        )
        return existing

    transaction.on_commit(lambda: _relay_after_commit(message.pk))
    return message


def _relay_after_commit(message_id: int) -> None:
    # Runs after the caller's commit: a failure here must not reach the caller, because
    # the beat sweep publishes whatever is left.
    try:
        relay_pending(ids=[message_id])
    except Exception:
        logger.exception("Outbox: relay after commit failed; the sweep will retry", extra={"outbox_id": message_id})


def relay_pending(*, limit: int = 100, ids: list[int] | None = None) -> int:
    """Publish due pending rows (or the given ids) to the broker; return how many were published.

    Each row is first claimed with a conditional UPDATE so two relays (an after-commit
    attempt and the beat sweep) never publish the same row at once. A failed publish puts
    the row back with a backoff; the row is never lost.
    """
    now = timezone.now()
    due = Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.RELAYING)
    candidates = OutboxMessage.objects.filter(due, available_at__lte=now)
    if ids is not None:
        candidates = candidates.filter(pk__in=ids)
    published = 0
    for message_id in candidates.values_list("pk", flat=True)[:limit]:
        if _claim(message_id, now) and _publish(message_id):
            published += 1
    return published


def _claim(message_id: int, now) -> bool:
    claim_until = now + timedelta(seconds=settings.RESILIENCE_OUTBOX_CLAIM_SECONDS)
    return bool(
        OutboxMessage.objects.filter(
            Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.RELAYING), pk=message_id, available_at__lte=now
        ).update(status=OutboxStatus.RELAYING, available_at=claim_until)
    )


def _publish(message_id: int) -> bool:
    from kelmah.celery import app

    message = OutboxMessage.objects.get(pk=message_id)
    try:
        # The broker breaker turns an outage into one failed publish per open period
        # instead of a connection timeout on every request that enqueues work.
        with breaker("broker").guard():
            _send(app, message)
    except Exception as error:
        # Kombu raises transport-specific errors (OperationalError, OSError, redis errors).
        attempts = message.relay_attempts + 1
        delay = backoff_delay(
            attempts,
            base=settings.RESILIENCE_OUTBOX_RELAY_BACKOFF_BASE,
            cap=settings.RESILIENCE_OUTBOX_RELAY_BACKOFF_CAP,
        )
        OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.RELAYING).update(
            status=OutboxStatus.PENDING,
            relay_attempts=attempts,
            available_at=timezone.now() + timedelta(seconds=delay),
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.warning(
            "Outbox: publishing %s failed (%s); kept for retry in %.0f s",
            message.task_name,
            error,
            delay,
            extra={"outbox_id": message.pk, "attempt": attempts},
        )
        return False
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.RELAYING).update(
        status=OutboxStatus.RELAYED, relayed_at=timezone.now(), relay_attempts=message.relay_attempts + 1
    )
    logger.info("Outbox: published %s", message.task_name, extra={"outbox_id": message.pk})
    return True


def _send(app, message: OutboxMessage) -> None:
    kwargs = {**message.kwargs, OUTBOX_ID_KWARG: message.pk}
    countdown = message.countdown or None
    task = app.tasks.get(message.task_name)
    if task is not None:
        # A task registered here goes through apply_async, which honours
        # task_always_eager (tests that run tasks in-process).
        task.apply_async(kwargs=kwargs, countdown=countdown, retry=False)
    else:
        app.send_task(message.task_name, kwargs=kwargs, countdown=countdown, retry=False)


def redeliver_stale(*, older_than: timedelta) -> int:
    """Put back rows published more than `older_than` ago whose task never finished.

    A broker that lost its messages (a restart without persistence) would otherwise drop
    the work; durable tasks make the second delivery harmless if the first one still runs.
    """
    cutoff = timezone.now() - older_than
    return OutboxMessage.objects.filter(status=OutboxStatus.RELAYED, relayed_at__lt=cutoff).update(
        status=OutboxStatus.PENDING, available_at=timezone.now()
    )


def retry_dead_letter(dead_letter: DeadLetter) -> OutboxMessage:
    """Queue a dead-lettered task again through the outbox and mark the letter retried."""
    with transaction.atomic():
        letter = DeadLetter.objects.select_for_update().get(pk=dead_letter.pk)
        message = letter.outbox
        if message is not None:
            OutboxMessage.objects.filter(pk=message.pk).update(
                status=OutboxStatus.PENDING, available_at=timezone.now(), relay_attempts=0, last_error=""
            )
            message.refresh_from_db()
            transaction.on_commit(lambda: _relay_after_commit(message.pk))
        else:
            message = enqueue(letter.task_name, kwargs=letter.kwargs)
        letter.retried_at = timezone.now()
        letter.save(update_fields=["retried_at"])
    logger.info("Dead letter %s queued again", letter.pk, extra={"dead_letter_id": letter.pk, "outbox_id": message.pk})
    return message
