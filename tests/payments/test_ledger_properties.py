"""Property tests: random sequences of money events keep the ledger's invariants.

Operations: fund, duplicate collection answer, release, refund, payout sent, payout
succeeded, payout failed, payout reversed (also after success), duplicate payout answers
and retries, in any order. Illegal ones are refused by the services; after every step:

- every transaction sums to zero;
- no escrow, payable, in-transit or refund-payable account is negative;
- there is one collection posting per provider reference;
- each milestone's escrow holds its amount exactly while it is funded and nothing otherwise.
"""

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.common.errors import DomainError
from apps.contracts import services as contract_services
from apps.contracts.models import ESCROWED_MILESTONE_STATUSES, Milestone
from apps.payments import postings
from apps.payments.ledger import normal_balance
from apps.payments.models import (
    NON_NEGATIVE_KINDS,
    Collection,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutMethod,
)
from apps.payments.payouts import payout_apply_result, payout_retry
from apps.payments.providers.base import CollectionResult, PayoutResult, Status
from apps.payments.selectors import escrow_balance
from apps.payments.services import collection_apply_result
from tests.contracts.factories import fund, make_contract

OPERATIONS = [
    "fund",
    "duplicate_collection",
    "deliver_and_release",
    "refund",
    "payout_send",
    "payout_succeeded",
    "payout_failed",
    "payout_reversed",
    "payout_retry",
]

OUTCOMES = {"payout_succeeded": Status.SUCCEEDED, "payout_failed": Status.FAILED, "payout_reversed": Status.REVERSED}

steps = st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 2)), min_size=1, max_size=25)


def check_invariants(milestones):
    totals = LedgerEntry.objects.values("transaction_id").annotate(total=Sum("amount"))
    assert all(row["total"] == 0 for row in totals)

    for account in LedgerAccount.objects.filter(kind__in=NON_NEGATIVE_KINDS):
        raw = account.entries.aggregate(total=Sum("amount"))["total"] or 0
        assert normal_balance(account.kind, raw) >= 0, account.code

    duplicates = (
        LedgerTransaction.objects.filter(kind="collection")
        .values("provider", "provider_reference")
        .annotate(count=Count("id"))
        .filter(count__gt=1)
    )
    assert not duplicates.exists()

    for milestone in milestones:
        milestone.refresh_from_db()
        held = milestone.amount if milestone.status in ESCROWED_MILESTONE_STATUSES else 0
        assert escrow_balance(milestone) == held, (milestone.status, escrow_balance(milestone))


def apply_step(operation, index, milestones, hirer, worker, staff):
    milestone = milestones[index]
    milestone.refresh_from_db()
    payout = Payout.objects.filter(milestone=milestone).order_by("-created_at").first()

    if operation == "fund":
        fund(milestone)
    elif operation == "duplicate_collection":
        collection = Collection.objects.filter(milestone=milestone).order_by("-created_at").first()
        if collection is not None:
            provider_ref = collection.provider_reference or "X"
            result = CollectionResult(
                collection.reference, provider_ref, Status.SUCCEEDED, amount_minor=collection.amount
            )
            collection_apply_result(collection_id=collection.pk, result=result, source="duplicate")
    elif operation == "deliver_and_release":
        if milestone.status == "funded":
            contract_services.milestone_start(milestone=milestone, actor=worker)
            Milestone.objects.filter(pk=milestone.pk).update(status="delivered")
        contract_services.milestone_approve(milestone=milestone, actor=hirer)
    elif operation == "refund":
        contract_services.milestone_refund(milestone=milestone, actor=staff, note="property test")
    elif operation == "payout_send" and payout is not None:
        with transaction.atomic():
            locked = Payout.objects.select_for_update().get(pk=payout.pk)
            if locked.status == "awaiting_method":
                postings.post_payout_initiated(payout=locked)
                Payout.objects.filter(pk=locked.pk).update(status="pending", provider="paystack")
    elif operation.startswith("payout_") and operation != "payout_retry" and payout is not None:
        status = OUTCOMES[operation]
        payout_apply_result(payout_id=payout.pk, result=PayoutResult(payout.reference, "TRF1", status))
    elif operation == "payout_retry" and payout is not None:
        payout_retry(payout=payout, actor=staff)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_random_money_events_keep_invariants(sequence, hirer, worker, staff):
    with transaction.atomic():
        contracts = [make_contract(hirer=hirer, worker=worker, amount=amount) for amount in (10_000, 7_777, 30_001)]
        milestones = [contract.milestones.get() for contract in contracts]
        PayoutMethod.objects.filter(worker=worker).delete()
        for operation, index in sequence:
            try:
                with transaction.atomic():
                    apply_step(operation, index, milestones, hirer, worker, staff)
            except DomainError:
                pass
            check_invariants(milestones)
        transaction.set_rollback(True)
