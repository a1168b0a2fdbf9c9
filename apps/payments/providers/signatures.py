"""HMAC-SHA512 webhook signatures over the raw request body, in two header forms.

Plain form (Paystack today): the header is the hex HMAC-SHA512 of the raw body keyed with
the secret key. Timestamped form: `t=<unix seconds>,v1=<key id>:<hex>[,v1=...]`, where the
HMAC is taken over `"<t>." + raw body`; a timestamp further than the tolerance from now
is rejected as a replay. Several secrets may be configured at once so a secret can be
rotated without dropping deliveries. Every comparison is constant-time, and the body is
never parsed or re-serialised before checking, so any byte change breaks the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# Seconds a timestamped signature stays valid either side of now; bounds the replay window.
DEFAULT_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class SigningSecret:
    key_id: str
    secret: str


def sign_plain(secret: str, raw_body: bytes) -> str:
    return hmac.new(secret.encode(), raw_body, hashlib.sha512).hexdigest()


def sign_timestamped(secret: SigningSecret, raw_body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha512).hexdigest()
    return f"t={timestamp},v1={secret.key_id}:{digest}"


def verify_signature(
    header: str | None,
    raw_body: bytes,
    secrets: Sequence[SigningSecret],
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Return True if `header` is a valid plain or timestamped signature of `raw_body`."""
    if not header or not secrets:
        return False
    header = header.strip()
    if header.startswith("t="):
        return _verify_timestamped(header, raw_body, secrets, tolerance_seconds, time.time() if now is None else now)
    supplied = header.lower().encode()
    return any(hmac.compare_digest(sign_plain(item.secret, raw_body).encode(), supplied) for item in secrets)


def _verify_timestamped(
    header: str, raw_body: bytes, secrets: Sequence[SigningSecret], tolerance_seconds: int, now: float
) -> bool:
    timestamp, candidates = _parse_timestamped(header)
    if timestamp is None or not candidates:
        logger.warning("Webhook signature header is malformed")
        return False
    if abs(now - timestamp) > tolerance_seconds:
        logger.warning(
            "Webhook signature timestamp is %d s from now, outside the %d s tolerance; rejected as a replay",
            int(now - timestamp),
            tolerance_seconds,
        )
        return False

    signed = f"{timestamp}.".encode() + raw_body
    by_id: dict[str, list[str]] = {}
    for item in secrets:
        by_id.setdefault(item.key_id, []).append(item.secret)
    for key_id, digest in candidates:
        for secret in by_id.get(key_id, []):
            expected = hmac.new(secret.encode(), signed, hashlib.sha512).hexdigest()
            # Bytes, because compare_digest rejects str with non-ASCII characters.
            if hmac.compare_digest(expected.encode(), digest.lower().encode()):
                return True
    return False


def _parse_timestamped(header: str) -> tuple[int | None, list[tuple[str, str]]]:
    timestamp = None
    candidates = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and ":" in value:
            key_id, _, digest = value.partition(":")
            candidates.append((key_id, digest))
    return timestamp, candidates


def parse_secrets(primary: str, extra: Sequence[str] = ()) -> list[SigningSecret]:
    """Build the secret list from the primary secret (key id "default") and "kid:secret" entries."""
    secrets = [SigningSecret("default", primary)] if primary else []
    for entry in extra:
        key_id, separator, secret = entry.partition(":")
        if not separator or not key_id or not secret:
            raise ValueError("Webhook secret entries must look like 'key_id:secret'; one entry is malformed.")
        secrets.append(SigningSecret(key_id, secret))
    return secrets


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """Return header `name` from a plain dict, Django's request.headers, or a WSGI META dict."""
    wanted = name.lower()
    meta_name = "HTTP_" + name.upper().replace("-", "_")
    for key, value in headers.items():
        if key.lower() == wanted or key == meta_name:
            return value
    return None
