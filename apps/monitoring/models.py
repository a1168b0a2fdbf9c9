"""What operators look back on: the last known state of each subject, and incidents.

A subject is a module ("module:payments"), a dependency ("dependency:cache") or a circuit
breaker ("breaker:sms"). SubjectState holds its latest status and since when; an
Incident spans from the first bad status to the end of a quiet recovery period, however
often the subject flapped in between, so one incident sends one alert.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SubjectStatus(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    DEGRADED = "degraded", _("Degraded")
    FAILED = "failed", _("Failed")
    MAINTENANCE = "maintenance", _("Switched off for maintenance")
    UNKNOWN = "unknown", _("Unknown")


BAD_STATUSES = frozenset({SubjectStatus.DEGRADED, SubjectStatus.FAILED})


class SubjectState(models.Model):
    subject = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=12, choices=SubjectStatus.choices)
    since = models.DateTimeField(default=timezone.now)
    detail = models.TextField(blank=True)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["subject"]

    def __str__(self) -> str:
        return f"{self.subject}: {self.status}"


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RECOVERING = "recovering", _("Recovering")
    RESOLVED = "resolved", _("Resolved")


class Incident(models.Model):
    subject = models.CharField(max_length=120)
    severity = models.CharField(max_length=12, choices=SubjectStatus.choices)
    status = models.CharField(max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    summary = models.CharField(max_length=300)
    started_at = models.DateTimeField(default=timezone.now)
    # Set while the subject is healthy again but has not yet stayed healthy for the
    # debounce period; cleared when it turns bad again.
    recovering_since = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Times the subject turned bad again while recovering.
    flaps = models.PositiveIntegerField(default=0)
    alerted_at = models.DateTimeField(null=True, blank=True)
    recovery_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"], condition=~Q(status="resolved"), name="monitoring_one_unresolved_incident"
            )
        ]
        indexes = [models.Index(fields=["status", "-started_at"], name="monitoring_incident_status")]

    def __str__(self) -> str:
        return f"{self.subject} {self.severity} ({self.status})"

    @property
    def duration(self):
        return (self.resolved_at or timezone.now()) - self.started_at


class IncidentEvent(models.Model):
    """One step in an incident's timeline: started, worsened, recovering, flapped, resolved."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20)
    status = models.CharField(max_length=12, choices=SubjectStatus.choices)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} at {self.at:%H:%M:%S}"
