"""has_funded_contract: whether a hirer's money has reached a contract with a worker."""

import pytest

from apps.accounts.models import Role
from apps.contracts.models import Milestone, MilestoneStatus
from apps.contracts.selectors import has_funded_contract
from tests.conftest import make_user
from tests.contracts.factories import first_milestone, fund, make_contract

pytestmark = pytest.mark.django_db

FUNDED_STATES = [
    MilestoneStatus.FUNDED,
    MilestoneStatus.IN_PROGRESS,
    MilestoneStatus.DELIVERED,
    MilestoneStatus.CHANGES_REQUESTED,
    MilestoneStatus.RELEASED,
    MilestoneStatus.PAID_OUT,
    MilestoneStatus.DISPUTED,
]
UNFUNDED_STATES = [
    MilestoneStatus.PENDING_FUNDING,
    MilestoneStatus.FUNDING_PENDING,
    MilestoneStatus.REFUNDED,
    MilestoneStatus.CANCELLED,
]


def test_funding_through_payments_counts(hirer, worker):
    contract = make_contract(hirer=hirer, worker=worker)
    assert has_funded_contract(hirer, worker) is False

    fund(first_milestone(contract))

    assert first_milestone(contract).status == MilestoneStatus.FUNDED
    assert has_funded_contract(hirer, worker) is True


@pytest.mark.parametrize("status", FUNDED_STATES)
def test_funded_states_count(hirer, worker, status):
    contract = make_contract(hirer=hirer, worker=worker)
    contract.milestones.update(status=status)

    assert has_funded_contract(hirer, worker) is True


@pytest.mark.parametrize("status", UNFUNDED_STATES)
def test_unfunded_states_do_not_count(hirer, worker, status):
    contract = make_contract(hirer=hirer, worker=worker)
    contract.milestones.update(status=status)

    assert has_funded_contract(hirer, worker) is False


def test_draft_contract_does_not_count(hirer, worker):
    make_contract(hirer=hirer, worker=worker, active=False)

    assert has_funded_contract(hirer, worker) is False


def test_one_funded_milestone_among_several_counts(hirer, worker):
    contract = make_contract(hirer=hirer, worker=worker)
    Milestone.objects.create(contract=contract, position=2, description="Paint the kitchen", amount=5_000)
    contract.milestones.filter(position=1).update(status=MilestoneStatus.CANCELLED)
    contract.milestones.filter(position=2).update(status=MilestoneStatus.PAID_OUT)

    assert has_funded_contract(hirer, worker) is True


def test_funding_is_scoped_to_the_pair(hirer, worker, stranger, other_hirer):
    contract = make_contract(hirer=hirer, worker=worker)
    fund(first_milestone(contract))

    assert has_funded_contract(hirer, stranger) is False
    assert has_funded_contract(other_hirer, worker) is False


def test_roles_are_not_swapped(hirer, worker):
    contract = make_contract(hirer=hirer, worker=worker)
    fund(first_milestone(contract))

    assert has_funded_contract(worker, hirer) is False


def test_missing_or_unsaved_user_is_false(hirer, worker):
    contract = make_contract(hirer=hirer, worker=worker)
    fund(first_milestone(contract))
    unsaved = type(worker)(email="nobody@example.com", phone="+233240000001")

    assert has_funded_contract(None, worker) is False
    assert has_funded_contract(hirer, None) is False
    assert has_funded_contract(hirer, unsaved) is False


def test_one_query_however_many_contracts(hirer, worker, django_assert_num_queries):
    for index in range(4):
        other_worker = make_user(role=Role.WORKER, name=f"Worker {index}")
        make_contract(hirer=hirer, worker=other_worker)
    contract = make_contract(hirer=hirer, worker=worker)
    fund(first_milestone(contract))

    with django_assert_num_queries(1):
        assert has_funded_contract(hirer, worker) is True
