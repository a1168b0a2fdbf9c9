"""Reads over the ledger and payment records. Every balance is a sum of ledger entries."""

from django.db.models import Case, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from apps.common.errors import NotFound
from apps.payments import ledger
from apps.payments.models import (
    AccountKind,
    Collection,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutMethod,
    Refund,
    TransactionKind,
)


def account_balance(code: str) -> int:
    """Return the natural balance of the account named `code` in pesewas (0 if it does not exist yet)."""
    account = LedgerAccount.objects.filter(code=code).only("kind").first()
    if account is None:
        return 0
    total = LedgerEntry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"] or 0
    return ledger.normal_balance(account.kind, total)


def escrow_balance(milestone) -> int:
    return account_balance(ledger.escrow(milestone).code)


def balances_by_kind(kind: str, *, user=None) -> int:
    """Return the summed natural balance of every account of `kind` (optionally tied to `user`)."""
    entries = LedgerEntry.objects.filter(account__kind=kind)
    if user is not None:
        entries = entries.filter(account__user=user)
    total = entries.aggregate(total=Sum("amount"))["total"] or 0
    return ledger.normal_balance(kind, total)


def hirer_escrow_total(user) -> int:
    """Return the money held in escrow for all of a hirer's milestones."""
    total = (
        LedgerEntry.objects.filter(
            account__kind=AccountKind.ESCROW, account__milestone__contract__hirer=user
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    return ledger.normal_balance(AccountKind.ESCROW, total)


def wallet_summary(user) -> dict:
    """Return the user's balances: escrow they funded, money owed to them, in transit and to be refunded."""
    return {
        "escrow": hirer_escrow_total(user),
        "payable": balances_by_kind(AccountKind.WORKER_PAYABLE, user=user),
        "in_transit": balances_by_kind(AccountKind.PAYOUT_IN_TRANSIT, user=user),
        "refund_payable": balances_by_kind(AccountKind.REFUND_PAYABLE, user=user),
    }


def user_ledger_transactions(user):
    """Return the ledger transactions on the user's own accounts or on their contracts' milestones."""
    visible = Q(entries__account__user=user) | Q(milestone__contract__hirer=user) | Q(milestone__contract__worker=user)
    ids = LedgerTransaction.objects.filter(visible).values("id").distinct()
    return (
        LedgerTransaction.objects.filter(id__in=ids)
        .select_related("milestone", "milestone__contract")
        .order_by("-created_at", "-id")
    )


# Ledger transactions that move a hirer's refund: decided (alone or as a dispute split's share).
# The later "processed" posting only carries the same money on to the wallet.
REFUND_KINDS = (TransactionKind.REFUND_DECIDED, TransactionKind.DISPUTE_SPLIT)


def _entry_total(condition: Q):
    """Return a subquery summing the current transaction's entries that match `condition`."""
    entries = (
        LedgerEntry.objects.filter(condition, transaction=OuterRef("pk"))
        .values("transaction")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(entries), Value(0))


def user_money_movements(user):
    """Return the ledger transactions that moved the user's own money, each with its signed `user_amount`.

    A worker sees what was released to them (after the platform fee), payouts leaving their
    balance and payouts coming back; a hirer sees the collections they paid into escrow
    (negative) and the refunds decided for them (positive). Platform bookkeeping, such as the
    provider's fee on a hirer's collection, belongs to nobody's list.
    """
    if not user.is_authenticated:
        return LedgerTransaction.objects.none()
    return (
        LedgerTransaction.objects.annotate(
            payable_change=_entry_total(Q(account__kind=AccountKind.WORKER_PAYABLE, account__user=user)),
            refund_change=_entry_total(Q(account__kind=AccountKind.REFUND_PAYABLE, account__user=user)),
            escrow_change=_entry_total(Q(account__kind=AccountKind.ESCROW)),
        )
        .filter(
            ~Q(payable_change=0)
            | Q(kind__in=REFUND_KINDS, refund_change__lt=0)
            | Q(kind=TransactionKind.COLLECTION, milestone__contract__hirer=user)
        )
        .annotate(
            # Credits to the user's accounts are negative entries, so the sign flips; a collection
            # credits escrow, which is money the hirer paid out.
            user_amount=Case(
                When(kind=TransactionKind.COLLECTION, then=F("escrow_change")),
                When(kind__in=REFUND_KINDS, then=-F("payable_change") - F("refund_change")),
                default=-F("payable_change"),
            )
        )
        .select_related("milestone", "milestone__contract")
        .order_by("-created_at", "-id")
    )


def user_collections(user):
    return Collection.objects.filter(payer=user).select_related("milestone", "milestone__contract")


def user_payouts(user):
    return Payout.objects.filter(worker=user).select_related("milestone", "milestone__contract", "payout_method")


def user_refunds(user):
    return Refund.objects.filter(hirer=user).select_related("milestone", "milestone__contract")


def active_payout_method(user) -> PayoutMethod | None:
    return PayoutMethod.objects.filter(worker=user, is_active=True).first()


def collection_get_for_user(*, user, public_id) -> Collection:
    """Return the collection if `user` paid it, is the milestone's worker, or is staff; else NotFound."""
    collection = (
        Collection.objects.select_related("milestone", "milestone__contract").filter(public_id=public_id).first()
    )
    if collection is None or not _can_see_milestone(user, collection.milestone):
        raise NotFound("Payment not found.")
    return collection


def payout_get_for_user(*, user, public_id) -> Payout:
    payout = Payout.objects.select_related("milestone", "milestone__contract").filter(public_id=public_id).first()
    if payout is None or not _can_see_milestone(user, payout.milestone):
        raise NotFound("Payment not found.")
    return payout


def ledger_transaction_get_for_user(*, user, public_id) -> LedgerTransaction:
    found = user_ledger_transactions(user).filter(public_id=public_id).first()
    if found is None and user.is_staff:
        found = LedgerTransaction.objects.filter(public_id=public_id).first()
    if found is None:
        raise NotFound("Payment not found.")
    return found


def _can_see_milestone(user, milestone) -> bool:
    if not user.is_authenticated:
        return False
    contract = milestone.contract
    return user.is_staff or user.pk in (contract.hirer_id, contract.worker_id)
