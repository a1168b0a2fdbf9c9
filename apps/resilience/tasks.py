"""Periodic upkeep tasks of the resilience layer, scheduled by CELERY_BEAT_SCHEDULE."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from apps.resilience import outbox
from apps.resilience.durable import durable_task
from apps.resilience.idempotency import purge_expired
from apps.resilience.models import OutboxMessage, OutboxStatus, TaskCompletion

logger = logging.getLogger(__name__)


@shared_task(name="resilience.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    """Publish outbox rows left behind by a failed after-commit relay; return how many."""
    outbox.redeliver_stale(older_than=timedelta(seconds=settings.RESILIENCE_OUTBOX_REDELIVER_AFTER))
    published = 0
    while True:
        batch = outbox.relay_pending(limit=100)
        published += batch
        if batch < 100:
            break
    if published:
        logger.info("Outbox sweep published %d message(s)", published)
    return published


@shared_task(name="resilience.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    """Delete idempotency records past their expiry."""
    return purge_expired()


@shared_task(name="resilience.purge_outbox", ignore_result=True)
def purge_outbox() -> int:
    """Delete finished outbox rows and completion records older than RESILIENCE_OUTBOX_KEEP_DAYS."""
    cutoff = timezone.now() - timedelta(days=settings.RESILIENCE_OUTBOX_KEEP_DAYS)
    done, _ = OutboxMessage.objects.filter(status=OutboxStatus.DONE, done_at__lt=cutoff).delete()
    TaskCompletion.objects.filter(completed_at__lt=cutoff).delete()
    return done


@durable_task("resilience.outbox_ping", max_retries=0)
def outbox_ping(*, note: str = "") -> str:
    """Do nothing but finish: proves the outbox, broker and worker pipeline end to end."""
    logger.info("Outbox ping received: %s", note)
    return note
