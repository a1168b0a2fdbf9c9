"""Writes for notifications: the notify() entry point other apps call, read state, preferences."""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.common.errors import DomainError, NotFound
from apps.notifications import conf
from apps.notifications.dispatch import enqueue_delivery
from apps.notifications.events import EVENTS, Channel
from apps.notifications.models import DedupeKey, Delivery, DeliveryStatus, Notification, Preference
from apps.notifications.selectors import channels_for
from apps.notifications.throttled_log import log_throttled

logger = logging.getLogger(__name__)

_GROUP_WINDOW_SETTING = {
    Channel.SMS: "NOTIFICATIONS_SMS_GROUP_WINDOW",
    Channel.EMAIL: "NOTIFICATIONS_EMAIL_GROUP_WINDOW",
}


def notify(
    *,
    user,
    event: str,
    title: str,
    body: str,
    link: str = "",
    group_key: str | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Record a notification for `user` and queue its SMS and email as their preferences allow.

    Events with the same `group_key` collapse into one unread notification with a count, and
    send at most one SMS and one email per group per window (30 minutes by default). A
    repeated `dedupe_key` for the same user is dropped and returns None, as does an inactive
    user. SMS and email leave only after the surrounding transaction commits.
    """
    if not user.is_active:
        return None

    channels = channels_for(user, event)
    fields = {
        "event": event[:64],
        "title": title[:200],
        "body": body[:2000],
        "link": link[:500],
        "in_app": Channel.IN_APP in channels,
    }
    group_key = (group_key or "")[:200]
    try:
        notification = _record(user=user, group_key=group_key, dedupe_key=dedupe_key, fields=fields, channels=channels)
    except IntegrityError:
        # Another process created the unread row for this group a moment ago: merge into it.
        notification = _record(user=user, group_key=group_key, dedupe_key=dedupe_key, fields=fields, channels=channels)
    if notification is None:
        return None

    logger.info(
        "notification recorded",
        extra={"user_id": user.pk, "event": event, "notification_id": notification.pk, "count": notification.count},
    )
    return notification


def notify_after_commit(**kwargs) -> None:
    """Call notify(**kwargs) once the current transaction commits, logging instead of raising.

    For other apps' services: a failure to notify never undoes or breaks the change that
    caused it.
    """
    transaction.on_commit(lambda: _notify_logging_errors(kwargs))


def _notify_logging_errors(kwargs: dict) -> None:
    try:
        notify(**kwargs)
    except Exception:  # A notification must never break the request that triggered it.
        log_throttled(
            logger,
            logging.ERROR,
            f"notify:{kwargs.get('event')}",
            "notification failed",
            exc_info=True,
            extra={"event": kwargs.get("event"), "user_id": getattr(kwargs.get("user"), "pk", None)},
        )


def _record(*, user, group_key: str, dedupe_key: str | None, fields: dict, channels: frozenset[str]):
    with transaction.atomic():
        if dedupe_key and not _claim_dedupe_key(user, dedupe_key[:200]):
            return None
        notification = _store(user=user, group_key=group_key, fields=fields)
        _queue_deliveries(notification, channels)
    return notification


def _claim_dedupe_key(user, key: str) -> bool:
    try:
        with transaction.atomic():
            DedupeKey.objects.create(user=user, key=key)
    except IntegrityError:
        return False
    return True


def _store(*, user, group_key: str, fields: dict) -> Notification:
    now = timezone.now()
    if group_key:
        existing = (
            Notification.objects.select_for_update()
            .filter(user=user, group_key=group_key, read_at__isnull=True)
            .first()
        )
        if existing is not None:
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.count = F("count") + 1
            existing.updated_at = now
            existing.save(update_fields=[*fields, "count", "updated_at"])
            existing.refresh_from_db(fields=["count"])
            return existing
    return Notification.objects.create(user=user, group_key=group_key, created_at=now, updated_at=now, **fields)


def _queue_deliveries(notification: Notification, channels: frozenset[str]) -> None:
    for channel in (Channel.SMS, Channel.EMAIL):
        if channel not in channels or not _has_address(notification.user, channel):
            continue
        if notification.group_key and _sent_recently(notification, channel):
            continue
        delivery = Delivery.objects.create(
            notification=notification, channel=channel, user=notification.user, group_key=notification.group_key
        )
        enqueue_delivery(delivery)


def _has_address(user, channel: str) -> bool:
    return bool(user.phone if channel == Channel.SMS else user.email)


def _sent_recently(notification: Notification, channel: str) -> bool:
    window = timedelta(seconds=conf.get(_GROUP_WINDOW_SETTING[channel]))
    return Delivery.objects.filter(
        user=notification.user,
        channel=channel,
        group_key=notification.group_key,
        created_at__gte=timezone.now() - window,
    ).exists()


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of `user`'s notifications read; raise NotFound for anyone else's."""
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise NotFound("Notification not found.")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    """Mark every unread notification of `user` read; return how many changed."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def notification_group_mark_read(*, user, group_key: str) -> int:
    """Mark the user's unread notification of one group read (the user has seen what it is about)."""
    if not group_key:
        return 0
    return Notification.objects.filter(user=user, group_key=group_key, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def delivery_retry(*, delivery: Delivery) -> bool:
    """Queue a failed delivery again from its first attempt (an operator's action).

    Returns False, changing nothing, unless the delivery is failed.
    """
    with transaction.atomic():
        changed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.PENDING, attempts=0, last_error="", next_attempt_at=timezone.now()
        )
        if not changed:
            return False
        delivery.refresh_from_db()
        # The dedupe key includes the attempt count, so reset deliveries need a fresh one.
        enqueue_delivery(delivery, retry_round=timezone.now().strftime("%Y%m%d%H%M%S%f"))
    logger.info("notification delivery requeued by an operator", extra={"delivery_id": delivery.pk})
    return True


def preferences_update(*, user, choices: dict[tuple[str, str], bool]) -> None:
    """Store the user's choice for each (event, channel) pair; unknown pairs raise DomainError."""
    for event, channel in choices:
        if event not in EVENTS or channel not in EVENTS[event].available_channels:
            raise DomainError(
                f"Unknown notification setting {event}/{channel}.", code="unknown_preference", field="preferences"
            )

    with transaction.atomic():
        for (event, channel), enabled in choices.items():
            Preference.objects.update_or_create(
                user=user, event=event, channel=channel, defaults={"enabled": bool(enabled)}
            )
