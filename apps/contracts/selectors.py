"""Reads for contracts: permission-checked fetches and list queries."""

from django.db.models import Count, Prefetch, Q, Sum

from apps.common.errors import NotFound
from apps.contracts.models import Contract, ContractEvent, Delivery, Dispute, Milestone, MilestoneStatus

# Milestone states the hirer's money has reached, whether held in escrow, released or paid
# out. A milestone can only be disputed after it was funded, so DISPUTED counts too. Refunded
# and cancelled milestones do not count, because the money went back or never came.
FUNDED_MILESTONE_STATUSES = frozenset(
    {
        MilestoneStatus.FUNDED,
        MilestoneStatus.IN_PROGRESS,
        MilestoneStatus.DELIVERED,
        MilestoneStatus.CHANGES_REQUESTED,
        MilestoneStatus.RELEASED,
        MilestoneStatus.PAID_OUT,
        MilestoneStatus.DISPUTED,
    }
)


def contracts_for_user(user):
    """Return the contracts the user is a party to, newest first, with milestone totals."""
    return (
        Contract.objects.filter(Q(hirer=user) | Q(worker=user))
        .select_related("hirer", "worker", "job")
        .annotate(total=Sum("milestones__amount"), milestone_count=Count("milestones"))
        .order_by("-created_at")
    )


def contract_get_for_user(*, user, public_id) -> Contract:
    """Return the contract if `user` is its hirer, its worker or staff; NotFound otherwise."""
    if not user.is_authenticated:
        raise NotFound("Contract not found.")
    contract = Contract.objects.select_related("hirer", "worker", "job").filter(public_id=public_id).first()
    if contract is None or contract.role_of(user) is None:
        raise NotFound("Contract not found.")
    return contract


def milestone_get_for_user(*, user, public_id) -> Milestone:
    """Return the milestone if `user` may see its contract; NotFound otherwise."""
    if not user.is_authenticated:
        raise NotFound("Milestone not found.")
    milestone = (
        Milestone.objects.select_related("contract", "contract__hirer", "contract__worker", "contract__job")
        .filter(public_id=public_id)
        .first()
    )
    if milestone is None or milestone.contract.role_of(user) is None:
        raise NotFound("Milestone not found.")
    return milestone


def has_funded_contract(hirer, worker) -> bool:
    """Return whether `hirer` funded at least one milestone of a contract with `worker`, in one query.

    Messaging shows the two people each other's phone number only when this is True.
    Unsaved users or None on either side give False.
    """
    hirer_id = getattr(hirer, "pk", None)
    worker_id = getattr(worker, "pk", None)
    if hirer_id is None or worker_id is None:
        return False
    return Milestone.objects.filter(
        contract__hirer_id=hirer_id,
        contract__worker_id=worker_id,
        status__in=FUNDED_MILESTONE_STATUSES,
    ).exists()


def contract_detail(contract: Contract) -> dict:
    """Return the contract's milestones (with deliveries and disputes) and its event history."""
    milestones = list(
        contract.milestones.prefetch_related(
            Prefetch("deliveries", queryset=Delivery.objects.prefetch_related("photos")),
            Prefetch("disputes", queryset=Dispute.objects.select_related("opened_by", "resolved_by")),
            Prefetch("collections", queryset=_paid_collections(), to_attr="paid_collections"),
            Prefetch("payouts", queryset=_latest_payouts(), to_attr="payout_list"),
        ).order_by("position")
    )
    events = list(
        ContractEvent.objects.filter(contract=contract)
        .select_related("actor", "milestone")
        .order_by("-created_at", "-id")[:100]
    )
    return {"milestones": milestones, "events": events, "total": sum(m.amount for m in milestones)}


def _paid_collections():
    from apps.payments.models import Collection

    return Collection.objects.filter(status="succeeded").order_by("succeeded_at")


def _latest_payouts():
    from apps.payments.models import Payout

    return Payout.objects.order_by("-created_at")
