"""The message a user reads when a milestone's status does not allow what they tried.

Each message names the state in plain words and, where there is one, what to do next.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.contracts.models import MilestoneStatus as MS

# Statuses where the hirer's money has already reached the milestone.
_PAID_IN = frozenset({MS.FUNDED, MS.IN_PROGRESS, MS.DELIVERED, MS.CHANGES_REQUESTED, MS.DISPUTED})
_PAID_TO_WORKER = frozenset({MS.RELEASED, MS.PAID_OUT})

# Transition kind -> the verb that ends the general message.
ACTION_WORDS = {
    "funding_started": gettext_lazy("funded"),
    "funded": gettext_lazy("marked funded"),
    "started": gettext_lazy("started"),
    "delivered": gettext_lazy("delivered"),
    "approved": gettext_lazy("approved"),
    "auto_approved": gettext_lazy("approved"),
    "changes_requested": gettext_lazy("sent back for changes"),
    "disputed": gettext_lazy("disputed"),
    "cancelled": gettext_lazy("cancelled"),
    "refunded": gettext_lazy("refunded"),
    "dispute_resolved": gettext_lazy("resolved"),
    "paid_out": gettext_lazy("marked paid out"),
}


def transition_refusal(milestone, kind: str) -> str:
    """Return the translated reason `milestone` cannot take the `kind` transition from its current status."""
    status = milestone.status
    if kind == "funding_started":
        return _funding_refusal(status)
    return _("This milestone is %(status)s, so it cannot be %(action)s.") % {
        "status": milestone.get_status_display().lower(),
        "action": ACTION_WORDS.get(kind, kind),
    }


def _funding_refusal(status: str) -> str:
    if status == MS.FUNDING_PENDING:
        return _("A payment for this milestone is already in progress; wait for it to finish.")
    if status in _PAID_IN:
        return _("This milestone is already funded.")
    if status in _PAID_TO_WORKER:
        return _("This milestone is already paid to the worker.")
    if status == MS.REFUNDED:
        return _("This milestone was refunded, so it cannot be funded again.")
    if status == MS.CANCELLED:
        return _("This milestone was cancelled, so it cannot be funded.")
    return _("This milestone cannot be funded now.")
