"""The money events of an escrow marketplace, each as one balanced ledger posting.

Debits are positive, credits negative. Each function is idempotent through its key: posting
the same event twice returns the first transaction. Callers hold whatever domain row lock
makes the event legal (the milestone, the payout); these functions take the account locks.
"""

from django.conf import settings

from apps.payments import ledger
from apps.payments.ledger import post_transaction
from apps.payments.models import LedgerTransaction, TransactionKind


def platform_fee(amount: int) -> int:
    """Return the commission on `amount` pesewas, KELMAH_PLATFORM_FEE_BPS basis points rounded half up."""
    return (amount * settings.KELMAH_PLATFORM_FEE_BPS + 5000) // 10000


def _job(milestone):
    return milestone.contract.job


def post_collection(*, collection, actor=None) -> tuple[LedgerTransaction, bool]:
    """Collection verified: provider clearing debit, milestone escrow credit; then the provider's fee."""
    milestone = collection.milestone
    posted, created = post_transaction(
        idempotency_key=f"collection:{collection.provider}:{collection.provider_reference}",
        kind=TransactionKind.COLLECTION,
        lines=[
            (ledger.psp_clearing(collection.provider), collection.amount),
            (ledger.escrow(milestone), -collection.amount),
        ],
        actor=actor,
        milestone=milestone,
        job=_job(milestone),
        provider=collection.provider,
        provider_reference=collection.provider_reference,
        description=f"Escrow funded for milestone {milestone.public_id}",
        metadata={"collection": collection.reference, "payer": collection.payer_id},
    )
    if created and collection.fee:
        post_transaction(
            idempotency_key=f"psp_fee:{collection.provider}:{collection.provider_reference}",
            kind=TransactionKind.PSP_FEE,
            lines=[
                (ledger.psp_fee_expense(), collection.fee),
                (ledger.psp_clearing(collection.provider), -collection.fee),
            ],
            milestone=milestone,
            job=_job(milestone),
            provider=collection.provider,
            description=f"Provider fee on collection {collection.reference}",
            metadata={"collection": collection.reference},
        )
    return posted, created


def post_release(*, milestone, amount: int, actor=None) -> LedgerTransaction:
    """Release `amount` from escrow: the worker's share to their payable account, the commission to revenue."""
    fee = platform_fee(amount)
    lines = [(ledger.escrow(milestone), amount), (ledger.worker_payable(milestone.contract.worker_id), -(amount - fee))]
    if fee:
        lines.append((ledger.platform_fee_revenue(), -fee))
    posted, _created = post_transaction(
        idempotency_key=f"release:{milestone.public_id}",
        kind=TransactionKind.RELEASE,
        lines=lines,
        actor=actor,
        milestone=milestone,
        job=_job(milestone),
        description=f"Milestone {milestone.public_id} released",
        metadata={"platform_fee": fee},
    )
    return posted


def post_dispute_split(*, milestone, amount: int, worker_amount: int, hirer_id: int, actor) -> LedgerTransaction:
    """Split escrow by a dispute decision: commission is charged on the worker's part only."""
    fee = platform_fee(worker_amount)
    lines = [(ledger.escrow(milestone), amount)]
    if worker_amount - fee:
        lines.append((ledger.worker_payable(milestone.contract.worker_id), -(worker_amount - fee)))
    if fee:
        lines.append((ledger.platform_fee_revenue(), -fee))
    if amount - worker_amount:
        lines.append((ledger.refund_payable(hirer_id), -(amount - worker_amount)))
    posted, _created = post_transaction(
        idempotency_key=f"dispute_split:{milestone.public_id}",
        kind=TransactionKind.DISPUTE_SPLIT,
        lines=lines,
        actor=actor,
        milestone=milestone,
        job=_job(milestone),
        description=f"Dispute on milestone {milestone.public_id} split",
        metadata={"worker_amount": worker_amount, "platform_fee": fee},
    )
    return posted


def post_payout_initiated(*, payout, actor=None) -> LedgerTransaction:
    posted, _created = post_transaction(
        idempotency_key=f"payout_initiated:{payout.reference}",
        kind=TransactionKind.PAYOUT_INITIATED,
        lines=[
            (ledger.worker_payable(payout.worker_id), payout.amount),
            (ledger.payout_in_transit(payout.worker_id), -payout.amount),
        ],
        actor=actor,
        milestone=payout.milestone,
        job=_job(payout.milestone),
        provider=payout.provider,
        description=f"Payout {payout.reference} sent to the provider",
        metadata={"payout": payout.reference},
    )
    return posted


def post_payout_succeeded(*, payout) -> LedgerTransaction:
    posted, _created = post_transaction(
        idempotency_key=f"payout_succeeded:{payout.reference}",
        kind=TransactionKind.PAYOUT_SUCCEEDED,
        lines=[
            (ledger.payout_in_transit(payout.worker_id), payout.amount),
            (ledger.psp_clearing(payout.provider), -payout.amount),
        ],
        milestone=payout.milestone,
        job=_job(payout.milestone),
        provider=payout.provider,
        provider_reference=payout.provider_reference,
        description=f"Payout {payout.reference} confirmed",
        metadata={"payout": payout.reference},
    )
    return posted


def post_payout_failed(*, payout) -> LedgerTransaction:
    """Failed or reversed transfer: the money goes back to the worker's payable balance."""
    posted, _created = post_transaction(
        idempotency_key=f"payout_failed:{payout.reference}",
        kind=TransactionKind.PAYOUT_FAILED,
        lines=[
            (ledger.payout_in_transit(payout.worker_id), payout.amount),
            (ledger.worker_payable(payout.worker_id), -payout.amount),
        ],
        milestone=payout.milestone,
        job=_job(payout.milestone),
        provider=payout.provider,
        provider_reference=payout.provider_reference,
        description=f"Payout {payout.reference} failed or reversed",
        metadata={"payout": payout.reference, "status": payout.status},
    )
    return posted


def post_refund_decided(*, refund, actor=None) -> LedgerTransaction:
    posted, _created = post_transaction(
        idempotency_key=f"refund_decided:{refund.reference}",
        kind=TransactionKind.REFUND_DECIDED,
        lines=[
            (ledger.escrow(refund.milestone), refund.amount),
            (ledger.refund_payable(refund.hirer_id), -refund.amount),
        ],
        actor=actor,
        milestone=refund.milestone,
        job=_job(refund.milestone),
        description=f"Refund {refund.reference} decided",
        metadata={"refund": refund.reference},
    )
    return posted


def post_refund_processed(*, refund) -> LedgerTransaction:
    posted, _created = post_transaction(
        idempotency_key=f"refund_processed:{refund.reference}",
        kind=TransactionKind.REFUND_PROCESSED,
        lines=[
            (ledger.refund_payable(refund.hirer_id), refund.amount),
            (ledger.psp_clearing(refund.provider), -refund.amount),
        ],
        milestone=refund.milestone,
        job=_job(refund.milestone),
        provider=refund.provider,
        provider_reference=refund.provider_reference,
        description=f"Refund {refund.reference} paid back to the hirer",
        metadata={"refund": refund.reference},
    )
    return posted
