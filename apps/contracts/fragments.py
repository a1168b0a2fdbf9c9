"""Dashboard fragments for contracts; the modules layer's boundary contains their failures."""

from django.db.models import Q
from django.template.loader import render_to_string

from apps.contracts.models import ContractStatus, Milestone, MilestoneStatus

# Milestone statuses that wait on each party.
HIRER_TURN = (MilestoneStatus.PENDING_FUNDING, MilestoneStatus.DELIVERED)
WORKER_TURN = (MilestoneStatus.FUNDED, MilestoneStatus.IN_PROGRESS, MilestoneStatus.CHANGES_REQUESTED)
LIMIT = 8


def milestones_to_act_on(request) -> str:
    """Render the user's active milestones that wait on them, oldest change first (one query)."""
    user = request.user
    waiting = (
        Milestone.objects.filter(contract__status=ContractStatus.ACTIVE)
        .filter(Q(contract__hirer=user, status__in=HIRER_TURN) | Q(contract__worker=user, status__in=WORKER_TURN))
        .select_related("contract")
        .order_by("updated_at")[:LIMIT]
    )
    return render_to_string("contracts/fragments/to_act_on.html", {"milestones": list(waiting)}, request=request)
