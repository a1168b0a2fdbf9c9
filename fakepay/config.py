"""The fake provider's settings, changeable at run time through POST /__admin__/config."""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from fakepay import (
    DEFAULT_MOMO_CURRENCY,
    DEFAULT_MOMO_PRODUCTS,
    DEFAULT_MOMO_TARGET_ENVIRONMENT,
    DEFAULT_PAYSTACK_SECRET_KEY,
    DEFAULT_WEBHOOK_URL,
)

SIGNATURE_SCHEMES = ("plain", "timestamped")
FLAKY_MODES = ("error", "hang")
REFUND_OUTCOMES = ("processed", "failed")


@dataclass
class FakeConfig:
    paystack_secret_key: str = DEFAULT_PAYSTACK_SECRET_KEY
    # Where Paystack-style webhooks go; empty disables them. MoMo callbacks go to the
    # X-Callback-Url of each request instead.
    webhook_url: str = DEFAULT_WEBHOOK_URL
    # "plain": hex HMAC-SHA512 of the body. "timestamped": t=<unix>,v1=<key id>:<hex>
    # over "<t>." + body. Both are keyed with the Paystack secret key.
    signature_scheme: str = "plain"
    signature_key_id: str = "default"
    # Seconds a delayed-outcome payer (0551234980, 0551234981, MoMo 46733123454) stays pending.
    pending_seconds: float = 5.0
    # Seconds a transfer stays pending before its outcome, and a reversal follows success.
    payout_seconds: float = 1.0
    reversal_seconds: float = 3.0
    # Seconds a refund stays pending before it is processed (or fails).
    refund_seconds: float = 2.0
    refund_outcome: str = "processed"
    # What the first charge POST for 0551234985 does after recording success: answer 500
    # ("error") or hold the connection for hang_seconds ("hang").
    flaky_mode: str = "error"
    hang_seconds: float = 10.0
    # Waits between webhook delivery attempts, Paystack-style but compressed from minutes
    # and hours to seconds; len + 1 attempts in all.
    webhook_retry_delays: list[float] = field(default_factory=lambda: [1.0, 2.0, 4.0, 8.0])
    # Seconds one webhook delivery may take before it counts as failed.
    webhook_timeout: float = 5.0
    # Platform balance at start, in pesewas (GH₵ 10,000), so payouts work before collections.
    opening_balance: int = 1_000_000
    # Paystack's fee on Ghana mobile money, in basis points (195 = 1.95%).
    fee_bps: int = 195
    momo_target_environment: str = DEFAULT_MOMO_TARGET_ENVIRONMENT
    momo_currency: str = DEFAULT_MOMO_CURRENCY
    momo_products: dict[str, dict[str, str]] = field(
        default_factory=lambda: {name: dict(values) for name, values in DEFAULT_MOMO_PRODUCTS.items()}
    )
    momo_callback_method: str = "PUT"
    momo_token_seconds: int = 3600

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def update(self, changes: dict[str, Any]) -> list[str]:
        """Apply `changes`, returning a list of error messages (nothing is applied if any)."""
        errors = []
        known = {item.name: item for item in dataclasses.fields(self)}
        staged = {}
        for name, value in changes.items():
            if name not in known:
                errors.append(f"unknown setting {name!r}")
                continue
            current = getattr(self, name)
            error = _check(name, value, current)
            if error:
                errors.append(error)
            else:
                staged[name] = float(value) if isinstance(current, float) else value
        if not errors:
            for name, value in staged.items():
                setattr(self, name, value)
        return errors


def _check(name: str, value: Any, current: Any) -> str | None:
    if name == "signature_scheme" and value not in SIGNATURE_SCHEMES:
        return f"signature_scheme must be one of {SIGNATURE_SCHEMES}"
    if name == "flaky_mode" and value not in FLAKY_MODES:
        return f"flaky_mode must be one of {FLAKY_MODES}"
    if name == "refund_outcome" and value not in REFUND_OUTCOMES:
        return f"refund_outcome must be one of {REFUND_OUTCOMES}"
    if name == "momo_callback_method" and value not in ("PUT", "POST"):
        return "momo_callback_method must be PUT or POST"
    if name == "webhook_url" and value and not is_loopback_url(value):
        return "webhook_url must be an http URL on a loopback address"
    if isinstance(current, bool):
        return None if isinstance(value, bool) else f"{name} must be true or false"
    if isinstance(current, float | int) and not isinstance(current, bool):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value != value:
            return f"{name} must be a number of 0 or more"
        if isinstance(current, int) and not isinstance(value, int):
            return f"{name} must be a whole number"
        return None
    if isinstance(current, list):
        ok = isinstance(value, list) and all(
            isinstance(item, int | float) and not isinstance(item, bool) and item >= 0 for item in value
        )
        return None if ok else f"{name} must be a list of numbers of 0 or more"
    if isinstance(current, str):
        return None if isinstance(value, str) else f"{name} must be a string"
    if isinstance(current, dict):
        return None if isinstance(value, dict) else f"{name} must be an object"
    return None


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Return True for http(s) URLs whose host is a loopback address, the only place fakepay sends."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and is_loopback_host(parts.hostname or "")
