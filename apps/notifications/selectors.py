"""Reads for notifications: effective preferences, unread counts, the user's list."""

from apps.notifications.events import EVENTS, Channel, default_channels
from apps.notifications.models import Notification, Preference


def channels_for(user, event: str) -> frozenset[str]:
    """Return the channels `event` reaches `user` on: the event's defaults with the user's overrides."""
    channels = set(default_channels(event))
    if event not in EVENTS:
        return frozenset(channels)
    for channel, enabled in Preference.objects.filter(user=user, event=event).values_list("channel", "enabled"):
        if enabled:
            channels.add(channel)
        else:
            channels.discard(channel)
    return frozenset(channels & EVENTS[event].available_channels)


def preference_table(user) -> list[dict]:
    """Return one row per known event with the effective on/off state of each channel.

    A channel the event does not offer has `available` False and is always off.
    """
    stored = {
        (event, channel): enabled
        for event, channel, enabled in Preference.objects.filter(user=user).values_list("event", "channel", "enabled")
    }
    rows = []
    for event in EVENTS.values():
        cells = []
        for channel, label in Channel.choices:
            available = channel in event.available_channels
            enabled = available and stored.get((event.name, channel), channel in event.default_channels)
            cells.append({"channel": channel, "label": label, "enabled": enabled, "available": available})
        rows.append({"event": event.name, "label": event.label, "channels": cells})
    return rows


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, in_app=True, read_at__isnull=True).count()


def notifications_for_user(user):
    """Return the user's in-app notifications, newest activity first (a queryset to paginate)."""
    return Notification.objects.filter(user=user, in_app=True).order_by("-updated_at", "-id")
