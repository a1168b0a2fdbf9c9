"""Money: a double-entry ledger in integer pesewas, and the provider-facing records around it.

The ledger (LedgerAccount, LedgerTransaction, LedgerEntry) is the only source of balances.
Collections, payouts and refunds record what we asked a mobile-money provider to do; each
conclusive outcome becomes one balanced ledger transaction, posted by apps.payments.ledger.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImmutableRowError(Exception):
    """Raised when code tries to change or delete a posted ledger row; post a reversal instead."""


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRowError("Ledger rows are immutable; post a reversing transaction instead.")

    def delete(self):
        raise ImmutableRowError("Ledger rows are immutable; post a reversing transaction instead.")


class ImmutableModel(models.Model):
    """A row that can be inserted once and never updated or deleted."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRowError("Ledger rows are immutable; post a reversing transaction instead.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("Ledger rows are immutable; post a reversing transaction instead.")


class AccountKind(models.TextChoices):
    PSP_CLEARING = "psp_clearing", _("Provider clearing")
    ESCROW = "escrow", _("Escrow")
    WORKER_PAYABLE = "worker_payable", _("Worker payable")
    PAYOUT_IN_TRANSIT = "payout_in_transit", _("Payout in transit")
    REFUND_PAYABLE = "refund_payable", _("Refund payable")
    PLATFORM_FEE_REVENUE = "platform_fee_revenue", _("Platform fee revenue")
    PSP_FEE_EXPENSE = "psp_fee_expense", _("Provider fee expense")


# Assets and expenses grow with debits; liabilities and revenue grow with credits.
DEBIT_NORMAL_KINDS = frozenset({AccountKind.PSP_CLEARING, AccountKind.PSP_FEE_EXPENSE})
# Money held for someone: these balances may never go below zero.
NON_NEGATIVE_KINDS = frozenset(
    {AccountKind.ESCROW, AccountKind.WORKER_PAYABLE, AccountKind.PAYOUT_IN_TRANSIT, AccountKind.REFUND_PAYABLE}
)


class LedgerAccount(models.Model):
    """One ledger account, named by its code: `escrow:<milestone>`, `worker_payable:<user>` and so on."""

    code = models.CharField(_("code"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=AccountKind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    milestone = models.ForeignKey(
        "contracts.Milestone", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def is_debit_normal(self) -> bool:
        return self.kind in DEBIT_NORMAL_KINDS


class TransactionKind(models.TextChoices):
    COLLECTION = "collection", _("Collection verified")
    PSP_FEE = "psp_fee", _("Provider fee")
    RELEASE = "release", _("Escrow released")
    PAYOUT_INITIATED = "payout_initiated", _("Payout initiated")
    PAYOUT_SUCCEEDED = "payout_succeeded", _("Payout succeeded")
    PAYOUT_FAILED = "payout_failed", _("Payout failed or reversed")
    REFUND_DECIDED = "refund_decided", _("Refund decided")
    REFUND_PROCESSED = "refund_processed", _("Refund processed")
    REFUND_FAILED = "refund_failed", _("Refund failed")
    DISPUTE_SPLIT = "dispute_split", _("Dispute split")
    REVERSAL = "reversal", _("Reversal")
    TRANSFER = "transfer", _("Transfer")


class LedgerTransaction(ImmutableModel):
    """One money event. Its entries always sum to zero; see apps.payments.ledger.post_transaction."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=TransactionKind.choices, db_index=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_transactions",
        help_text=_("Who caused this transaction; empty for the system."),
    )
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    milestone = models.ForeignKey(
        "contracts.Milestone", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_transactions"
    )
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=100, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One escrow credit per provider payment, whichever path (webhook, return view, poller)
            # confirms it first.
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=Q(kind="collection"),
                name="one_collection_posting_per_provider_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.public_id}"


class LedgerEntry(ImmutableModel):
    """One side of a transaction: a signed amount in pesewas, positive for a debit, negative for a credit."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField(_("amount (pesewas, debit positive)"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = _("ledger entries")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_amount_nonzero")]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount:+d}"


class Network(models.TextChoices):
    MTN = "mtn", _("MTN Mobile Money")
    TELECEL = "telecel", _("Telecel Cash")
    AT = "at", _("AT Money")


class CollectionStatus(models.TextChoices):
    CREATED = "created", _("Starting")
    PENDING = "pending", _("Waiting for approval on the phone")
    REQUIRES_OTP = "requires_otp", _("Waiting for the code")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Failed")
    ABANDONED = "abandoned", _("Timed out")
    FLAGGED = "flagged", _("Held for review")


OPEN_COLLECTION_STATUSES = (CollectionStatus.CREATED, CollectionStatus.PENDING, CollectionStatus.REQUIRES_OTP)


class Collection(models.Model):
    """A hirer's mobile-money payment into a milestone's escrow.

    `reference` is ours, stored before the provider is called, and reused for every retry of
    the same attempt; a new Collection (and reference) starts only after a conclusive failure.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=36, unique=True)
    milestone = models.ForeignKey("contracts.Milestone", on_delete=models.PROTECT, related_name="collections")
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="collections")
    provider = models.CharField(_("provider"), max_length=20)
    network = models.CharField(_("network"), max_length=10, choices=Network.choices)
    msisdn = models.CharField(_("wallet number"), max_length=16)
    amount = models.PositiveBigIntegerField(_("amount (pesewas)"))
    currency = models.CharField(max_length=3, default="GHS")
    status = models.CharField(
        _("status"), max_length=14, choices=CollectionStatus.choices, default=CollectionStatus.CREATED
    )
    provider_reference = models.CharField(_("provider reference"), max_length=100, blank=True)
    # The provider's own request id (MTN MoMo's X-Reference-Id), stored with the reference.
    request_id = models.CharField(max_length=64, blank=True)
    action_text = models.CharField(_("instructions from the provider"), max_length=500, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    fee = models.PositiveBigIntegerField(_("provider fee (pesewas)"), default=0)
    receipt_number = models.CharField(_("receipt number"), max_length=20, null=True, blank=True, unique=True)
    poll_count = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one attempt in flight per milestone, so a double-click cannot start two charges.
            models.UniqueConstraint(
                fields=["milestone"],
                condition=Q(status__in=["created", "pending", "requires_otp"]),
                name="one_open_collection_per_milestone",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_COLLECTION_STATUSES


class PayoutMethod(models.Model):
    """A worker's mobile-money wallet for payouts, verified with the provider before use."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_methods")
    network = models.CharField(_("network"), max_length=10, choices=Network.choices)
    msisdn = models.CharField(_("wallet number"), max_length=16)
    account_name = models.CharField(_("name on the wallet"), max_length=120, blank=True)
    provider = models.CharField(_("provider"), max_length=20)
    recipient_code = models.CharField(_("recipient code"), max_length=100)
    is_active = models.BooleanField(default=True)
    verified_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["worker"], condition=Q(is_active=True), name="one_active_payout_method"),
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()} {self.msisdn[-3:]}"


class PayoutStatus(models.TextChoices):
    AWAITING_METHOD = "awaiting_method", _("Waiting for a payout wallet")
    QUEUED = "queued", _("Queued")
    PENDING = "pending", _("Sending")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Failed")
    REVERSED = "reversed", _("Reversed")


class Payout(models.Model):
    """One attempt to send a worker's payable balance for one milestone to their wallet.

    The reference is reused for every retry of this attempt; a new Payout row (and reference)
    is created only after this one failed or was reversed.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=36, unique=True)
    milestone = models.ForeignKey("contracts.Milestone", on_delete=models.PROTECT, related_name="payouts")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts")
    payout_method = models.ForeignKey(PayoutMethod, null=True, blank=True, on_delete=models.PROTECT)
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    amount = models.PositiveBigIntegerField(_("amount (pesewas)"))
    status = models.CharField(_("status"), max_length=16, choices=PayoutStatus.choices)
    provider_reference = models.CharField(_("provider reference"), max_length=100, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submit_count = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone"],
                condition=Q(status__in=["awaiting_method", "queued", "pending", "succeeded"]),
                name="one_live_payout_per_milestone",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUBMITTED = "submitted", _("Submitted")
    PROCESSED = "processed", _("Refunded")
    FAILED = "failed", _("Failed")


class Refund(models.Model):
    """Money going back to the hirer from a milestone's escrow, one row per decision."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=36, unique=True)
    milestone = models.ForeignKey("contracts.Milestone", on_delete=models.PROTECT, related_name="refunds")
    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="refunds")
    hirer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveBigIntegerField(_("amount (pesewas)"))
    status = models.CharField(_("status"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    provider = models.CharField(_("provider"), max_length=20)
    provider_reference = models.CharField(_("provider reference"), max_length=100, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference


class WebhookStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class WebhookEvent(models.Model):
    """A provider notification, stored once per (provider, event type, provider reference)."""

    provider = models.CharField(max_length=20)
    event_type = models.CharField(max_length=40)
    provider_reference = models.CharField(max_length=100)
    reference = models.CharField(_("our reference"), max_length=100, blank=True, db_index=True)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=WebhookStatus.choices, default=WebhookStatus.RECEIVED)
    detail = models.CharField(max_length=300, blank=True)
    delivery_count = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_type", "provider_reference"], name="one_webhook_event_per_provider_ref"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.provider_reference}"


class FlagKind(models.TextChoices):
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount or currency differs from what we expected")
    UNEXPECTED_PAYMENT = "unexpected_payment", _("Payment for a milestone that was already funded or closed")
    REFUND_FAILED = "refund_failed", _("Refund failed at the provider")
    PAYOUT_FAILED = "payout_failed", _("Payout failed at the provider")


class PaymentFlag(models.Model):
    """Something about a payment that needs a person: never credited or paid out automatically."""

    kind = models.CharField(max_length=24, choices=FlagKind.choices)
    collection = models.ForeignKey(Collection, null=True, blank=True, on_delete=models.PROTECT, related_name="flags")
    payout = models.ForeignKey(Payout, null=True, blank=True, on_delete=models.PROTECT, related_name="flags")
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="flags")
    detail = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["resolved_at", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d})"


class ReconciliationRun(models.Model):
    """One comparison of our ledger with a provider's own transaction listing."""

    provider = models.CharField(max_length=20)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, default="running")
    rows_checked = models.PositiveIntegerField(default=0)
    mismatches = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.provider} {self.started_at:%Y-%m-%d %H:%M}"


class ReconciliationItemKind(models.TextChoices):
    MISSING_OURS = "missing_ours", _("At the provider, missing in our ledger")
    MISSING_PROVIDER = "missing_provider", _("In our ledger, missing at the provider")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amounts differ")
    STALE_PENDING = "stale_pending", _("Pending past the cut-off")


class ReconciliationItem(models.Model):
    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=20, choices=ReconciliationItemKind.choices)
    reference = models.CharField(max_length=100)
    our_amount = models.BigIntegerField(null=True, blank=True)
    provider_amount = models.BigIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "reference"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reference}"
