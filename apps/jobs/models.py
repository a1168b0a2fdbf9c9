from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.common.ghana import Region, Trade


class JobStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    AWARDED = "awarded", _("Awarded")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class BudgetType(models.TextChoices):
    FIXED = "fixed", _("Fixed amount")
    RANGE = "range", _("Budget range")


class Urgency(models.TextChoices):
    FLEXIBLE = "flexible", _("Flexible")
    THIS_WEEK = "this_week", _("This week")
    URGENT = "urgent", _("Urgent (today or tomorrow)")


class Job(models.Model):
    """A job posted by a hirer. Budgets are integer pesewas; a fixed budget has min == max.

    Change `status` only through apps.jobs.services, which enforces the state machine and
    records a JobEvent for every transition.
    """

    hirer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs_posted")
    title = models.CharField(_("title"), max_length=120)
    trade = models.CharField(_("trade"), max_length=32, choices=Trade.choices, db_index=True)
    description = models.TextField(_("description"), max_length=5000)
    budget_type = models.CharField(_("budget type"), max_length=8, choices=BudgetType.choices, default=BudgetType.FIXED)
    # Budget, region and town stay empty while a draft is being written step by step;
    # job_publish refuses a job that still lacks any of them.
    budget_min = models.PositiveBigIntegerField(_("minimum budget (pesewas)"), null=True, blank=True)
    budget_max = models.PositiveBigIntegerField(_("maximum budget (pesewas)"), null=True, blank=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, db_index=True, blank=True)
    town = models.CharField(_("town"), max_length=80, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    gps_code = models.CharField(_("GhanaPostGPS code"), max_length=16, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    urgency = models.CharField(_("urgency"), max_length=12, choices=Urgency.choices, default=Urgency.FLEXIBLE)
    status = models.CharField(_("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.DRAFT)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [models.Index(fields=["status", "-published_at"], name="job_status_published")]
        constraints = [
            models.CheckConstraint(condition=Q(budget_min__lte=F("budget_max")), name="job_budget_min_lte_max"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_fixed_budget(self) -> bool:
        return self.budget_type == BudgetType.FIXED


class JobEvent(models.Model):
    """One status transition of a job: who moved it, from which state to which, and when."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=12, choices=JobStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=JobStatus.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.from_status or '-'} → {self.to_status}"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(models.Model):
    """A worker's application (quote) for a job; one per worker per job."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="applications")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications")
    cover_letter = models.TextField(_("cover letter"), max_length=3000)
    proposed_amount = models.PositiveBigIntegerField(_("proposed amount (pesewas)"))
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["job", "worker"], name="one_application_per_worker_per_job")]

    def __str__(self) -> str:
        return f"{self.worker} → {self.job}"

    @property
    def is_open(self) -> bool:
        """True while the hirer can still decide on it and the worker can still withdraw it."""
        return self.status in (ApplicationStatus.PENDING, ApplicationStatus.SHORTLISTED)


class ApplicationEmailKind(models.TextChoices):
    RECEIVED = "received", _("Application received (to the hirer)")
    ACCEPTED = "accepted", _("Application accepted (to the worker)")
    REJECTED = "rejected", _("Application rejected (to the worker)")


class ApplicationEmail(models.Model):
    """A sent (or claimed) application email; the unique key makes a redelivered task a no-op."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=10, choices=ApplicationEmailKind.choices)
    recipient = models.EmailField()
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "kind"], name="one_email_per_application_kind")]

    def __str__(self) -> str:
        return f"{self.kind} email for application {self.application_id}"
