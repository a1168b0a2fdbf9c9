"""Background tasks for SMS and email deliveries."""

from apps.notifications.delivery import delivery_attempt
from apps.resilience.durable import durable_task


@durable_task("notifications.deliver")
def deliver_notification(*, delivery_id: int) -> str:
    """Send one delivery; a repeated or concurrent run of the same id sends nothing more.

    A temporary failure does not raise: delivery_attempt records it and queues the next
    attempt through the outbox in the same transaction, with its own backoff.
    """
    return delivery_attempt(delivery_id).status
