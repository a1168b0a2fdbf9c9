"""Every milestone transition, allowed and refused, for each persona: hirer, worker, stranger and staff."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.common.errors import InvalidTransition, NotAllowed, NotFound
from apps.contracts import services
from apps.contracts.models import ContractEvent, Milestone, MilestoneStatus
from apps.payments.models import LedgerTransaction, Payout, Refund
from apps.payments.selectors import escrow_balance
from tests.contracts.factories import first_milestone, fund, make_contract

ALL_STATUSES = list(MilestoneStatus.values)
ESCROWED = {"funded", "in_progress", "delivered", "changes_requested", "disputed"}


def png_upload(name="work.png", size=(200, 150)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 90, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def milestone_in(status, *, hirer, worker):
    """Return a milestone of an active contract in `status`, with its escrow funded when the status holds money."""
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=20_000))
    if status in ESCROWED or status in {"released", "paid_out", "refunded"}:
        fund(milestone)
    if status == "disputed":
        services.milestone_dispute(milestone=milestone, actor=hirer, reason="Set up for the test.")
    else:
        Milestone.objects.filter(pk=milestone.pk).update(status=status)
    milestone.refresh_from_db()
    return milestone


ACTIONS = {
    "start": (lambda m, a: services.milestone_start(milestone=m, actor=a), {"worker"}, {"funded"}, "in_progress"),
    "deliver": (
        lambda m, a: services.milestone_deliver(milestone=m, actor=a, note="Done.", photos=[png_upload()]),
        {"worker"},
        {"in_progress", "changes_requested"},
        "delivered",
    ),
    "approve": (lambda m, a: services.milestone_approve(milestone=m, actor=a), {"hirer"}, {"delivered"}, "released"),
    "request_changes": (
        lambda m, a: services.milestone_request_changes(milestone=m, actor=a, note="The tap still drips."),
        {"hirer"},
        {"delivered"},
        "changes_requested",
    ),
    "dispute": (
        lambda m, a: services.milestone_dispute(milestone=m, actor=a, reason="Work not done."),
        {"hirer", "worker"},
        {"funded", "in_progress", "delivered", "changes_requested"},
        "disputed",
    ),
    "cancel": (
        lambda m, a: services.milestone_cancel(milestone=m, actor=a),
        {"hirer"},
        {"pending_funding"},
        "cancelled",
    ),
    "resolve_refund": (
        lambda m, a: services.dispute_resolve(milestone=m, actor=a, resolution="refund", note="No work done."),
        {"staff"},
        {"disputed"},
        "refunded",
    ),
    "staff_refund": (
        lambda m, a: services.milestone_refund(milestone=m, actor=a, note="Worker never came."),
        {"staff"},
        {"funded", "in_progress", "changes_requested", "delivered"},
        "refunded",
    ),
}

CASES = [
    (action, persona, status)
    for action in ACTIONS
    for persona in ("hirer", "worker", "stranger", "staff")
    for status in ALL_STATUSES
]


@pytest.mark.parametrize(("action", "persona", "status"), CASES)
def test_milestone_transition(action, persona, status, hirer, worker, stranger, staff):
    run, roles, allowed_from, target = ACTIONS[action]
    milestone = milestone_in(status, hirer=hirer, worker=worker)
    actor = {"hirer": hirer, "worker": worker, "stranger": stranger, "staff": staff}[persona]
    events_before = ContractEvent.objects.filter(milestone=milestone).count()
    ledger_before = LedgerTransaction.objects.count()

    if persona == "stranger":
        expected_error = NotFound
    elif persona not in roles:
        expected_error = NotAllowed
    elif status not in allowed_from:
        expected_error = InvalidTransition
    else:
        expected_error = None

    if expected_error is None:
        run(milestone, actor)
        milestone.refresh_from_db()
        assert milestone.status == target
        event = ContractEvent.objects.filter(milestone=milestone).last()
        assert event.actor == actor
        assert event.from_status == status
        assert event.to_status == target
    else:
        with pytest.raises(expected_error):
            run(milestone, actor)
        milestone.refresh_from_db()
        assert milestone.status == status
        assert ContractEvent.objects.filter(milestone=milestone).count() == events_before
        assert LedgerTransaction.objects.count() == ledger_before


def test_approve_releases_escrow_minus_fee(hirer, worker):
    milestone = milestone_in("delivered", hirer=hirer, worker=worker)

    services.milestone_approve(milestone=milestone, actor=hirer)

    assert escrow_balance(milestone) == 0
    release = LedgerTransaction.objects.get(kind="release", milestone=milestone)
    amounts = {entry.account.code: entry.amount for entry in release.entries.select_related("account")}
    assert amounts == {
        f"escrow:{milestone.public_id}": 20_000,
        f"worker_payable:{worker.pk}": -18_000,
        "platform_fee_revenue": -2_000,
    }
    assert release.actor == hirer
    payout = Payout.objects.get(milestone=milestone)
    assert payout.amount == 18_000
    assert payout.status == "awaiting_method"


def test_last_milestone_settled_completes_contract_and_job(hirer, worker):
    milestone = milestone_in("delivered", hirer=hirer, worker=worker)

    services.milestone_approve(milestone=milestone, actor=hirer)

    contract = milestone.contract
    contract.refresh_from_db()
    contract.job.refresh_from_db()
    assert contract.status == "completed"
    assert contract.job.status == "completed"


def test_dispute_split_pays_both_sides(hirer, worker, staff):
    milestone = milestone_in("disputed", hirer=hirer, worker=worker)

    services.dispute_resolve(milestone=milestone, actor=staff, resolution="split", worker_amount=12_000, note="Half")

    milestone.refresh_from_db()
    assert milestone.status == "released"
    split = LedgerTransaction.objects.get(kind="dispute_split", milestone=milestone)
    assert split.actor == staff
    amounts = {entry.account.code: entry.amount for entry in split.entries.select_related("account")}
    assert amounts == {
        f"escrow:{milestone.public_id}": 20_000,
        f"worker_payable:{worker.pk}": -10_800,
        "platform_fee_revenue": -1_200,
        f"refund_payable:{hirer.pk}": -8_000,
    }
    assert Payout.objects.get(milestone=milestone).amount == 10_800
    assert Refund.objects.get(milestone=milestone).amount == 8_000


@pytest.mark.parametrize("worker_amount", [-1, 20_001, None, True])
def test_dispute_split_rejects_bad_share(hirer, worker, staff, worker_amount):
    milestone = milestone_in("disputed", hirer=hirer, worker=worker)

    with pytest.raises(Exception) as raised:
        services.dispute_resolve(milestone=milestone, actor=staff, resolution="split", worker_amount=worker_amount)

    assert getattr(raised.value, "code", "") == "invalid_split"
    milestone.refresh_from_db()
    assert milestone.status == "disputed"
    assert escrow_balance(milestone) == 20_000


def test_auto_approval_after_seven_days(hirer, worker):
    from datetime import timedelta

    from django.utils import timezone

    milestone = milestone_in("delivered", hirer=hirer, worker=worker)
    Milestone.objects.filter(pk=milestone.pk).update(delivered_at=timezone.now() - timedelta(days=6, hours=23))
    assert services.milestones_due_for_auto_approval() == []
    assert services.milestone_auto_approve(milestone_id=milestone.pk) is False

    Milestone.objects.filter(pk=milestone.pk).update(delivered_at=timezone.now() - timedelta(days=7, minutes=1))
    assert services.milestones_due_for_auto_approval() == [milestone.pk]
    assert services.milestone_auto_approve(milestone_id=milestone.pk) is True
    assert services.milestone_auto_approve(milestone_id=milestone.pk) is False

    milestone.refresh_from_db()
    assert milestone.status == "released"
    event = ContractEvent.objects.filter(milestone=milestone, kind="auto_approved").get()
    assert event.actor is None
    assert LedgerTransaction.objects.filter(kind="release", milestone=milestone).count() == 1


CONTRACT_ACTIONS = {
    "accept": (lambda c, a: services.contract_accept(contract=c, actor=a), {"hirer", "worker"}),
    "cancel": (lambda c, a: services.contract_cancel(contract=c, actor=a), {"hirer", "worker", "staff"}),
    "edit_milestones": (
        lambda c, a: services.contract_update_milestones(
            contract=c, actor=a, milestones=[services.MilestoneDraft("All the work", 5_000)]
        ),
        {"hirer"},
    ),
}
CONTRACT_CASES = [
    (action, persona, status)
    for action in CONTRACT_ACTIONS
    for persona in ("hirer", "worker", "stranger", "staff")
    for status in ("draft", "active", "completed", "cancelled")
]


@pytest.mark.parametrize(("action", "persona", "status"), CONTRACT_CASES)
def test_contract_transition(action, persona, status, hirer, worker, stranger, staff):
    from apps.contracts.models import Contract

    run, roles = CONTRACT_ACTIONS[action]
    contract = make_contract(hirer=hirer, worker=worker, active=False)
    Contract.objects.filter(pk=contract.pk).update(status=status)
    contract.refresh_from_db()
    actor = {"hirer": hirer, "worker": worker, "stranger": stranger, "staff": staff}[persona]
    events_before = ContractEvent.objects.filter(contract=contract).count()

    if persona == "stranger":
        expected_error = NotFound
    elif persona not in roles:
        expected_error = NotAllowed
    elif status != "draft":
        expected_error = InvalidTransition
    else:
        expected_error = None

    if expected_error is None:
        run(contract, actor)
        assert ContractEvent.objects.filter(contract=contract).count() > events_before
        assert ContractEvent.objects.filter(contract=contract).last().actor == actor
    else:
        with pytest.raises(expected_error):
            run(contract, actor)
        contract.refresh_from_db()
        assert contract.status == status
        assert ContractEvent.objects.filter(contract=contract).count() == events_before
