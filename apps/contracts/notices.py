"""Notifications about contract and milestone changes, sent only after the change commits."""

import logging
from functools import partial

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.money import format_ghs

logger = logging.getLogger(__name__)

# Milestone status -> (audience, title). The body names the contract and the amount.
MILESTONE_NOTICES = {
    "funded": ("worker", _("Milestone funded: you can start work")),
    "delivered": ("hirer", _("Work delivered: please review it")),
    "changes_requested": ("worker", _("The hirer asked for changes")),
    "released": ("worker", _("Payment released to you")),
    "paid_out": ("worker", _("Payout sent to your wallet")),
    "refunded": ("hirer", _("Milestone refunded to you")),
    "disputed": ("both", _("A dispute was opened")),
}


def milestone_changed(milestone, to_status: str) -> None:
    """Notify the party that needs to act on (or know about) the milestone's new status."""
    notice = MILESTONE_NOTICES.get(to_status)
    if notice is None:
        return
    audience, title = notice
    contract = milestone.contract
    users = {"worker": [contract.worker], "hirer": [contract.hirer], "both": [contract.hirer, contract.worker]}[
        audience
    ]
    send = partial(
        _send_milestone_notice,
        users=users,
        title=str(title),
        contract=contract,
        milestone_id=milestone.pk,
        position=milestone.position,
        amount=milestone.amount,
        dedupe_key=f"milestone:{milestone.public_id}:{to_status}:{milestone.updated_at.timestamp():.0f}",
    )
    if to_status in WORKER_NET_STATUSES:
        # The payout row is created after this status change, in the same transaction, so its
        # amount is read once the transaction has committed.
        transaction.on_commit(partial(send, amount_reader=_worker_net_amount), robust=True)
    else:
        send()


# The worker's notice for these states names what reaches their wallet: the amount after the
# platform fee (or their share of a split), not the milestone's full amount.
WORKER_NET_STATUSES = frozenset({"released", "paid_out"})


def _worker_net_amount(milestone_id: int, amount: int) -> int:
    """Return the amount of the milestone's newest payout, or `amount` less the platform fee without one."""
    from apps.payments.models import Payout
    from apps.payments.postings import platform_fee

    payout_amount = (
        Payout.objects.filter(milestone_id=milestone_id).order_by("-created_at", "-id").values_list("amount", flat=True)
    ).first()
    return payout_amount if payout_amount is not None else amount - platform_fee(amount)


def _send_milestone_notice(
    *, users, title: str, contract, milestone_id: int, position: int, amount: int, dedupe_key: str, amount_reader=None
) -> None:
    from apps.notifications.services import notify_after_commit

    if amount_reader is not None:
        amount = amount_reader(milestone_id, amount)
    body = _("%(contract)s, milestone %(position)d: %(amount)s.") % {
        "contract": contract.title,
        "position": position,
        "amount": format_ghs(amount),
    }
    link = reverse("contracts:detail", kwargs={"public_id": contract.public_id})
    for user in users:
        notify_after_commit(
            user=user, event="milestone.updated", title=title, body=body, link=link, dedupe_key=dedupe_key
        )


# Contract change -> (title, body). Titles take the contract title, bodies the actor's name.
CONTRACT_NOTICES = {
    "drafted": (
        gettext_lazy("Contract drafted: “%(title)s”"),
        gettext_lazy("Check the milestones and accept the contract so the work can start."),
    ),
    "accepted": (
        gettext_lazy("%(name)s accepted the contract “%(title)s”"),
        gettext_lazy("Accept it too so the work can start."),
    ),
    "activated": (
        gettext_lazy("Contract active: “%(title)s”"),
        gettext_lazy("Both of you accepted. The work starts once the hirer funds the first milestone."),
    ),
    "cancelled": (gettext_lazy("Contract cancelled: “%(title)s”"), gettext_lazy("%(name)s cancelled the contract.")),
    "completed": (gettext_lazy("Contract completed: “%(title)s”"), gettext_lazy("Every milestone is settled.")),
}


def contract_changed(contract, change: str, *, users, actor=None, key: str = "") -> None:
    """Notify each of `users` once about a contract change, after the surrounding transaction commits.

    `change` is a key of CONTRACT_NOTICES. `key` distinguishes repeats of a change that can
    happen more than once, such as an acceptance after the milestones were edited. Each user
    gets one notification per change and key, and none if the transaction rolls back.
    """
    from apps.notifications.domain_events import contract_event

    title, body = CONTRACT_NOTICES[change]
    name = actor.get_full_name() if actor is not None else gettext_lazy("Kelmah")
    words = {"title": contract.title, "name": name}
    link = reverse("contracts:detail", kwargs={"public_id": contract.public_id})
    dedupe_change = f"{change}:{key}" if key else change
    for user in users:
        transaction.on_commit(
            partial(
                contract_event,
                user=user,
                contract_id=contract.public_id,
                title=str(title) % words,
                body=str(body) % words,
                link=link,
                change=dedupe_change,
            )
        )


def payment_receipt(collection) -> None:
    """Send the hirer one receipt per paid collection, whichever path confirmed it."""
    from apps.notifications.services import notify_after_commit

    notify_after_commit(
        user=collection.payer,
        event="payment.updated",
        title=_("Payment received: %(amount)s") % {"amount": format_ghs(collection.amount)},
        body=_("Receipt %(receipt)s. The money is held in escrow until you approve the work.")
        % {"receipt": collection.receipt_number},
        link=reverse("payments:collection", kwargs={"public_id": collection.public_id}),
        dedupe_key=f"receipt:{collection.reference}",
    )
