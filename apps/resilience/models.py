"""Tables of the resilience layer: the outbox, task completions, dead letters, idempotency keys."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent to the broker")
    RELAYING = "relaying", _("Being sent to the broker")
    RELAYED = "relayed", _("Sent to the broker")
    DONE = "done", _("Done")
    DEAD = "dead", _("Failed for good (see dead letters)")


class OutboxMessage(models.Model):
    """A task to run, written in the same transaction as the change that causes it.

    The relay publishes pending rows to Celery after commit; the beat sweep publishes any
    that a failed relay left behind. `dedupe_key`, when set, makes a second enqueue of the
    same work a no-op and names the work in TaskCompletion.
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    countdown = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    # The relay leaves a row alone until this time: the retry backoff after a failed
    # publish, or the claim of a relay in progress.
    available_at = models.DateTimeField(default=timezone.now)
    relay_attempts = models.PositiveIntegerField(default=0)
    relayed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "available_at"], name="outbox_status_available")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk} ({self.status})"

    @property
    def completion_key(self) -> str:
        return self.dedupe_key or f"outbox:{self.pk}"


class TaskCompletion(models.Model):
    """Proof that a durable task's work committed; the unique key makes a second delivery a no-op."""

    key = models.CharField(max_length=220, unique=True)
    task_name = models.CharField(max_length=200)
    completed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class DeadLetter(models.Model):
    """A durable task that failed on every retry; operators inspect and retry it."""

    outbox = models.ForeignKey(OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    retried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task_name} (dead letter #{self.pk})"


class IdempotencyState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class IdempotencyRecord(models.Model):
    """One client's Idempotency-Key and the response it got, kept for replay.

    Keys are scoped per user: the same key from another user is that user's own request.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=IdempotencyState.choices, default=IdempotencyState.IN_PROGRESS)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    headers = models.JSONField(default=dict)
    body = models.BinaryField(default=bytes)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class CircuitBreakerPanel(models.Model):
    """No rows: gives the admin a "Circuit breakers" page whose data lives in the breaker store."""

    class Meta:
        managed = False
        default_permissions = ("view", "change")
        verbose_name = _("circuit breaker")
        verbose_name_plural = _("circuit breakers")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
