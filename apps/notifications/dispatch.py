"""Hand SMS and email deliveries to the background worker through the transactional outbox.

The outbox row is written in the caller's transaction, so a delivery is queued exactly
when the notification commits, and kept (and relayed later) while the broker is down.
"""

from django.conf import settings

from apps.resilience import outbox

DELIVER_TASK = "notifications.deliver"


def enqueue_delivery(delivery, *, countdown: float = 0, retry_round: str = "") -> None:
    """Queue attempt number `delivery.attempts + 1` of one delivery, `countdown` seconds from now.

    `retry_round` distinguishes an operator's retry of a failed delivery from its first round.
    """
    round_suffix = f":{retry_round}" if retry_round else ""
    outbox.enqueue(
        DELIVER_TASK,
        kwargs={"delivery_id": delivery.pk},
        dedupe_key=f"notification-delivery:{delivery.pk}:{delivery.attempts}{round_suffix}",
        countdown=min(int(countdown), settings.RESILIENCE_OUTBOX_MAX_COUNTDOWN),
    )
