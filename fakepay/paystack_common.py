"""Pieces every part of the fake Paystack API shares: the envelope, paging, events and parsing."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from fakepay.routing import BadRequest, Request, Response
from fakepay.store import Store

REFERENCE = re.compile(r"[A-Za-z0-9.=_-]{1,100}")
LOCAL_PHONE = re.compile(r"0[0-9]{9}")


def ok(data: Any, message: str, status: int = 200, meta: dict | None = None) -> Response:
    body: dict[str, Any] = {"status": True, "message": message, "data": data}
    if meta is not None:
        body["meta"] = meta
    return Response(status, body)


def fail(status: int, message: str, code: str = "") -> Response:
    body: dict[str, Any] = {"status": False, "message": message}
    if code:
        body["code"] = code
        body["type"] = "validation_error" if status == 400 else "api_error"
    return Response(status, body)


def positive_amount(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and int(value) > 0:
        return int(value)
    return None


class PaystackPart:
    """Base of the Paystack handler groups: the store plus paging, event and view helpers."""

    def __init__(self, store: Store):
        self.store = store

    def page(self, request: Request, rows: list[Any], message: str) -> Response:
        per_page = positive_int(request.query.get("perPage"), 50, maximum=1000)
        page = positive_int(request.query.get("page"), 1, maximum=10**6)
        start = (page - 1) * per_page
        meta = {
            "total": len(rows),
            "skipped": start,
            "perPage": per_page,
            "page": page,
            "pageCount": max(1, -(-len(rows) // per_page)),
        }
        return ok(rows[start : start + per_page], message, meta=meta)

    def send_event(self, name: str, data: dict[str, Any], copies: int = 1, bad_signature: bool = False) -> None:
        payload = {key: value for key, value in data.items() if not key.startswith("_")}
        body = json.dumps({"event": name, "data": payload}).encode()
        url = self.store.config.webhook_url
        self.store.emit("paystack", name, body, url, copies=copies, bad_signature=bad_signature)

    def charge_view(self, charge: dict[str, Any]) -> dict[str, Any]:
        view = {key: value for key, value in charge.items() if not key.startswith("_")}
        view["paidAt"] = charge["paid_at"]
        view["createdAt"] = charge["created_at"]
        return view

    def charge_by_id_or_reference(self, value: Any) -> dict[str, Any] | None:
        if isinstance(value, str) and value in self.store.charges:
            return self.store.charges[value]
        if (
            isinstance(value, int | str)
            and not isinstance(value, bool)
            and str(value).isascii()
            and str(value).isdigit()
        ):
            return next((row for row in self.store.charges.values() if row["id"] == int(value)), None)
        return None


def since_filter(request: Request, rows: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    """Keep rows created at or after the `from` query parameter (an ISO 8601 time), if given."""
    start = parse_time(request.query.get("from"))
    if start is None:
        return rows
    return [row for row in rows if (parse_time(row.get(field)) or start) >= start]


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{value!r} is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def positive_int(value: str | None, default: int, *, maximum: int) -> int:
    if value is None or not (value.isascii() and value.isdigit()) or int(value) < 1:
        return default
    return min(int(value), maximum)
