"""Provider webhooks: authenticate the raw body, store each event once, process it in the background.

Receiving is fast and never touches money: the event row and its processing task are
written in one transaction. Processing never trusts the body either: it re-reads the
collection, payout or refund from the provider's status API and applies that answer
through the same services the return view and the poller use, so duplicates and
out-of-order deliveries change nothing.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.common.errors import DomainError
from apps.payments.dispatch import dispatch
from apps.payments.models import Collection, Payout, Refund, RefundStatus, WebhookEvent, WebhookStatus
from apps.payments.payouts import payout_refresh, refund_apply_result
from apps.payments.providers import get_provider
from apps.payments.providers.base import MalformedEvent, ProviderNotFound, RefundResult
from apps.payments.services import collection_refresh

logger = logging.getLogger(__name__)

# Bodies above this size are not webhooks from a payment provider.
MAX_WEBHOOK_BYTES = 256 * 1024


class ProcessingIncomplete(Exception):
    """The provider has not reached a final state yet (or could not be asked); retry later."""


class WebhookRejected(DomainError):
    code = "invalid_webhook"
    status = 400


def webhook_receive(*, provider_name: str, headers, body: bytes) -> WebhookEvent | None:
    """Authenticate and store one delivery, and queue its processing; None for ignored event types.

    Raises WebhookRejected, storing nothing, for a bad signature or an unreadable body.
    A redelivery of a stored event returns that event and queues nothing new unless the
    earlier processing did not finish.
    """
    if len(body) > MAX_WEBHOOK_BYTES:
        raise WebhookRejected("Body too large.")
    provider = get_provider(provider_name)
    if provider.signed_webhooks and not provider.verify_webhook(headers, body):
        raise WebhookRejected("Invalid signature.", code="invalid_signature")
    try:
        event = provider.parse_event(body)
    except MalformedEvent as error:
        logger.warning("webhook body rejected", extra={"provider": provider_name, "error": str(error)[:200]})
        raise WebhookRejected("Malformed event.") from None
    if event is None:
        return None

    key = {"provider": provider.name, "event_type": str(event.type), "provider_reference": event.provider_ref[:100]}
    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                **key, reference=event.reference[:100], body=body.decode("utf-8", "replace")
            )
            _queue(stored)
        logger.info("webhook stored", extra={"webhook_event": stored.pk, "event_type": stored.event_type})
        return stored
    except IntegrityError:
        pass

    # The same event again (provider retry, or two deliveries racing): count it, re-queue only unfinished work.
    with transaction.atomic():
        stored = WebhookEvent.objects.select_for_update().get(**key)
        WebhookEvent.objects.filter(pk=stored.pk).update(delivery_count=F("delivery_count") + 1)
        if stored.status in (WebhookStatus.RECEIVED, WebhookStatus.FAILED):
            _queue(stored)
    logger.info("webhook duplicate", extra={"webhook_event": stored.pk, "event_type": stored.event_type})
    return stored


def _queue(stored: WebhookEvent) -> None:
    dispatch(
        "payments.webhook_process",
        kwargs={"event_id": stored.pk},
        dedupe_key=f"webhook:{stored.pk}:{stored.delivery_count}",
    )


def webhook_process(*, event_id: int) -> str:
    """Apply a stored event by re-reading its object from the provider; returns the event's final status."""
    stored = WebhookEvent.objects.get(pk=event_id)
    if stored.status in (WebhookStatus.PROCESSED, WebhookStatus.IGNORED):
        return stored.status

    kind = stored.event_type.split(".", 1)[0]
    handler = {"collection": _process_collection, "payout": _process_payout, "refund": _process_refund}.get(kind)
    detail = handler(stored) if handler else "event type not handled"
    status = WebhookStatus.PROCESSED if detail == "" else WebhookStatus.IGNORED
    WebhookEvent.objects.filter(pk=stored.pk, status__in=[WebhookStatus.RECEIVED, WebhookStatus.FAILED]).update(
        status=status, detail=detail[:300], processed_at=timezone.now()
    )
    logger.info("webhook processed", extra={"webhook_event": stored.pk, "status": status, "detail": detail})
    return status


def _process_collection(stored: WebhookEvent) -> str:
    collection = (
        Collection.objects.select_related("payer", "milestone__contract")
        .filter(provider=stored.provider, reference=stored.reference)
        .first()
    )
    if collection is None:
        return "unknown collection reference"
    refreshed = collection_refresh(collection=collection, source="webhook")
    if refreshed.is_open:
        raise ProcessingIncomplete(f"collection {collection.reference} is still {refreshed.status}")
    return ""


def _process_payout(stored: WebhookEvent) -> str:
    payout = Payout.objects.filter(provider=stored.provider, reference=stored.reference).first()
    if payout is None:
        return "unknown payout reference"
    refreshed = payout_refresh(payout=payout)
    if refreshed.status == "pending":
        raise ProcessingIncomplete(f"payout {payout.reference} is still pending")
    return ""


def _process_refund(stored: WebhookEvent) -> str:
    provider = get_provider(stored.provider)
    event = provider.parse_event(stored.body.encode("utf-8"))
    if event is None:
        return "event type not handled"
    try:
        confirmed = provider.confirm_event(event)
    except ProviderNotFound:
        return "unknown refund"
    if confirmed is None:
        return "refund still pending at the provider"

    open_refunds = Refund.objects.filter(
        provider=stored.provider,
        collection__reference=confirmed.reference,
        status__in=[RefundStatus.PENDING, RefundStatus.SUBMITTED],
    )
    refund = (
        open_refunds.filter(provider_reference=confirmed.provider_ref).first()
        or open_refunds.order_by("created_at").first()
    )
    if refund is None:
        return "no open refund for this payment"
    result = RefundResult(
        reference=refund.reference,
        refund_ref=confirmed.provider_ref,
        collection_reference=confirmed.reference,
        status=confirmed.status,
        amount_minor=confirmed.amount_minor,
        failure=confirmed.failure,
    )
    refund_apply_result(refund_id=refund.pk, result=result)
    return ""
