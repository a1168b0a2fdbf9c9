"""Reads over the ledger and payment records. Every balance is a sum of ledger entries."""

from django.db.models import Q, Sum

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
