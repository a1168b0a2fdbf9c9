"""Background work for payments. Every task is idempotent: running it twice changes nothing more.

Work that follows a change (processing a webhook, sending a payout or a refund) is a
durable task queued through the outbox. The sweeps are beat tasks that re-check state rows,
so a lost task only delays work: open collections and pending payouts are polled, and
queued payouts and pending refunds are submitted again.

NOTE: a durable task runs inside one database transaction, so the provider call in it holds
the rows that task locked (on SQLite, the write lock) until the call returns; the provider
timeouts in KELMAH_PAYMENT_HTTP_TIMEOUTS and the provider breaker bound that time.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from apps.payments import payouts, reconciliation, services, webhooks
from apps.payments.models import Payout, PayoutStatus, Refund, RefundStatus, WebhookEvent, WebhookStatus
from apps.payments.providers.base import ProviderError
from apps.resilience.durable import durable_task

logger = logging.getLogger(__name__)

# Rows older than this with no progress are picked up again by the sweep.
SWEEP_AFTER = timedelta(minutes=2)


@durable_task("payments.webhook_process")
def webhook_process(*, event_id: int) -> str:
    return webhooks.webhook_process(event_id=event_id)


@durable_task("payments.payout_submit")
def payout_submit(*, payout_id: int) -> str:
    return payouts.payout_submit(payout_id=payout_id).status


@durable_task("payments.refund_submit")
def refund_submit(*, refund_id: int) -> str:
    return payouts.refund_submit(refund_id=refund_id).status


@shared_task(name="payments.collections_poll", ignore_result=True)
def collections_poll() -> int:
    """Beat: refresh pending collections with backoff and abandon those past the cut-off."""
    return services.collections_poll()


@shared_task(name="payments.payouts_poll", ignore_result=True)
def payouts_poll() -> int:
    """Beat: settle pending payouts, and resubmit queued payouts, refunds and webhooks that stalled."""
    count = payouts.payouts_poll()
    stale = timezone.now() - SWEEP_AFTER
    queued = Payout.objects.filter(status=PayoutStatus.QUEUED, updated_at__lt=stale)
    for payout_id in queued.values_list("pk", flat=True)[:100]:
        _sweep(payouts.payout_submit, payout_id=payout_id)
    pending = Refund.objects.filter(status=RefundStatus.PENDING, updated_at__lt=stale)
    for refund_id in pending.values_list("pk", flat=True)[:100]:
        _sweep(payouts.refund_submit, refund_id=refund_id)
    received = WebhookEvent.objects.filter(status=WebhookStatus.RECEIVED, received_at__lt=stale)
    for event_id in received.values_list("pk", flat=True)[:100]:
        _sweep(webhooks.webhook_process, event_id=event_id)
    return count


def _sweep(work, **kwargs) -> None:
    try:
        work(**kwargs)
    except (ProviderError, webhooks.ProcessingIncomplete) as error:
        logger.warning("sweep left work for later", extra={"work": work.__name__, "ids": kwargs, "error": str(error)})


@shared_task(name="payments.reconcile", ignore_result=True)
def reconcile() -> int:
    """Beat, daily: compare the ledger with each provider's own listing."""
    return reconciliation.reconcile_all()
