"""Background work for payments. Every task is idempotent: running it twice changes nothing more."""

import logging

from celery import shared_task

from apps.payments import payouts, reconciliation, services, webhooks
from apps.payments.models import WebhookEvent, WebhookStatus
from apps.payments.providers.base import ProviderUnavailable

logger = logging.getLogger(__name__)

# Retries for provider work: exponential backoff with full jitter, capped at 10 minutes,
# so 100 failing tasks spread out instead of hitting a recovering provider together.
RETRY_OPTIONS = {
    "autoretry_for": (ProviderUnavailable, webhooks.ProcessingIncomplete),
    "retry_backoff": 15,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(bind=True, **RETRY_OPTIONS)
def webhook_process(self, *, event_id: int) -> str:
    try:
        return webhooks.webhook_process(event_id=event_id)
    except webhooks.ProcessingIncomplete:
        if self.request.retries >= self.max_retries:
            WebhookEvent.objects.filter(pk=event_id, status=WebhookStatus.RECEIVED).update(
                status=WebhookStatus.FAILED, detail="still not final at the provider after every retry"
            )
        raise


@shared_task(**RETRY_OPTIONS)
def payout_submit(*, payout_id: int) -> str:
    return payouts.payout_submit(payout_id=payout_id).status


@shared_task(**RETRY_OPTIONS)
def refund_submit(*, refund_id: int) -> str:
    return payouts.refund_submit(refund_id=refund_id).status


@shared_task
def collections_poll() -> int:
    """Beat: refresh pending collections with backoff and abandon those past the cut-off."""
    return services.collections_poll()


@shared_task
def payouts_poll() -> int:
    """Beat: refresh payouts whose outcome is not known yet."""
    return payouts.payouts_poll()


@shared_task
def reconcile() -> int:
    """Beat, daily: compare the ledger with each provider's own listing."""
    return reconciliation.reconcile_all()
