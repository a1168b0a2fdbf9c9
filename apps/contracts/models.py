"""Contracts drafted from an accepted application, split into milestones paid through escrow.

Every status change goes through apps.contracts.services under a row lock and is recorded
as a ContractEvent with its actor. Amounts are integer pesewas.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.contracts.images import delivery_photo_upload_path


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Contract(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey("jobs.Job", on_delete=models.PROTECT, related_name="contracts")
    application = models.OneToOneField("jobs.Application", on_delete=models.PROTECT, related_name="contract")
    hirer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contracts_as_hirer")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contracts_as_worker")
    title = models.CharField(_("title"), max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    hirer_accepted_at = models.DateTimeField(null=True, blank=True)
    worker_accepted_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A job has at most one contract that is not cancelled.
            models.UniqueConstraint(fields=["job"], condition=~Q(status="cancelled"), name="one_live_contract_per_job"),
        ]

    def __str__(self) -> str:
        return self.title

    def role_of(self, user) -> str | None:
        """Return 'hirer', 'worker', 'staff' or None for a user looking at this contract."""
        if user.pk == self.hirer_id:
            return "hirer"
        if user.pk == self.worker_id:
            return "worker"
        if user.is_staff:
            return "staff"
        return None


class MilestoneStatus(models.TextChoices):
    PENDING_FUNDING = "pending_funding", _("Waiting for funding")
    FUNDING_PENDING = "funding_pending", _("Payment in progress")
    FUNDED = "funded", _("Funded")
    IN_PROGRESS = "in_progress", _("In progress")
    DELIVERED = "delivered", _("Delivered")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    RELEASED = "released", _("Released")
    PAID_OUT = "paid_out", _("Paid out")
    DISPUTED = "disputed", _("Disputed")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Cancelled")


# A milestone in one of these states needs nothing more from either party.
SETTLED_MILESTONE_STATUSES = frozenset(
    {MilestoneStatus.RELEASED, MilestoneStatus.PAID_OUT, MilestoneStatus.REFUNDED, MilestoneStatus.CANCELLED}
)
# Money for the milestone sits in escrow in these states.
ESCROWED_MILESTONE_STATUSES = frozenset(
    {
        MilestoneStatus.FUNDED,
        MilestoneStatus.IN_PROGRESS,
        MilestoneStatus.DELIVERED,
        MilestoneStatus.CHANGES_REQUESTED,
        MilestoneStatus.DISPUTED,
    }
)


class Milestone(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(_("description"), max_length=300)
    amount = models.PositiveBigIntegerField(_("amount (pesewas)"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=18, choices=MilestoneStatus.choices, default=MilestoneStatus.PENDING_FUNDING
    )
    funded_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    released_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["contract_id", "position", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="milestone_amount_positive")]

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"


class Delivery(models.Model):
    """The worker's hand-over of a milestone: a note and photos of the work."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="deliveries")
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"Delivery of {self.milestone_id} at {self.created_at:%Y-%m-%d %H:%M}"


class DeliveryPhoto(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=delivery_photo_upload_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class DisputeResolution(models.TextChoices):
    RELEASE = "release", _("Release to the worker")
    REFUND = "refund", _("Refund the hirer")
    SPLIT = "split", _("Split")


class Dispute(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="disputes")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), max_length=2000)
    previous_status = models.CharField(max_length=18, choices=MilestoneStatus.choices)
    resolution = models.CharField(max_length=8, choices=DisputeResolution.choices, blank=True)
    worker_amount = models.PositiveBigIntegerField(_("amount to the worker (pesewas)"), null=True, blank=True)
    resolution_note = models.TextField(max_length=2000, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone"], condition=Q(resolved_at__isnull=True), name="one_open_dispute_per_milestone"
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute on {self.milestone}"


EVENT_LABELS = {
    "drafted": _("Contract drafted"),
    "milestones_updated": _("Milestones changed"),
    "accepted_by_hirer": _("Hirer accepted"),
    "accepted_by_worker": _("Worker accepted"),
    "activated": _("Contract active"),
    "cancelled": _("Cancelled"),
    "funding_started": _("Payment started"),
    "funding_failed": _("Payment failed"),
    "funded": _("Funded"),
    "started": _("Work started"),
    "delivered": _("Delivered"),
    "changes_requested": _("Changes requested"),
    "approved": _("Approved"),
    "auto_approved": _("Approved automatically after 7 days"),
    "disputed": _("Dispute opened"),
    "dispute_resolved": _("Dispute resolved"),
    "refunded": _("Refunded"),
    "paid_out": _("Paid out"),
    "payout_reversed": _("Payout returned by the network"),
    "contract_completed": _("Contract completed"),
}


class ContractEvent(models.Model):
    """An audit record of one change to a contract or milestone, and who made it (None: the system)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="events")
    milestone = models.ForeignKey(Milestone, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=18, blank=True)
    to_status = models.CharField(max_length=18, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}→{self.to_status}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))
