"""Escrow decisions taken by the contracts app: release, refund, and a dispute split.

The caller holds the milestone row lock (apps.contracts.services does) and has already
checked that the decision is legal. Each function posts the ledger transaction and creates
the Payout or Refund row that moves the money out; the provider is called from a task after
commit, never inside the caller's transaction.
"""

import logging
import uuid

from django.utils.translation import gettext as _

from apps.common.errors import NotAllowed
from apps.payments import postings
from apps.payments.dispatch import dispatch
from apps.payments.models import Collection, CollectionStatus, Payout, PayoutMethod, PayoutStatus, Refund
from apps.payments.selectors import escrow_balance

logger = logging.getLogger(__name__)


def new_reference(prefix: str) -> str:
    """Return a fresh reference: a short prefix and 32 hex digits, within the 36-character limit."""
    return f"{prefix}{uuid.uuid4().hex}"[:36]


def _held(milestone) -> int:
    amount = escrow_balance(milestone)
    if amount <= 0:
        # No release or refund without a posted collection behind it.
        raise NotAllowed(_("This milestone has no money in escrow."), code="escrow_empty")
    return amount


def escrow_release(*, milestone, actor=None) -> Payout:
    """Release the whole escrow to the worker minus the platform fee, and queue the payout."""
    amount = _held(milestone)
    posted = postings.post_release(milestone=milestone, amount=amount, actor=actor)
    return payout_create(milestone=milestone, amount=amount - posted.metadata["platform_fee"], actor=actor)


def escrow_refund(*, milestone, actor) -> Refund:
    """Refund the whole escrow to the hirer who paid it."""
    amount = _held(milestone)
    refund = refund_create(milestone=milestone, amount=amount, actor=actor)
    postings.post_refund_decided(refund=refund, actor=actor)
    return refund


def escrow_split(*, milestone, worker_amount: int, actor) -> tuple[Payout | None, Refund | None]:
    """Pay `worker_amount` (less the platform fee on it) to the worker and refund the rest."""
    amount = _held(milestone)
    if not 0 <= worker_amount <= amount:
        raise NotAllowed(_("The worker's share must be between zero and the amount in escrow."), code="invalid_split")

    hirer_id = milestone.contract.hirer_id
    posted = postings.post_dispute_split(
        milestone=milestone, amount=amount, worker_amount=worker_amount, hirer_id=hirer_id, actor=actor
    )
    worker_net = worker_amount - posted.metadata["platform_fee"]
    payout = payout_create(milestone=milestone, amount=worker_net, actor=actor) if worker_net > 0 else None
    refund = (
        refund_create(milestone=milestone, amount=amount - worker_amount, actor=actor)
        if amount > worker_amount
        else None
    )
    return payout, refund


def payout_create(*, milestone, amount: int, actor=None) -> Payout:
    """Create the payout of `amount` for a released milestone and submit it after commit.

    A worker without a verified wallet gets a payout waiting for one; adding a wallet queues it.
    """
    method = PayoutMethod.objects.filter(worker_id=milestone.contract.worker_id, is_active=True).first()
    payout = Payout.objects.create(
        reference=new_reference("PO"),
        milestone=milestone,
        worker_id=milestone.contract.worker_id,
        payout_method=method,
        provider=method.provider if method else "",
        amount=amount,
        status=PayoutStatus.QUEUED if method else PayoutStatus.AWAITING_METHOD,
        requested_by=actor,
    )
    if method:
        dispatch("payments.payout_submit", kwargs={"payout_id": payout.pk}, dedupe_key=payout.reference)
    logger.info("payout created", extra={"payout": payout.reference, "milestone": str(milestone.public_id)})
    return payout


def refund_create(*, milestone, amount: int, actor=None) -> Refund:
    """Create a refund of `amount` from the milestone's paid collection and submit it after commit."""
    collection = (
        Collection.objects.filter(milestone=milestone, status=CollectionStatus.SUCCEEDED)
        .order_by("-succeeded_at")
        .first()
    )
    if collection is None:
        raise NotAllowed(_("This milestone has no completed payment to refund."), code="no_collection")
    refund = Refund.objects.create(
        reference=new_reference("RF"),
        milestone=milestone,
        collection=collection,
        hirer_id=milestone.contract.hirer_id,
        amount=amount,
        provider=collection.provider,
        decided_by=actor,
    )
    dispatch("payments.refund_submit", kwargs={"refund_id": refund.pk}, dedupe_key=refund.reference)
    logger.info("refund created", extra={"refund": refund.reference, "milestone": str(milestone.public_id)})
    return refund
