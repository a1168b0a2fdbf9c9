"""Durable Celery tasks: safe to deliver twice, retried with jittered backoff, dead-lettered.

Public API (stable):

    @durable_task(name: str, *, max_retries: int | None = None, backoff_base: float | None = None,
                  backoff_cap: float | None = None, time_limit: int | None = None,
                  breaker: str | None = None)
    def send_application_email(*, application_id: int) -> None: ...

Queue it with apps.resilience.outbox.enqueue("jobs.send_application_email", kwargs={...}).

What the wrapper guarantees:

- The function body and a TaskCompletion row commit in one transaction, keyed by the
  outbox row (its dedupe_key, or "outbox:<id>"). A second delivery of the same message
  finds the row and does nothing. On PostgreSQL the outbox row is locked first, so a
  concurrent duplicate waits for the first and then does nothing.
- A failure is retried up to `max_retries` times, each after a full-jitter delay between
  `backoff_base` and `backoff_cap` seconds (longer when the breaker says so, never past
  the cap). When `breaker` is open the call is not attempted at all.
- After the last retry the work lands in the dead-letter list (DeadLetter) and its outbox
  row is marked dead; operators retry it from the admin or `manage.py dead_letters`.
- Tasks ack late and are re-queued if the worker dies, within a hard time limit.

NOTE: side effects outside the database (an email, a provider call) can still repeat on
SQLite, which has no row locks, if two deliveries run at the same moment. Pass the
completion key to providers as their idempotency key where they accept one.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.resilience.breakers import BreakerOpen
from apps.resilience.breakers import breaker as get_breaker
from apps.resilience.models import DeadLetter, OutboxMessage, OutboxStatus, TaskCompletion
from apps.resilience.outbox import OUTBOX_ID_KWARG
from apps.resilience.policy import backoff_delay

logger = logging.getLogger(__name__)


class _AlreadyDone(Exception):
    """Raised inside the task's transaction to roll back a duplicate delivery's work."""


def durable_task(
    name: str,
    *,
    max_retries: int | None = None,
    backoff_base: float | None = None,
    backoff_cap: float | None = None,
    time_limit: int | None = None,
    breaker: str | None = None,
) -> Callable[[Callable[..., Any]], Any]:
    """Register `func` as a durable Celery task called `name`; see the module docstring."""
    retries = settings.RESILIENCE_TASK_MAX_RETRIES if max_retries is None else max_retries
    base = settings.RESILIENCE_TASK_BACKOFF_BASE if backoff_base is None else backoff_base
    cap = settings.RESILIENCE_TASK_BACKOFF_CAP if backoff_cap is None else backoff_cap
    hard_limit = settings.CELERY_TASK_TIME_LIMIT if time_limit is None else time_limit
    if cap < base or base <= 0:
        raise ValueError(f"Task {name}: need 0 < backoff_base <= backoff_cap")

    def decorate(func: Callable[..., Any]) -> Any:
        @shared_task(
            name=name,
            bind=True,
            acks_late=True,
            reject_on_worker_lost=True,
            max_retries=retries,
            time_limit=hard_limit,
            soft_time_limit=max(1, hard_limit - 10),
        )
        @functools.wraps(func)
        def run(task, *args: Any, **kwargs: Any) -> Any:
            outbox_id = kwargs.pop(OUTBOX_ID_KWARG, None)
            attempt = task.request.retries
            try:
                if breaker and get_breaker(breaker).is_open:
                    raise BreakerOpen(breaker, state=get_breaker(breaker).state)
                return _run_once(name, func, outbox_id, args, kwargs)
            except _AlreadyDone:
                logger.info("Task %s already done; duplicate delivery ignored", name, extra={"outbox_id": outbox_id})
                return None
            except Exception as error:
                if attempt >= retries:
                    _dead_letter(name, kwargs, outbox_id, attempt, error)
                    return None
                delay = backoff_delay(attempt + 1, base=base, cap=cap)
                if isinstance(error, BreakerOpen):
                    delay = min(cap, max(delay, error.retry_after))
                logger.warning(
                    "Task %s failed (%s: %s); retry %d of %d in %.1f s",
                    name,
                    type(error).__name__,
                    error,
                    attempt + 1,
                    retries,
                    delay,
                    extra={"outbox_id": outbox_id, "attempt": attempt + 1, "delay": delay},
                )
                kwargs[OUTBOX_ID_KWARG] = outbox_id
                raise task.retry(exc=error, countdown=delay, kwargs=kwargs, max_retries=retries)

        run.backoff_base = base
        run.backoff_cap = cap
        return run

    return decorate


def _run_once(name: str, func: Callable[..., Any], outbox_id: int | None, args: tuple, kwargs: dict) -> Any:
    with transaction.atomic():
        key = None
        if outbox_id is not None:
            message = OutboxMessage.objects.select_for_update().filter(pk=outbox_id).first()
            if message is None:
                raise _AlreadyDone  # the row was cleaned up after the work finished
            key = message.completion_key
            if TaskCompletion.objects.filter(key=key).exists():
                raise _AlreadyDone
        result = func(*args, **kwargs)
        if key is not None:
            try:
                with transaction.atomic():
                    TaskCompletion.objects.create(key=key, task_name=name)
            except IntegrityError:
                raise _AlreadyDone from None
            OutboxMessage.objects.filter(pk=outbox_id).update(status=OutboxStatus.DONE, done_at=timezone.now())
    return result


def _dead_letter(name: str, kwargs: dict, outbox_id: int | None, attempt: int, error: Exception) -> None:
    with transaction.atomic():
        if outbox_id is not None and not OutboxMessage.objects.filter(pk=outbox_id).exists():
            outbox_id = None
        letter = DeadLetter.objects.create(
            outbox_id=outbox_id,
            task_name=name,
            kwargs=kwargs,
            attempts=attempt + 1,
            error=f"{type(error).__name__}: {error}"[:4000],
        )
        if outbox_id is not None:
            OutboxMessage.objects.filter(pk=outbox_id).update(
                status=OutboxStatus.DEAD, last_error=f"{type(error).__name__}: {error}"[:2000]
            )
    logger.error(
        "Task %s failed %d times; moved to the dead-letter list",
        name,
        attempt + 1,
        extra={"outbox_id": outbox_id, "dead_letter_id": letter.pk},
    )
