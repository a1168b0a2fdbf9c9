"""The posting service: the only code that writes ledger transactions.

Every transaction balances (its entries sum to zero), carries a unique idempotency key, and
is written while holding row locks on every account it touches, taken in ascending id order
so two postings over the same accounts queue instead of deadlocking. Balances are always
the sum of entries; under those locks the sum cannot change, so the non-negative check for
escrow, payable and in-transit accounts is race-free on PostgreSQL.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.payments.models import (
    DEBIT_NORMAL_KINDS,
    NON_NEGATIVE_KINDS,
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
)

logger = logging.getLogger(__name__)


class UnbalancedTransaction(ValueError):
    """Raised for a posting whose entries do not sum to zero, or that has fewer than two entries."""


class InsufficientFunds(DomainError):
    code = "insufficient_funds"
    status = 409


@dataclass(frozen=True)
class AccountRef:
    """Names a ledger account and how to create it on first use."""

    code: str
    kind: str
    user_id: int | None = None
    milestone_id: int | None = None
    provider: str = ""


def psp_clearing(provider: str) -> AccountRef:
    return AccountRef(f"psp_clearing:{provider}", AccountKind.PSP_CLEARING, provider=provider)


def escrow(milestone) -> AccountRef:
    return AccountRef(f"escrow:{milestone.public_id}", AccountKind.ESCROW, milestone_id=milestone.pk)


def worker_payable(user_id: int) -> AccountRef:
    return AccountRef(f"worker_payable:{user_id}", AccountKind.WORKER_PAYABLE, user_id=user_id)


def payout_in_transit(user_id: int) -> AccountRef:
    return AccountRef(f"payout_in_transit:{user_id}", AccountKind.PAYOUT_IN_TRANSIT, user_id=user_id)


def refund_payable(user_id: int) -> AccountRef:
    return AccountRef(f"refund_payable:{user_id}", AccountKind.REFUND_PAYABLE, user_id=user_id)


def platform_fee_revenue() -> AccountRef:
    return AccountRef("platform_fee_revenue", AccountKind.PLATFORM_FEE_REVENUE)


def psp_fee_expense() -> AccountRef:
    return AccountRef("psp_fee_expense", AccountKind.PSP_FEE_EXPENSE)


def normal_balance(kind: str, entry_sum: int) -> int:
    """Turn a raw sum of signed entries (debit positive) into the account's natural balance."""
    return entry_sum if kind in DEBIT_NORMAL_KINDS else -entry_sum


def _check_balanced(lines: list[tuple[AccountRef, int]]) -> None:
    if len(lines) < 2:
        raise UnbalancedTransaction("A ledger transaction needs at least two entries.")
    for _ref, amount in lines:
        if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
            raise UnbalancedTransaction(f"Entry amounts are non-zero integer pesewas, not {amount!r}.")
    total = sum(amount for _ref, amount in lines)
    if total != 0:
        raise UnbalancedTransaction(f"Entries sum to {total}, not zero.")


def _ensure_accounts(refs: Iterable[AccountRef]) -> dict[str, LedgerAccount]:
    accounts = {}
    for ref in refs:
        if ref.code in accounts:
            continue
        # get_or_create retries the lookup when a concurrent insert of the same code wins.
        account, _created = LedgerAccount.objects.get_or_create(
            code=ref.code,
            defaults={
                "kind": ref.kind,
                "user_id": ref.user_id,
                "milestone_id": ref.milestone_id,
                "provider": ref.provider,
            },
        )
        accounts[ref.code] = account
    return accounts


def _lock_accounts(account_ids: list[int]) -> None:
    # Ascending id order is the one lock order every posting uses, so opposite transfers
    # between the same two accounts wait for each other instead of deadlocking.
    list(LedgerAccount.objects.select_for_update().filter(id__in=account_ids).order_by("id").values_list("id"))


def _check_non_negative(accounts: dict[str, LedgerAccount], deltas: dict[str, int]) -> None:
    guarded = [account for code, account in accounts.items() if account.kind in NON_NEGATIVE_KINDS and deltas[code]]
    if not guarded:
        return
    sums = dict(
        LedgerEntry.objects.filter(account__in=guarded)
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    for account in guarded:
        after = normal_balance(account.kind, sums.get(account.pk, 0) + deltas[account.code])
        if after < 0:
            logger.warning(
                "posting refused: insufficient funds",
                extra={"account": account.code, "shortfall": -after},
            )
            raise InsufficientFunds(_("Insufficient funds in %(account)s.") % {"account": account.code})


def post_transaction(
    *,
    idempotency_key: str,
    kind: str,
    lines: list[tuple[AccountRef, int]],
    actor=None,
    milestone=None,
    job=None,
    provider: str = "",
    provider_reference: str = "",
    description: str = "",
    metadata: dict | None = None,
    reverses: LedgerTransaction | None = None,
) -> tuple[LedgerTransaction, bool]:
    """Post one balanced transaction, or return the one already posted under the same key.

    `lines` are (account, signed pesewas) pairs: positive debits, negative credits. Returns
    (transaction, created). Raises UnbalancedTransaction for a bad posting and
    InsufficientFunds when an escrow, payable or in-transit account would go below zero;
    nothing is written in either case. Runs in its own atomic block (a savepoint when the
    caller already holds a transaction), and holds the account locks until the outermost commit.
    """
    _check_balanced(lines)
    deltas: dict[str, int] = {}
    for ref, amount in lines:
        deltas[ref.code] = deltas.get(ref.code, 0) + amount

    with transaction.atomic():
        accounts = _ensure_accounts(ref for ref, _amount in lines)
        _lock_accounts(sorted(account.pk for account in accounts.values()))

        existing = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False

        _check_non_negative(accounts, deltas)
        try:
            with transaction.atomic():
                posted = LedgerTransaction(
                    idempotency_key=idempotency_key,
                    kind=kind,
                    actor=actor,
                    milestone=milestone,
                    job=job,
                    provider=provider,
                    provider_reference=provider_reference,
                    description=description[:200],
                    metadata=metadata or {},
                    reverses=reverses,
                )
                posted.save()
                LedgerEntry.objects.bulk_create(
                    LedgerEntry(transaction=posted, account=accounts[ref.code], amount=amount) for ref, amount in lines
                )
        except IntegrityError:
            # A concurrent posting of the same payment won (same key, or the same provider
            # reference under another key); theirs is the one that counts.
            winner = _find_duplicate(idempotency_key, kind, provider, provider_reference)
            if winner is None:
                raise
            return winner, False

    logger.info(
        "ledger transaction posted",
        extra={"ledger_transaction": str(posted.public_id), "kind": kind, "idempotency_key": idempotency_key},
    )
    return posted, True


def _find_duplicate(idempotency_key: str, kind: str, provider: str, provider_reference: str):
    found = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
    if found is None and kind == TransactionKind.COLLECTION and provider_reference:
        found = LedgerTransaction.objects.filter(
            kind=kind, provider=provider, provider_reference=provider_reference
        ).first()
    return found


def reverse_transaction(*, original: LedgerTransaction, actor=None, description: str = "") -> LedgerTransaction:
    """Post the mirror image of `original`; a transaction can be reversed once."""
    lines = [
        (
            AccountRef(entry.account.code, entry.account.kind, entry.account.user_id, entry.account.milestone_id),
            -entry.amount,
        )
        for entry in original.entries.select_related("account")
    ]
    reversal, _created = post_transaction(
        idempotency_key=f"reversal:{original.public_id}",
        kind=TransactionKind.REVERSAL,
        lines=lines,
        actor=actor,
        milestone=original.milestone,
        job=original.job,
        provider=original.provider,
        description=description or f"Reversal of {original.public_id}",
        metadata={"reverses": str(original.public_id)},
        reverses=original,
    )
    return reversal
