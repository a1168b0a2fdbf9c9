"""Background tasks for SMS and email deliveries."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from apps.notifications.delivery import delivery_attempt
from apps.notifications.dispatch import publish_delivery
from apps.notifications.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

# Pending deliveries published again per run of the requeue task, so one run stays short.
REQUEUE_BATCH = 500


@shared_task(bind=True, name="notifications.deliver", acks_late=True, max_retries=None, ignore_result=True)
def deliver_notification(self, delivery_id: int) -> str:
    """Send one delivery; a repeated or concurrent run of the same id sends nothing more."""
    outcome = delivery_attempt(delivery_id)
    if outcome.status == "retry":
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="notifications.requeue_due", ignore_result=True)
def requeue_due_deliveries() -> int:
    """Publish again the pending deliveries whose retry time passed a minute ago or more.

    Covers deliveries whose first publish failed (broker down) and tasks lost with a worker.
    Run it every few minutes from the scheduler.
    """
    due = timezone.now() - timedelta(minutes=1)
    ids = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=due)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    published = sum(1 for delivery_id in ids if publish_delivery(delivery_id))
    if ids:
        logger.info("requeued pending notification deliveries", extra={"due": len(ids), "published": published})
    return published
