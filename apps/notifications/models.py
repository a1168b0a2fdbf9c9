from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.notifications.events import Channel


class Notification(models.Model):
    """One item in a user's notification list.

    Notifications that share a `group_key` while unread collapse into one row whose
    `count` is the number of events it covers. Its title and body are the latest event's.
    `in_app` is False when the user turned the in-app channel off for this event: the row
    still exists because SMS and email deliveries hang off it, but the bell ignores it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(_("event"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), max_length=2000, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    group_key = models.CharField(max_length=200, blank=True)
    count = models.PositiveIntegerField(default=1)
    in_app = models.BooleanField(default=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["user", "in_app", "read_at"], name="notification_unread"),
            models.Index(fields=["user", "group_key", "read_at"], name="notification_group"),
        ]
        constraints = [
            # At most one unread row per group, so concurrent events merge instead of forking.
            models.UniqueConstraint(
                fields=["user", "group_key"],
                condition=Q(read_at__isnull=True) & ~Q(group_key=""),
                name="one_unread_notification_per_group",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Preference(models.Model):
    """A user's choice for one event on one channel; absent rows fall back to the event's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event = models.CharField(max_length=64)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    enabled = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "event", "channel"], name="one_preference_per_event_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.event} by {self.channel}: {'on' if self.enabled else 'off'}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One SMS or email for a notification, sent at most once.

    A worker claims a delivery by moving it from pending to sending in one conditional
    UPDATE, so two copies of the same task never both call the gateway.
    """

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    # Copies of the notification's user and group, so the SMS window check needs no join.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    group_key = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["user", "channel", "group_key", "created_at"], name="delivery_group_window"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} for notification {self.notification_id}: {self.status}"


class DedupeKey(models.Model):
    """A caller's dedupe key already turned into a notification, so a repeated event is dropped."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_dedupe_key_per_user")]

    def __str__(self) -> str:
        return self.key
