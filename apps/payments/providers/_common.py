"""Small parsing helpers shared by the adapters: phones, amounts, timestamps and JSON bodies."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
from django.utils.dateparse import parse_datetime

from apps.payments.providers.base import MalformedEvent, ProviderUnavailable

ASCII_E164 = re.compile(r"\+[0-9]{7,15}")


def phone_digits(phone: str) -> str:
    """Return an E.164 number's digits without the plus: +233551234987 -> 233551234987."""
    if not isinstance(phone, str) or not ASCII_E164.fullmatch(phone):
        raise ValueError(f"Invalid phone {phone!r}: use E.164 such as +233551234987.")
    return phone[1:]


def ghana_local_phone(phone: str) -> str:
    """Return a Ghana E.164 number in local form: +233551234987 -> 0551234987."""
    digits = phone_digits(phone)
    if not digits.startswith("233") or len(digits) != 12:
        raise ValueError(f"Invalid phone {phone!r}: expected a Ghana number +233XXXXXXXXX.")
    return "0" + digits[3:]


def ghana_e164(local_or_international: str) -> str:
    """Return E.164 for a wallet number a provider reports as 0XXXXXXXXX or 233XXXXXXXXX."""
    text = (local_or_international or "").strip().lstrip("+")
    if text.startswith("0") and len(text) == 10:
        return "+233" + text[1:]
    return "+" + text


def int_or_none(value: Any) -> int | None:
    """Return `value` as an int if it is a whole number (int or numeric string), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
        return int(value.strip())
    return None


def cedis_text_to_pesewas(value: Any) -> int | None:
    """Convert a cedi amount string such as "150" or "150.50" to pesewas; None if it is not exact."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite():
        return None
    pesewas = amount * 100
    if pesewas != pesewas.to_integral_value():
        return None
    return int(pesewas)


def pesewas_to_cedis_text(pesewas: int) -> str:
    """Format pesewas as a cedi string without trailing zeros: 15000 -> "150", 15050 -> "150.50"."""
    cedis, remainder = divmod(pesewas, 100)
    return str(cedis) if remainder == 0 else f"{cedis}.{remainder:02d}"


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def json_object(response: requests.Response, *, provider: str) -> dict:
    """Return the response's JSON object; an empty dict for an empty body.

    A body that is present but not a JSON object raises ProviderUnavailable: the call's
    outcome is unknown, the same as a timeout.
    """
    if not response.content:
        return {}
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ProviderUnavailable(
            f"{provider} answered {response.status_code} with a body that is not a JSON object",
            provider=provider,
            code="bad_response",
            status_code=response.status_code,
        )
    return body


def load_event_body(raw_body: bytes) -> dict:
    """Parse a webhook body into a dict, or raise MalformedEvent."""
    if not isinstance(raw_body, bytes | bytearray):
        raise MalformedEvent("Webhook body must be bytes.")
    try:
        body = json.loads(raw_body)
    except (ValueError, RecursionError):
        raise MalformedEvent("Webhook body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise MalformedEvent("Webhook body is not a JSON object.")
    return body
