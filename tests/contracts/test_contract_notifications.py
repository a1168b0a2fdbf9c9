"""Contract changes notify the right parties once, and only after the change commits."""

import pytest
from django.db import transaction

from apps.common.errors import InvalidTransition
from apps.contracts import services
from apps.contracts.models import Contract, ContractStatus, MilestoneStatus
from apps.notifications.models import DedupeKey, Notification
from tests.contracts.factories import first_milestone, fund, make_awarded_job, make_contract


def contract_keys(user, contract) -> list[str]:
    """Return the contract notification keys `user` was notified under, without the contract prefix."""
    prefix = f"contract:{contract.public_id}:"
    keys = DedupeKey.objects.filter(user=user, key__startswith=prefix).order_by("id").values_list("key", flat=True)
    return [key.removeprefix(prefix).removesuffix(f":{user.pk}") for key in keys]


def contract_notification(user, contract) -> Notification | None:
    return Notification.objects.filter(user=user, group_key=f"contract:{contract.public_id}").first()


def draft(hirer, worker, capture) -> Contract:
    application = make_awarded_job(hirer=hirer, worker=worker)
    with capture(execute=True):
        return services.contract_draft_from_application(application=application)


@pytest.mark.django_db
def test_draft_notifies_both_parties(hirer, worker, stranger, django_capture_on_commit_callbacks):
    contract = draft(hirer, worker, django_capture_on_commit_callbacks)

    assert contract_keys(hirer, contract) == ["drafted"]
    assert contract_keys(worker, contract) == ["drafted"]
    assert DedupeKey.objects.filter(user=stranger).count() == 0
    notification = contract_notification(worker, contract)
    assert notification.title == "Contract drafted: “Fix the kitchen sink”"
    assert notification.event == "contract.updated"
    assert notification.link == f"/contracts/{contract.public_id}/"


@pytest.mark.django_db
def test_acceptance_notifies_other_party(hirer, worker, django_capture_on_commit_callbacks):
    contract = draft(hirer, worker, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_accept(contract=contract, actor=hirer)

    worker_keys = contract_keys(worker, contract)
    assert len(worker_keys) == 2
    assert worker_keys[1].startswith("accepted:hirer:")
    assert contract_keys(hirer, contract) == ["drafted"]
    assert contract_notification(worker, contract).title == "Ama Mensah accepted the contract “Fix the kitchen sink”"
    assert contract_notification(worker, contract).count == 2


@pytest.mark.django_db
def test_repeated_acceptance_notifies_nobody(hirer, worker, django_capture_on_commit_callbacks):
    contract = draft(hirer, worker, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_accept(contract=contract, actor=hirer)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.contract_accept(contract=contract, actor=hirer)

    assert callbacks == []
    assert len(contract_keys(worker, contract)) == 2


@pytest.mark.django_db
def test_activation_notifies_both_once(hirer, worker, django_capture_on_commit_callbacks):
    contract = draft(hirer, worker, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_accept(contract=contract, actor=hirer)

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_accept(contract=contract, actor=worker)

    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert contract_keys(hirer, contract) == ["drafted", "activated"]
    assert contract_keys(worker, contract)[-1] == "activated"
    assert len(contract_keys(worker, contract)) == 3
    assert contract_notification(hirer, contract).title == "Contract active: “Fix the kitchen sink”"


@pytest.mark.django_db
def test_acceptance_after_milestone_edit_notifies_again(hirer, worker, django_capture_on_commit_callbacks):
    contract = draft(hirer, worker, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_accept(contract=contract, actor=hirer)
    services.contract_update_milestones(
        contract=contract, actor=hirer, milestones=[services.MilestoneDraft("Fit the new tap", 12_000)]
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_accept(contract=contract, actor=hirer)

    accepted = [key for key in contract_keys(worker, contract) if key.startswith("accepted:hirer:")]
    assert len(accepted) == 2
    assert accepted[0] != accepted[1]


@pytest.mark.django_db
def test_cancel_notifies_other_party(hirer, worker, django_capture_on_commit_callbacks):
    contract = draft(hirer, worker, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_cancel(contract=contract, actor=worker, reason="I am travelling.")

    assert contract_keys(hirer, contract) == ["drafted", "cancelled"]
    assert contract_keys(worker, contract) == ["drafted"]
    notification = contract_notification(hirer, contract)
    assert notification.title == "Contract cancelled: “Fix the kitchen sink”"
    assert notification.body == "Kofi Boateng cancelled the contract."


@pytest.mark.django_db
def test_staff_cancel_notifies_both(hirer, worker, staff, django_capture_on_commit_callbacks):
    contract = draft(hirer, worker, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_cancel(contract=contract, actor=staff)

    assert contract_keys(hirer, contract) == ["drafted", "cancelled"]
    assert contract_keys(worker, contract) == ["drafted", "cancelled"]
    assert DedupeKey.objects.filter(user=staff).count() == 0


@pytest.mark.django_db
def test_completion_notifies_both_once(hirer, worker, staff, django_capture_on_commit_callbacks):
    contract = make_contract(hirer=hirer, worker=worker)
    milestone = first_milestone(contract)
    fund(milestone)

    with django_capture_on_commit_callbacks(execute=True):
        services.milestone_refund(milestone=milestone, actor=staff, note="The work never started.")

    contract.refresh_from_db()
    assert contract.status == ContractStatus.COMPLETED
    assert contract_keys(hirer, contract) == ["completed"]
    assert contract_keys(worker, contract) == ["completed"]
    assert contract_notification(worker, contract).title == "Contract completed: “Fix the kitchen sink”"


@pytest.mark.django_db
def test_failed_change_notifies_nobody(hirer, worker, stranger, django_capture_on_commit_callbacks):
    contract = make_contract(hirer=hirer, worker=worker)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(InvalidTransition):
            services.contract_cancel(contract=contract, actor=hirer)

    assert callbacks == []
    assert contract_keys(worker, contract) == []


@pytest.mark.django_db(transaction=True)
def test_rolled_back_acceptance_notifies_nobody(hirer, worker):
    application = make_awarded_job(hirer=hirer, worker=worker)
    contract = services.contract_draft_from_application(application=application)
    assert contract_keys(worker, contract) == ["drafted"]

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.contract_accept(contract=contract, actor=hirer)
            raise RuntimeError("the request failed after the acceptance")

    contract.refresh_from_db()
    assert contract.hirer_accepted_at is None
    assert contract_keys(worker, contract) == ["drafted"]
    assert contract_notification(worker, contract).count == 1


@pytest.mark.django_db(transaction=True)
def test_rolled_back_draft_notifies_nobody(hirer, worker):
    application = make_awarded_job(hirer=hirer, worker=worker)

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.contract_draft_from_application(application=application)
            raise RuntimeError("the application acceptance failed")

    assert Contract.objects.count() == 0
    assert DedupeKey.objects.filter(key__startswith="contract:").count() == 0
    assert Notification.objects.filter(event="contract.updated").count() == 0


@pytest.mark.django_db(transaction=True)
def test_committed_acceptance_notifies_worker(hirer, worker):
    application = make_awarded_job(hirer=hirer, worker=worker)
    contract = services.contract_draft_from_application(application=application)

    services.contract_accept(contract=contract, actor=hirer)

    assert contract_keys(worker, contract)[1].startswith("accepted:hirer:")
    assert first_milestone(contract).status == MilestoneStatus.PENDING_FUNDING
