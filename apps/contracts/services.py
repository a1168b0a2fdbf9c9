"""Every change to a contract or milestone, guarded and recorded.

Lock order, everywhere: the contract row, then the milestone row, then payment rows
(collection, payout), then ledger accounts (by id). A transition re-reads the locked rows,
checks the actor's role and the current status, changes the status, and writes a
ContractEvent with the actor (None for the system) in the same transaction.

Parties who may see a contract but not act get NotAllowed; anyone else gets NotFound,
so ids cannot be probed.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from apps.common.money import MAX_PESEWAS
from apps.contracts import notices, refusals
from apps.contracts.images import validate_delivery_photos
from apps.contracts.models import (
    SETTLED_MILESTONE_STATUSES,
    Contract,
    ContractEvent,
    ContractStatus,
    Delivery,
    DeliveryPhoto,
    Dispute,
    DisputeResolution,
    Milestone,
)
from apps.contracts.models import MilestoneStatus as MS
from apps.payments import escrow

logger = logging.getLogger(__name__)

MAX_MILESTONES = 20


def auto_approve_after() -> timedelta:
    """Return how long a delivered milestone waits for the hirer before it is approved automatically."""
    return timedelta(days=settings.KELMAH_AUTO_APPROVE_DAYS)


@dataclass(frozen=True)
class MilestoneDraft:
    description: str
    amount: int
    due_date: date | None = None


# Recording


def _record(contract, *, actor, kind: str, milestone=None, from_status="", to_status="", note="") -> None:
    ContractEvent.objects.create(
        contract=contract,
        milestone=milestone,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note[:500],
    )


def _lock(contract_id: int, milestone_id: int | None = None) -> tuple[Contract, Milestone | None]:
    contract = Contract.objects.select_for_update().get(pk=contract_id)
    milestone = None
    if milestone_id is not None:
        milestone = Milestone.objects.select_for_update(of=("self",)).select_related("contract").get(pk=milestone_id)
    return contract, milestone


def _require_role(contract: Contract, actor, *roles: str) -> str:
    role = contract.role_of(actor) if actor is not None and actor.is_authenticated else None
    if role is None:
        raise NotFound(_("Contract not found."))
    if role not in roles:
        raise NotAllowed(_("Only the %(roles)s can do this.") % {"roles": _join_roles(roles)}, code="wrong_party")
    return role


def _join_roles(roles: Iterable[str]) -> str:
    labels = {"hirer": _("hirer"), "worker": _("worker"), "staff": _("Kelmah staff")}
    return _(" or ").join(str(labels[role]) for role in roles)


def _move(milestone: Milestone, *, to: str, allowed_from: Iterable[str], actor, kind: str, note: str = "") -> None:
    """Move a locked milestone to `to` and record it; raise InvalidTransition from any other status."""
    allowed = tuple(allowed_from)
    if milestone.status not in allowed:
        raise InvalidTransition(refusals.transition_refusal(milestone, kind))
    from_status = milestone.status
    milestone.status = to
    fields = ["status", "updated_at"]
    stamp = _TIMESTAMP_FIELDS.get(to)
    if stamp:
        setattr(milestone, stamp, timezone.now())
        fields.append(stamp)
    if to in SETTLED_MILESTONE_STATUSES and milestone.settled_at is None:
        milestone.settled_at = timezone.now()
        fields.append("settled_at")
    milestone.save(update_fields=fields)
    _record(
        milestone.contract,
        actor=actor,
        kind=kind,
        milestone=milestone,
        from_status=from_status,
        to_status=to,
        note=note,
    )
    notices.milestone_changed(milestone, to)
    logger.info(
        "milestone moved",
        extra={"milestone": str(milestone.public_id), "from_status": from_status, "to_status": to, "kind": kind},
    )


_TIMESTAMP_FIELDS = {
    MS.FUNDED: "funded_at",
    MS.IN_PROGRESS: "started_at",
    MS.DELIVERED: "delivered_at",
    MS.RELEASED: "released_at",
}

_ACTION_WORDS = {
    "funding_started": "funded",
    "funded": "marked funded",
    "started": "started",
    "delivered": "delivered",
    "approved": "approved",
    "auto_approved": "approved",
    "changes_requested": "sent back for changes",
    "disputed": "disputed",
    "cancelled": "cancelled",
    "refunded": "refunded",
    "dispute_resolved": "resolved",
    "paid_out": "marked paid out",
}


def _complete_if_settled(contract: Contract, *, actor) -> None:
    """Complete the locked contract (and its job) once every milestone is settled."""
    if contract.status != ContractStatus.ACTIVE:
        return
    if contract.milestones.exclude(status__in=SETTLED_MILESTONE_STATUSES).exists():
        return
    contract.status = ContractStatus.COMPLETED
    contract.completed_at = timezone.now()
    contract.save(update_fields=["status", "completed_at", "updated_at"])
    _record(contract, actor=actor, kind="contract_completed", from_status="active", to_status="completed")
    notices.contract_changed(contract, "completed", users=[contract.hirer, contract.worker], actor=actor)
    _job_transition("job_complete", contract, actor)


def _job_transition(name: str, contract: Contract, actor) -> None:
    """Start or complete the contract's job, unless the job is already there.

    The job page lets the parties move the job themselves, so it may be ahead of the
    contract. The contract governs the money, so a job that cannot move is logged and
    never undoes the contract change.
    """
    from apps.jobs import services as job_services

    target = {"job_start": "in_progress", "job_complete": "completed"}[name]
    job = contract.job
    job.refresh_from_db(fields=["status"])
    if job.status == target:
        return
    try:
        # NOTE: the jobs service accepts only a party or staff as the actor, so system-driven
        # changes (auto-approval) are made in the hirer's name there. Our own event records the system.
        getattr(job_services, name)(job=job, actor=actor or contract.hirer)
    except DomainError as error:
        logger.warning(
            "job not moved with its contract",
            extra={
                "contract": str(contract.public_id),
                "job_id": job.pk,
                "job_status": job.status,
                "error": error.message,
            },
        )


# Drafting


def contract_draft_from_application(*, application) -> Contract:
    """Draft the contract for an accepted application: one milestone for the full quoted amount.

    Registered with apps.jobs.services.on_application_accepted, so it runs inside the
    acceptance transaction with the job row locked; an error here undoes the acceptance.
    """
    existing = Contract.objects.filter(application=application).first()
    if existing is not None:
        return existing

    job = application.job
    contract = Contract.objects.create(
        job=job, application=application, hirer_id=job.hirer_id, worker_id=application.worker_id, title=job.title
    )
    Milestone.objects.create(
        contract=contract,
        position=1,
        description=_("Complete the job: %(title)s") % {"title": job.title},
        amount=application.proposed_amount,
        due_date=job.start_date,
    )
    _record(contract, actor=job.hirer, kind="drafted", to_status=ContractStatus.DRAFT)
    notices.contract_changed(contract, "drafted", users=[job.hirer, application.worker], actor=job.hirer)
    logger.info("contract drafted", extra={"contract": str(contract.public_id), "job_id": job.pk})
    return contract


def contract_update_milestones(*, contract: Contract, actor, milestones: list[MilestoneDraft]) -> Contract:
    """Replace a draft contract's milestones (hirer only); both parties must accept again."""
    cleaned = _clean_milestones(milestones)
    with transaction.atomic():
        locked, _none = _lock(contract.pk)
        _require_role(locked, actor, "hirer")
        if locked.status != ContractStatus.DRAFT:
            raise InvalidTransition(_("Milestones can only be changed while the contract is a draft."))

        locked.milestones.all().delete()
        Milestone.objects.bulk_create(
            Milestone(
                contract=locked,
                position=index,
                description=item.description,
                amount=item.amount,
                due_date=item.due_date,
            )
            for index, item in enumerate(cleaned, start=1)
        )
        locked.hirer_accepted_at = None
        locked.worker_accepted_at = None
        locked.save(update_fields=["hirer_accepted_at", "worker_accepted_at", "updated_at"])
        total = sum(item.amount for item in cleaned)
        _record(locked, actor=actor, kind="milestones_updated", note=f"{len(cleaned)} milestones, {total} pesewas")
    return locked


def _clean_milestones(milestones: list[MilestoneDraft]) -> list[MilestoneDraft]:
    if not milestones:
        raise DomainError(_("A contract needs at least one milestone."), code="no_milestones", field="milestones")
    if len(milestones) > MAX_MILESTONES:
        raise DomainError(
            _("A contract can have at most %(count)d milestones.") % {"count": MAX_MILESTONES},
            code="too_many_milestones",
            field="milestones",
        )
    cleaned = []
    for item in milestones:
        description = (item.description or "").strip()
        if not description or len(description) > 300:
            raise DomainError(_("Describe each milestone in 1 to 300 characters."), code="invalid", field="milestones")
        if isinstance(item.amount, bool) or not isinstance(item.amount, int) or not 100 <= item.amount <= MAX_PESEWAS:
            raise DomainError(
                _("Each milestone is between GH₵ 1.00 and GH₵ 10,000,000.00."),
                code="invalid_amount",
                field="milestones",
            )
        cleaned.append(MilestoneDraft(description, item.amount, item.due_date))
    return cleaned


def contract_accept(*, contract: Contract, actor) -> Contract:
    """Record the hirer's or worker's acceptance; with both, the contract is active and the job starts."""
    with transaction.atomic():
        locked, _none = _lock(contract.pk)
        role = _require_role(locked, actor, "hirer", "worker")
        if locked.status != ContractStatus.DRAFT:
            raise InvalidTransition(
                _("Only a draft contract can be accepted; this one is %(status)s.")
                % {"status": locked.get_status_display().lower()}
            )

        field = f"{role}_accepted_at"
        newly_accepted = getattr(locked, field) is None
        if newly_accepted:
            setattr(locked, field, timezone.now())
            locked.save(update_fields=[field, "updated_at"])
            _record(locked, actor=actor, kind=f"accepted_by_{role}")
        if locked.hirer_accepted_at and locked.worker_accepted_at:
            locked.status = ContractStatus.ACTIVE
            locked.activated_at = timezone.now()
            locked.save(update_fields=["status", "activated_at", "updated_at"])
            _record(locked, actor=actor, kind="activated", from_status="draft", to_status="active")
            _job_transition("job_start", locked, actor)
            notices.contract_changed(locked, "activated", users=[locked.hirer, locked.worker], actor=actor)
        elif newly_accepted:
            _notify_acceptance(locked, role=role, actor=actor)
    return locked


def _notify_acceptance(contract: Contract, *, role: str, actor) -> None:
    """Tell the other party that `role` accepted the draft.

    A party accepts again after the hirer edits the milestones, so the acceptance time is
    part of the notification's dedupe key.
    """
    other = contract.worker if role == "hirer" else contract.hirer
    accepted_at = getattr(contract, f"{role}_accepted_at")
    key = f"{role}:{accepted_at.timestamp():.6f}"
    notices.contract_changed(contract, "accepted", users=[other], actor=actor, key=key)


def contract_cancel(*, contract: Contract, actor, reason: str = "") -> Contract:
    """Cancel a draft contract (either party); an active one is settled milestone by milestone."""
    with transaction.atomic():
        locked, _none = _lock(contract.pk)
        _require_role(locked, actor, "hirer", "worker", "staff")
        if locked.status != ContractStatus.DRAFT:
            raise InvalidTransition(_("Only a draft contract can be cancelled."))
        locked.status = ContractStatus.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["status", "cancelled_at", "updated_at"])
        locked.milestones.update(status=MS.CANCELLED, settled_at=timezone.now())
        _record(locked, actor=actor, kind="cancelled", from_status="draft", to_status="cancelled", note=reason)
        parties = [user for user in (locked.hirer, locked.worker) if user.pk != actor.pk]
        notices.contract_changed(locked, "cancelled", users=parties, actor=actor)
    return locked


# Milestones: the parties


def _active_milestone(milestone: Milestone, actor, *roles: str) -> tuple[Contract, Milestone, str]:
    contract, locked = _lock(milestone.contract_id, milestone.pk)
    role = _require_role(contract, actor, *roles)
    if contract.status != ContractStatus.ACTIVE:
        raise InvalidTransition(
            _("The contract is %(status)s, so its milestones cannot change.")
            % {"status": contract.get_status_display().lower()}
        )
    locked.contract = contract
    return contract, locked, role


def milestone_start(*, milestone: Milestone, actor) -> Milestone:
    with transaction.atomic():
        _contract, locked, _role = _active_milestone(milestone, actor, "worker")
        _move(locked, to=MS.IN_PROGRESS, allowed_from=[MS.FUNDED], actor=actor, kind="started")
    return locked


def milestone_deliver(*, milestone: Milestone, actor, note: str, photos: list) -> Milestone:
    """Hand over the work with photos; the hirer then has the auto-approval period to respond."""
    from django.core.exceptions import ValidationError

    try:
        validate_delivery_photos(photos)
    except ValidationError as error:
        raise DomainError(error.messages[0], code=error.code or "invalid_photo", field="photos") from None
    note = (note or "").strip()
    if len(note) > 2000:
        raise DomainError(_("Keep the note under 2,000 characters."), code="invalid", field="note")

    with transaction.atomic():
        _contract, locked, _role = _active_milestone(milestone, actor, "worker")
        _move(
            locked,
            to=MS.DELIVERED,
            allowed_from=[MS.IN_PROGRESS, MS.CHANGES_REQUESTED],
            actor=actor,
            kind="delivered",
            note=note,
        )
        delivery = Delivery.objects.create(milestone=locked, note=note, created_by=actor)
        for photo in photos:
            DeliveryPhoto.objects.create(delivery=delivery, image=photo, size=photo.size)
    return locked


def milestone_approve(*, milestone: Milestone, actor) -> Milestone:
    """Approve delivered work: release escrow to the worker (minus the fee) and queue the payout."""
    with transaction.atomic():
        contract, locked, _role = _active_milestone(milestone, actor, "hirer")
        _move(locked, to=MS.RELEASED, allowed_from=[MS.DELIVERED], actor=actor, kind="approved")
        escrow.escrow_release(milestone=locked, actor=actor)
        _complete_if_settled(contract, actor=actor)
    return locked


def milestone_request_changes(*, milestone: Milestone, actor, note: str) -> Milestone:
    note = (note or "").strip()
    if not note or len(note) > 2000:
        raise DomainError(_("Say what needs to change, in up to 2,000 characters."), code="invalid", field="note")
    with transaction.atomic():
        _contract, locked, _role = _active_milestone(milestone, actor, "hirer")
        _move(
            locked,
            to=MS.CHANGES_REQUESTED,
            allowed_from=[MS.DELIVERED],
            actor=actor,
            kind="changes_requested",
            note=note,
        )
    return locked


DISPUTABLE = (MS.FUNDED, MS.IN_PROGRESS, MS.DELIVERED, MS.CHANGES_REQUESTED)


def milestone_dispute(*, milestone: Milestone, actor, reason: str) -> Dispute:
    """Open a dispute (hirer or worker); the escrow stays frozen until staff resolve it."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise DomainError(_("Explain the problem in up to 2,000 characters."), code="invalid", field="reason")
    with transaction.atomic():
        _contract, locked, _role = _active_milestone(milestone, actor, "hirer", "worker")
        previous = locked.status
        _move(locked, to=MS.DISPUTED, allowed_from=DISPUTABLE, actor=actor, kind="disputed", note=reason)
        dispute = Dispute.objects.create(milestone=locked, opened_by=actor, reason=reason, previous_status=previous)
    return dispute


def milestone_cancel(*, milestone: Milestone, actor) -> Milestone:
    """Drop a milestone that was never funded (hirer); a funded one needs a refund instead."""
    with transaction.atomic():
        contract, locked, _role = _active_milestone(milestone, actor, "hirer")
        _move(locked, to=MS.CANCELLED, allowed_from=[MS.PENDING_FUNDING], actor=actor, kind="cancelled")
        _complete_if_settled(contract, actor=actor)
    return locked


# Milestones: staff


def dispute_resolve(
    *, milestone: Milestone, actor, resolution: str, worker_amount: int | None = None, note: str = ""
) -> Dispute:
    """Settle a disputed milestone by release, refund or split; every posting names the staff member."""
    if resolution not in DisputeResolution.values:
        raise DomainError(_("Choose release, refund or split."), code="invalid", field="resolution")
    with transaction.atomic():
        contract, locked, _role = _active_milestone(milestone, actor, "staff")
        dispute = Dispute.objects.select_for_update().filter(milestone=locked, resolved_at__isnull=True).first()
        if dispute is None or locked.status != MS.DISPUTED:
            raise InvalidTransition(_("This milestone has no open dispute."))

        held = escrow.escrow_balance(locked)
        bad_share = worker_amount is None or isinstance(worker_amount, bool) or not 0 <= worker_amount <= held
        if resolution == DisputeResolution.SPLIT and bad_share:
            raise DomainError(
                _("Enter the worker's share, between zero and the amount in escrow."),
                code="invalid_split",
                field="worker_amount",
            )
        target = _resolve_money(locked, actor=actor, resolution=resolution, worker_amount=worker_amount, held=held)
        _move(
            locked, to=target, allowed_from=[MS.DISPUTED], actor=actor, kind="dispute_resolved", note=note or resolution
        )

        dispute.resolution = resolution
        dispute.worker_amount = {"release": held, "refund": 0}.get(resolution, worker_amount)
        dispute.resolution_note = (note or "")[:2000]
        dispute.resolved_by = actor
        dispute.resolved_at = timezone.now()
        dispute.save(update_fields=["resolution", "worker_amount", "resolution_note", "resolved_by", "resolved_at"])
        _complete_if_settled(contract, actor=actor)
    return dispute


def _resolve_money(milestone: Milestone, *, actor, resolution: str, worker_amount: int | None, held: int) -> str:
    if resolution == DisputeResolution.RELEASE or (resolution == DisputeResolution.SPLIT and worker_amount == held):
        escrow.escrow_release(milestone=milestone, actor=actor)
        return MS.RELEASED
    if resolution == DisputeResolution.REFUND or worker_amount == 0:
        escrow.escrow_refund(milestone=milestone, actor=actor)
        return MS.REFUNDED
    escrow.escrow_split(milestone=milestone, worker_amount=worker_amount, actor=actor)
    return MS.RELEASED


def milestone_refund(*, milestone: Milestone, actor, note: str = "") -> Milestone:
    """Refund a funded milestone in full (staff), for example when the work never started."""
    with transaction.atomic():
        contract, locked, _role = _active_milestone(milestone, actor, "staff")
        allowed = (MS.FUNDED, MS.IN_PROGRESS, MS.CHANGES_REQUESTED, MS.DELIVERED)
        if locked.status not in allowed:
            raise InvalidTransition(_("Only a funded milestone that is not disputed can be refunded here."))
        escrow.escrow_refund(milestone=locked, actor=actor)
        _move(locked, to=MS.REFUNDED, allowed_from=allowed, actor=actor, kind="refunded", note=note)
        _complete_if_settled(contract, actor=actor)
    return locked


# Milestones: the system (payments and timers)


def milestone_auto_approve(*, milestone_id: int, now=None) -> bool:
    """Approve a milestone delivered more than the auto-approval period ago; False if it no longer qualifies."""
    now = now or timezone.now()
    with transaction.atomic():
        milestone = Milestone.objects.filter(pk=milestone_id).only("contract_id").first()
        if milestone is None:
            return False
        contract, locked = _lock(milestone.contract_id, milestone_id)
        locked.contract = contract
        due = locked.delivered_at is not None and locked.delivered_at <= now - auto_approve_after()
        if contract.status != ContractStatus.ACTIVE or locked.status != MS.DELIVERED or not due:
            return False
        _move(locked, to=MS.RELEASED, allowed_from=[MS.DELIVERED], actor=None, kind="auto_approved")
        escrow.escrow_release(milestone=locked, actor=None)
        _complete_if_settled(contract, actor=None)
    return True


def milestones_due_for_auto_approval(now=None) -> list[int]:
    now = now or timezone.now()
    cutoff = now - auto_approve_after()
    return list(
        Milestone.objects.filter(status=MS.DELIVERED, delivered_at__lte=cutoff, contract__status=ContractStatus.ACTIVE)
        .order_by("delivered_at")
        .values_list("pk", flat=True)[:500]
    )


def milestone_lock_for_funding(*, milestone: Milestone, actor) -> Milestone:
    """Lock a milestone and move it to funding_pending for the hirer; call inside a transaction."""
    _contract, locked, _role = _active_milestone(milestone, actor, "hirer")
    _move(locked, to=MS.FUNDING_PENDING, allowed_from=[MS.PENDING_FUNDING], actor=actor, kind="funding_started")
    return locked


def milestone_lock(milestone_id: int) -> Milestone:
    """Lock the milestone's contract, then the milestone, in the one lock order; call inside a transaction."""
    milestone = Milestone.objects.only("contract_id").get(pk=milestone_id)
    contract, locked = _lock(milestone.contract_id, milestone_id)
    locked.contract = contract
    return locked


def milestone_mark_funded(*, milestone: Milestone) -> bool:
    """Mark a locked milestone funded after a verified collection; False if it was not waiting for money."""
    if milestone.status not in (MS.FUNDING_PENDING, MS.PENDING_FUNDING):
        return False
    _move(milestone, to=MS.FUNDED, allowed_from=[MS.FUNDING_PENDING, MS.PENDING_FUNDING], actor=None, kind="funded")
    return True


def milestone_funding_failed(*, milestone: Milestone, reason: str = "") -> None:
    """Return a locked milestone to pending_funding after a conclusive collection failure."""
    if milestone.status == MS.FUNDING_PENDING:
        _move(
            milestone,
            to=MS.PENDING_FUNDING,
            allowed_from=[MS.FUNDING_PENDING],
            actor=None,
            kind="funding_failed",
            note=reason,
        )


def milestone_mark_paid_out(*, milestone: Milestone) -> None:
    """Mark a locked released milestone paid out once its payout succeeded."""
    if milestone.status == MS.RELEASED:
        _move(milestone, to=MS.PAID_OUT, allowed_from=[MS.RELEASED], actor=None, kind="paid_out")


def milestone_payout_reversed(*, milestone: Milestone) -> None:
    """Send a paid-out milestone back to released when the provider returned the transfer."""
    if milestone.status == MS.PAID_OUT:
        _move(milestone, to=MS.RELEASED, allowed_from=[MS.PAID_OUT], actor=None, kind="payout_reversed")


def register_accept_hook() -> None:
    """Draft contracts from accepted applications; called once from ContractsConfig.ready()."""
    try:
        from apps.jobs.services import on_application_accepted
    except ImportError:  # the jobs services are not installed in this checkout
        logger.warning("contracts will not be drafted: apps.jobs.services.on_application_accepted is missing")
        return
    on_application_accepted(contract_draft_from_application)
