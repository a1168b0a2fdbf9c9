"""Messaging limits and timings with their defaults; any of them can be overridden in Django settings."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS = {
    # Characters in one message body; a long quote fits, a pasted document does not.
    "MESSAGING_MAX_BODY_LENGTH": 4000,
    # Bytes in one attachment; a phone photo fits, and it stays cheap to download on mobile data.
    "MESSAGING_MAX_ATTACHMENT_BYTES": 5 * 1024 * 1024,
    # Pixels in one image attachment; larger images are refused as possible decompression bombs.
    "MESSAGING_MAX_IMAGE_PIXELS": 40_000_000,
    # Messages per thread page, and the most a client may ask for in one API call.
    "MESSAGING_PAGE_SIZE": 30,
    "MESSAGING_MAX_PAGE_SIZE": 100,
    # Seconds between two polls of the thread when the live connection is down.
    "MESSAGING_POLL_SECONDS": 10,
    # Seconds between server pings on a websocket, and of client silence before it is closed.
    "MESSAGING_HEARTBEAT_INTERVAL": 25,
    "MESSAGING_HEARTBEAT_TIMEOUT": 60,
    # Seconds a group_send may take after a commit before it is given up (the message is
    # already stored; clients catch up by replay or polling).
    "MESSAGING_FANOUT_TIMEOUT": 1.0,
    # Seconds the realtime fan-out is skipped after it timed out, so a hung channel layer
    # costs one timeout per interval rather than one per message.
    "MESSAGING_FANOUT_RETRY_AFTER": 5,
    # Messages one person may send per minute across all conversations. A person typing
    # fast stays well under it, and a script flooding someone does not.
    "MESSAGING_SEND_RATE_PER_MINUTE": 30,
    # Seconds between two typing events relayed from one socket.
    "MESSAGING_TYPING_INTERVAL": 2.0,
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])


def check() -> None:
    """Raise ImproperlyConfigured for a value that cannot work, so a bad deploy stops at start-up."""
    for name in DEFAULTS:
        value = get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ImproperlyConfigured(f"{name} must be a positive number, not {value!r}.")
    if get("MESSAGING_HEARTBEAT_TIMEOUT") <= get("MESSAGING_HEARTBEAT_INTERVAL"):
        raise ImproperlyConfigured("MESSAGING_HEARTBEAT_TIMEOUT must be longer than MESSAGING_HEARTBEAT_INTERVAL.")
