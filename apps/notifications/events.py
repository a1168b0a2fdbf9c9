"""The events Kelmah notifies people about, and which channels each one uses by default.

A user's stored preference overrides the default for one (event, channel) pair. Events
that other apps send but that are not listed here still reach the in-app list, and only
that, so a new event name never texts anyone until it is added here.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    SMS = "sms", _("Text message (SMS)")
    EMAIL = "email", _("Email")


ALL_CHANNELS = frozenset(Channel.values)


@dataclass(frozen=True)
class Event:
    name: str
    label: str
    default_channels: frozenset[str]
    # Channels a user may turn on; the jobs app emails applicants and hirers itself, so
    # application events offer no email here (it would arrive twice).
    available_channels: frozenset[str] = ALL_CHANNELS


def _event(name: str, label, *channels: str, available: frozenset[str] = ALL_CHANNELS) -> Event:
    return Event(name=name, label=label, default_channels=frozenset(channels), available_channels=available)


_NO_EMAIL = frozenset({Channel.IN_APP, Channel.SMS})


EVENTS: dict[str, Event] = {
    event.name: event
    for event in (
        _event("application.received", _("Someone applies to my job"), Channel.IN_APP, available=_NO_EMAIL),
        _event(
            "application.accepted", _("My application is accepted"), Channel.IN_APP, Channel.SMS, available=_NO_EMAIL
        ),
        _event("application.rejected", _("My application is declined"), Channel.IN_APP, available=_NO_EMAIL),
        _event("message.received", _("A new message while I am away"), Channel.IN_APP, Channel.SMS),
        _event("contract.updated", _("A contract is created or changes"), Channel.IN_APP, Channel.EMAIL),
        _event("milestone.updated", _("A milestone is funded, delivered or approved"), Channel.IN_APP, Channel.SMS),
        _event(
            "payment.updated", _("A payment or payout succeeds or fails"), Channel.IN_APP, Channel.SMS, Channel.EMAIL
        ),
    )
}

# Channels an event outside EVENTS may use.
UNKNOWN_EVENT_CHANNELS = frozenset({Channel.IN_APP})


def default_channels(event: str) -> frozenset[str]:
    known = EVENTS.get(event)
    return known.default_channels if known else UNKNOWN_EVENT_CHANNELS
