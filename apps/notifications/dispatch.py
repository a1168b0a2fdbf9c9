"""Hand SMS and email deliveries to the background worker, only after the change commits.

NOTE: once apps.resilience.outbox exists, deliveries go through its durable outbox (written
in the same transaction). Until then they are published from transaction.on_commit; if the
broker is down at that moment the delivery stays pending in the database and the
`notifications.requeue_due` task publishes it again later, so nothing is lost either way.
"""

import importlib
import importlib.util
import logging

from django.db import transaction

from apps.notifications.throttled_log import log_throttled

logger = logging.getLogger(__name__)

DELIVER_TASK = "notifications.deliver"


def _outbox():
    if importlib.util.find_spec("apps.resilience.outbox") is None:
        return None
    module = importlib.import_module("apps.resilience.outbox")
    return module if hasattr(module, "enqueue") else None


def enqueue_delivery(delivery, *, countdown: int = 0) -> None:
    """Queue one delivery for sending after the current transaction commits."""
    outbox = _outbox()
    if outbox is not None:
        outbox.enqueue(
            DELIVER_TASK,
            kwargs={"delivery_id": delivery.pk},
            dedupe_key=f"notification-delivery:{delivery.pk}:{delivery.attempts}",
            countdown=countdown,
        )
        return
    delivery_id = delivery.pk
    transaction.on_commit(lambda: publish_delivery(delivery_id, countdown=countdown))


def publish_delivery(delivery_id: int, *, countdown: int = 0) -> bool:
    """Send the delivery task to the broker now; return False (and log) if the broker is down."""
    from apps.notifications.tasks import deliver_notification

    try:
        deliver_notification.apply_async(kwargs={"delivery_id": delivery_id}, countdown=countdown)
    except Exception:  # kombu raises many kinds of errors for a broker that is down or unreachable.
        log_throttled(
            logger,
            logging.WARNING,
            "notifications:publish",
            "could not publish notification delivery; it stays pending for the requeue task",
            exc_info=True,
            extra={"delivery_id": delivery_id},
        )
        return False
    return True
