"""The posting service: balance, idempotency, non-negative accounts, immutability, and locking under races."""

import threading

import pytest
from django.db import connection

from apps.payments import ledger
from apps.payments.ledger import InsufficientFunds, UnbalancedTransaction, post_transaction, reverse_transaction
from apps.payments.models import ImmutableRowError, LedgerEntry, LedgerTransaction, TransactionKind
from apps.payments.selectors import account_balance, escrow_balance
from tests.contracts.factories import first_milestone, make_contract


@pytest.fixture
def milestone(hirer, worker):
    return first_milestone(make_contract(hirer=hirer, worker=worker, amount=10_000))


def deposit(milestone, amount, key):
    return post_transaction(
        idempotency_key=key,
        kind=TransactionKind.TRANSFER,
        lines=[(ledger.psp_clearing("paystack"), amount), (ledger.escrow(milestone), -amount)],
    )


def withdraw(milestone, hirer_id, amount, key):
    return post_transaction(
        idempotency_key=key,
        kind=TransactionKind.TRANSFER,
        lines=[(ledger.escrow(milestone), amount), (ledger.refund_payable(hirer_id), -amount)],
    )


def test_posting_writes_balanced_entries(milestone):
    posted, created = deposit(milestone, 5_000, "t1")

    assert created
    assert sum(entry.amount for entry in posted.entries.all()) == 0
    assert escrow_balance(milestone) == 5_000
    assert account_balance("psp_clearing:paystack") == 5_000


@pytest.mark.parametrize(
    "amounts",
    [[100, -99], [100], [0, 0], [100.0, -100.0], [True, -1], ["100", "-100"]],
)
def test_unbalanced_or_malformed_posting_rejected(milestone, amounts):
    refs = [ledger.psp_clearing("paystack"), ledger.escrow(milestone)]
    lines = list(zip(refs, amounts, strict=False))

    with pytest.raises(UnbalancedTransaction):
        post_transaction(idempotency_key="bad", kind=TransactionKind.TRANSFER, lines=lines)
    assert LedgerTransaction.objects.count() == 0
    assert LedgerEntry.objects.count() == 0


def test_same_key_posts_once(milestone):
    first, created_first = deposit(milestone, 5_000, "same")
    second, created_second = deposit(milestone, 5_000, "same")

    assert created_first and not created_second
    assert first.pk == second.pk
    assert escrow_balance(milestone) == 5_000


def test_overdraw_of_escrow_rejected(milestone, hirer):
    deposit(milestone, 1_000, "in")

    with pytest.raises(InsufficientFunds):
        withdraw(milestone, hirer.pk, 1_001, "out")
    assert escrow_balance(milestone) == 1_000
    assert LedgerTransaction.objects.count() == 1


def test_clearing_account_may_go_negative(milestone, worker):
    # Provider clearing is an asset: paying out before the day's collections settle is normal.
    post_transaction(
        idempotency_key="payout-first",
        kind=TransactionKind.TRANSFER,
        lines=[(ledger.psp_fee_expense(), 300), (ledger.psp_clearing("paystack"), -300)],
    )
    assert account_balance("psp_clearing:paystack") == -300


def test_entries_cannot_be_changed_or_deleted(milestone):
    posted, _created = deposit(milestone, 5_000, "frozen")
    entry = posted.entries.first()

    entry.amount = 1
    with pytest.raises(ImmutableRowError):
        entry.save()
    with pytest.raises(ImmutableRowError):
        entry.delete()
    with pytest.raises(ImmutableRowError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(ImmutableRowError):
        LedgerEntry.objects.all().delete()
    with pytest.raises(ImmutableRowError):
        posted.delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 5_000


def test_reversal_mirrors_original_once(milestone):
    posted, _created = deposit(milestone, 5_000, "to-undo")

    reversal = reverse_transaction(original=posted)
    again = reverse_transaction(original=posted)

    assert reversal.pk == again.pk
    assert reversal.reverses_id == posted.pk
    assert sorted(entry.amount for entry in reversal.entries.all()) == sorted(
        -entry.amount for entry in posted.entries.all()
    )
    assert escrow_balance(milestone) == 0


def test_reversal_refused_when_money_already_moved(milestone, hirer):
    posted, _created = deposit(milestone, 5_000, "moved")
    withdraw(milestone, hirer.pk, 5_000, "gone")

    with pytest.raises(InsufficientFunds):
        reverse_transaction(original=posted)
    assert escrow_balance(milestone) == 0


def test_one_collection_posting_per_provider_reference(milestone):
    lines = [(ledger.psp_clearing("paystack"), 2_000), (ledger.escrow(milestone), -2_000)]
    first, _ = post_transaction(
        idempotency_key="collection:a",
        kind=TransactionKind.COLLECTION,
        lines=lines,
        provider="paystack",
        provider_reference="PSREF1",
    )
    second, created = post_transaction(
        idempotency_key="collection:b",
        kind=TransactionKind.COLLECTION,
        lines=lines,
        provider="paystack",
        provider_reference="PSREF1",
    )

    assert not created
    assert second.pk == first.pk
    assert escrow_balance(milestone) == 2_000


def _run_in_threads(count, work):
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_never_overdraw(hirer, worker):
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=10_000))
    deposit(milestone, 10_000, "escrow-100")

    results = _run_in_threads(10, lambda index: withdraw(milestone, hirer.pk, 2_000, f"withdraw-{index}"))

    succeeded = [result for result in results if isinstance(result, tuple)]
    refused = [result for result in results if isinstance(result, InsufficientFunds)]
    assert len(succeeded) == 5
    assert len(refused) == 5
    assert escrow_balance(milestone) == 0
    assert account_balance(f"refund_payable:{hirer.pk}") == 10_000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deposits_both_land(hirer, worker):
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=10_000))

    results = _run_in_threads(2, lambda index: deposit(milestone, 5_000, f"deposit-{index}"))

    assert all(isinstance(result, tuple) for result in results), results
    assert escrow_balance(milestone) == 10_000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_opposite_transfers_do_not_deadlock(hirer, worker, other_hirer):
    first = first_milestone(make_contract(hirer=hirer, worker=worker, amount=10_000))
    second = first_milestone(make_contract(hirer=other_hirer, worker=worker, amount=10_000))
    deposit(first, 10_000, "first-in")
    deposit(second, 10_000, "second-in")

    def transfer(index):
        source, target = (first, second) if index % 2 == 0 else (second, first)
        return post_transaction(
            idempotency_key=f"swap-{index}",
            kind=TransactionKind.TRANSFER,
            lines=[(ledger.escrow(source), 1_000), (ledger.escrow(target), -1_000)],
        )

    results = _run_in_threads(8, transfer)

    assert all(isinstance(result, tuple) for result in results), results
    assert escrow_balance(first) == 10_000
    assert escrow_balance(second) == 10_000
