"""Money leaving escrow: payouts to workers' wallets and refunds to hirers.

A payout is posted worker_payable -> payout_in_transit before the provider is called, and
settled by the provider's conclusive answer: success moves it on to clearing, failure or
reversal moves it back to the worker's payable balance. The provider is never called inside
a database transaction. Lock order: contract, milestone, then the payout or refund row.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, InvalidTransition, NotAllowed
from apps.common.phone import mask_phone
from apps.contracts import services as contract_services
from apps.payments import postings
from apps.payments.dispatch import dispatch
from apps.payments.escrow import new_reference
from apps.payments.ledger import reverse_transaction
from apps.payments.models import (
    FlagKind,
    LedgerTransaction,
    PaymentFlag,
    Payout,
    PayoutMethod,
    PayoutStatus,
    Refund,
    RefundStatus,
)
from apps.payments.providers import get_provider
from apps.payments.providers.base import (
    PayoutRequest,
    PayoutResult,
    ProviderNotFound,
    ProviderRejected,
    ProviderUnavailable,
    RecipientRequest,
    RefundRequest,
    RefundResult,
    Status,
)
from apps.payments.services import PaymentsUnavailable, clean_wallet, next_poll_delay, unavailable_message

logger = logging.getLogger(__name__)


def _lock_payout(payout_id: int) -> Payout:
    milestone_id = Payout.objects.values_list("milestone_id", flat=True).get(pk=payout_id)
    milestone = contract_services.milestone_lock(milestone_id)
    payout = Payout.objects.select_for_update(of=("self",)).select_related("payout_method").get(pk=payout_id)
    payout.milestone = milestone
    return payout


# Payouts


def payout_submit(*, payout_id: int) -> Payout:
    """Post a queued payout as in transit, then send it (or re-send it, same reference) to the provider."""
    with transaction.atomic():
        payout = _lock_payout(payout_id)
        if payout.status == PayoutStatus.QUEUED:
            postings.post_payout_initiated(payout=payout, actor=payout.requested_by)
            payout.status = PayoutStatus.PENDING
            payout.request_id = get_provider(payout.provider).new_request_id() or ""
        if payout.status != PayoutStatus.PENDING:
            return payout
        payout.submit_count += 1
        payout.next_poll_at = timezone.now() + next_poll_delay(payout.submit_count)
        payout.save(update_fields=["status", "request_id", "submit_count", "next_poll_at", "updated_at"])

    request = PayoutRequest(
        reference=payout.reference,
        recipient_code=payout.payout_method.recipient_code,
        amount_minor=payout.amount,
        reason=_("Kelmah payout for %(title)s") % {"title": payout.milestone.contract.title[:60]},
        request_id=payout.request_id or None,
    )
    try:
        result = get_provider(payout.provider).payout(request)
    except ProviderUnavailable as error:
        # Unknown outcome: the poller asks get_payout and re-sends with the same reference if needed.
        logger.warning("payout outcome unknown", extra={"payout": payout.reference, "error": error.message})
        return payout
    except ProviderRejected as error:
        logger.error("payout rejected", extra={"payout": payout.reference, "error": error.message})
        result = PayoutResult(reference=payout.reference, provider_ref="", status=Status.FAILED)
    return payout_apply_result(payout_id=payout.pk, result=result)


def payout_refresh(*, payout: Payout) -> Payout:
    """Ask the provider about a pending payout and apply its answer; re-send one that never landed."""
    try:
        result = get_provider(payout.provider).get_payout(payout.reference, request_id=payout.request_id or None)
    except ProviderNotFound:
        if payout.status == PayoutStatus.PENDING:
            return payout_submit(payout_id=payout.pk)
        return payout
    except ProviderUnavailable as error:
        logger.warning("payout refresh failed", extra={"payout": payout.reference, "error": error.message})
        return payout
    return payout_apply_result(payout_id=payout.pk, result=result)


def payout_apply_result(*, payout_id: int, result: PayoutResult) -> Payout:
    """Apply a provider answer once: success, failure, or a reversal after success."""
    with transaction.atomic():
        payout = _lock_payout(payout_id)
        if result.provider_ref and not payout.provider_reference:
            payout.provider_reference = result.provider_ref[:100]
        if result.status == Status.SUCCEEDED and payout.status == PayoutStatus.PENDING:
            postings.post_payout_succeeded(payout=payout)
            _finish(payout, PayoutStatus.SUCCEEDED)
            contract_services.milestone_mark_paid_out(milestone=payout.milestone)
        elif result.status in (Status.FAILED, Status.REVERSED) and payout.status == PayoutStatus.PENDING:
            postings.post_payout_failed(payout=payout)
            _finish(payout, PayoutStatus.FAILED if result.status == Status.FAILED else PayoutStatus.REVERSED, result)
        elif result.status in (Status.FAILED, Status.REVERSED) and payout.status == PayoutStatus.SUCCEEDED:
            # The provider returned a transfer it had confirmed: undo the settlement first.
            settled = LedgerTransaction.objects.get(idempotency_key=f"payout_succeeded:{payout.reference}")
            reverse_transaction(original=settled, description=f"Payout {payout.reference} reversed by the provider")
            postings.post_payout_failed(payout=payout)
            _finish(payout, PayoutStatus.REVERSED, result)
            contract_services.milestone_payout_reversed(milestone=payout.milestone)
        elif payout.provider_reference:
            payout.save(update_fields=["provider_reference", "updated_at"])
    logger.info("payout result applied", extra={"payout": payout.reference, "status": payout.status})
    return payout


def _finish(payout: Payout, status: str, result: PayoutResult | None = None) -> None:
    payout.status = status
    payout.completed_at = timezone.now()
    payout.next_poll_at = None
    if result is not None and result.failure:
        payout.failure_reason = str(result.failure.message)[:200]
    payout.save(
        update_fields=["status", "completed_at", "next_poll_at", "failure_reason", "provider_reference", "updated_at"]
    )
    if status != PayoutStatus.SUCCEEDED:
        PaymentFlag.objects.create(
            kind=FlagKind.PAYOUT_FAILED,
            payout=payout,
            detail=f"Payout {payout.reference} {status}: {payout.failure_reason or 'no reason given'}"[:500],
        )


def payout_retry(*, payout: Payout, actor) -> Payout:
    """Start a new payout (new reference) after a conclusive failure, to the worker's current wallet."""
    with transaction.atomic():
        old = _lock_payout(payout.pk)
        if old.status not in (PayoutStatus.FAILED, PayoutStatus.REVERSED):
            raise InvalidTransition(_("Only a failed or reversed payout can be retried."))
        if Payout.objects.filter(milestone=old.milestone).exclude(status__in=["failed", "reversed"]).exists():
            raise InvalidTransition(_("This milestone already has a payout in progress."))
        method = PayoutMethod.objects.filter(worker_id=old.worker_id, is_active=True).first()
        retry = Payout.objects.create(
            reference=new_reference("PO"),
            milestone=old.milestone,
            worker_id=old.worker_id,
            payout_method=method,
            provider=method.provider if method else "",
            amount=old.amount,
            status=PayoutStatus.QUEUED if method else PayoutStatus.AWAITING_METHOD,
            requested_by=actor,
        )
        if method:
            dispatch("payments.payout_submit", kwargs={"payout_id": retry.pk}, dedupe_key=retry.reference)
    logger.info("payout retried", extra={"payout": retry.reference, "previous": old.reference})
    return retry


def payouts_poll(now=None) -> int:
    now = now or timezone.now()
    due = list(Payout.objects.filter(status=PayoutStatus.PENDING, next_poll_at__lte=now).order_by("next_poll_at")[:200])
    for payout in due:
        refreshed = payout_refresh(payout=payout)
        if refreshed.status == PayoutStatus.PENDING:
            Payout.objects.filter(pk=payout.pk).update(
                submit_count=refreshed.submit_count + 1, next_poll_at=now + next_poll_delay(refreshed.submit_count + 1)
            )
    return len(due)


# Payout methods


def payout_method_add(*, worker, network: str, phone: str, name: str) -> PayoutMethod:
    """Verify a worker's wallet with the provider, make it their payout wallet, and release waiting payouts."""
    if not getattr(worker, "is_worker", False):
        raise NotAllowed(_("Only workers receive payouts."), code="not_worker")
    network, msisdn = clean_wallet(network=network, phone=phone)
    name = (name if isinstance(name, str) else "").strip()
    if not 2 <= len(name) <= 120:
        raise DomainError(_("Enter the name on the wallet."), code="invalid", field="name")

    provider = get_provider()
    try:
        holder = provider.verify_recipient(phone=msisdn, network=network)
        if not holder.active:
            raise DomainError(
                _("No active mobile money wallet was found for this number and network."),
                code="wallet_not_found",
                field="phone",
            )
        recipient = provider.create_recipient(RecipientRequest(name=holder.name or name, phone=msisdn, network=network))
    except ProviderUnavailable:
        raise PaymentsUnavailable(unavailable_message()) from None
    except (ProviderRejected, ProviderNotFound):
        raise DomainError(
            _("This wallet could not be verified. Check the number and the network."),
            code="wallet_not_verified",
            field="phone",
        ) from None

    with transaction.atomic():
        PayoutMethod.objects.select_for_update().filter(worker=worker, is_active=True).update(is_active=False)
        method = PayoutMethod.objects.create(
            worker=worker,
            network=network,
            msisdn=msisdn,
            account_name=(holder.name or name)[:120],
            provider=provider.name,
            recipient_code=recipient.recipient_code,
        )
        waiting = list(Payout.objects.select_for_update().filter(worker=worker, status=PayoutStatus.AWAITING_METHOD))
        for payout in waiting:
            Payout.objects.filter(pk=payout.pk).update(
                payout_method=method, provider=method.provider, status=PayoutStatus.QUEUED, updated_at=timezone.now()
            )
            dispatch("payments.payout_submit", kwargs={"payout_id": payout.pk}, dedupe_key=payout.reference)
    logger.info(
        "payout method added", extra={"worker_id": worker.pk, "phone": mask_phone(msisdn), "queued": len(waiting)}
    )
    return method


# Refunds


def _lock_refund(refund_id: int) -> Refund:
    milestone_id = Refund.objects.values_list("milestone_id", flat=True).get(pk=refund_id)
    milestone = contract_services.milestone_lock(milestone_id)
    refund = Refund.objects.select_for_update(of=("self",)).select_related("collection").get(pk=refund_id)
    refund.milestone = milestone
    return refund


def refund_submit(*, refund_id: int) -> Refund:
    """Ask the provider to return the money of a decided refund to the hirer's wallet."""
    refund = Refund.objects.select_related("collection").get(pk=refund_id)
    if refund.status not in (RefundStatus.PENDING, RefundStatus.SUBMITTED):
        return refund
    request = RefundRequest(
        reference=refund.reference,
        collection_reference=refund.collection.reference,
        amount_minor=refund.amount,
        reason=_("Kelmah escrow refund"),
        request_id=refund.request_id or None,
        collection_request_id=refund.collection.request_id or None,
    )
    try:
        result = get_provider(refund.provider).refund(request)
    except ProviderUnavailable as error:
        logger.warning("refund outcome unknown", extra={"refund": refund.reference, "error": error.message})
        raise
    except ProviderRejected as error:
        logger.error("refund rejected", extra={"refund": refund.reference, "error": error.message})
        result = RefundResult(refund.reference, "", refund.collection.reference, Status.FAILED)
    return refund_apply_result(refund_id=refund.pk, result=result)


def refund_apply_result(*, refund_id: int, result: RefundResult) -> Refund:
    with transaction.atomic():
        refund = _lock_refund(refund_id)
        if result.refund_ref and not refund.provider_reference:
            refund.provider_reference = result.refund_ref[:100]
        open_statuses = (RefundStatus.PENDING, RefundStatus.SUBMITTED)
        if result.status == Status.SUCCEEDED and refund.status in open_statuses:
            postings.post_refund_processed(refund=refund)
            refund.status = RefundStatus.PROCESSED
            refund.completed_at = timezone.now()
        elif result.status == Status.FAILED and refund.status in open_statuses:
            refund.status = RefundStatus.FAILED
            refund.failure_reason = str(result.failure.message if result.failure else "")[:200]
            PaymentFlag.objects.create(
                kind=FlagKind.REFUND_FAILED, refund=refund, detail=f"Refund {refund.reference} failed."
            )
        elif refund.status == RefundStatus.PENDING:
            refund.status = RefundStatus.SUBMITTED
        refund.save(update_fields=["status", "provider_reference", "completed_at", "failure_reason", "updated_at"])
    logger.info("refund result applied", extra={"refund": refund.reference, "status": refund.status})
    return refund


def refund_retry(*, refund: Refund, actor) -> Refund:
    """Send a failed refund again under a new reference; the money is still in refund_payable."""
    with transaction.atomic():
        locked = _lock_refund(refund.pk)
        if locked.status != RefundStatus.FAILED:
            raise InvalidTransition(_("Only a failed refund can be retried."))
        locked.reference = new_reference("RF")
        locked.status = RefundStatus.PENDING
        locked.decided_by = actor
        locked.provider_reference = ""
        locked.save(update_fields=["reference", "status", "decided_by", "provider_reference", "updated_at"])
        dispatch("payments.refund_submit", kwargs={"refund_id": locked.pk}, dedupe_key=locked.reference)
    return locked
