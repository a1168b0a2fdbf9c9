"""Paystack adapter: direct mobile money charges, transfers to wallets, refunds and signed webhooks.

Paystack takes amounts in pesewas and phones in local form (0551234987), responds with
an envelope {status, message, data}, and rejects a reused charge or transfer reference
with 400 "Duplicate ... Reference"; the adapter then fetches the earlier attempt instead
of reporting a failure, so a retry after a timeout is always safe.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from apps.common.phone import mask_phone
from apps.payments.providers import transport
from apps.payments.providers._common import (
    ghana_e164,
    ghana_local_phone,
    int_or_none,
    json_object,
    load_event_body,
    parse_time,
)
from apps.payments.providers.base import (
    AccountHolder,
    Action,
    ActionType,
    CollectionRequest,
    CollectionResult,
    EventType,
    MalformedEvent,
    NormalizedEvent,
    PaymentProvider,
    PayoutRequest,
    PayoutResult,
    ProviderNotFound,
    ProviderRejected,
    ProviderTransaction,
    ProviderUnavailable,
    Recipient,
    RecipientRequest,
    RefundRequest,
    RefundResult,
    Status,
    check_amount,
    check_network,
    check_reference,
)
from apps.payments.providers.failures import failure_for_code, failure_for_text
from apps.payments.providers.signatures import SigningSecret, header_value, verify_signature

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-paystack-signature"
# Our network names to Paystack's charge `provider` and transfer `bank_code` values.
CHARGE_PROVIDERS = {"mtn": "mtn", "telecel": "vod", "at": "atl"}
BANK_CODES = {"mtn": "MTN", "telecel": "VOD", "at": "ATL"}
NETWORKS_BY_BANK_CODE = {code: network for network, code in BANK_CODES.items()}

_CHARGE_STATUSES = {
    "success": Status.SUCCEEDED,
    "failed": Status.FAILED,
    "abandoned": Status.FAILED,
    "reversed": Status.REVERSED,
    "send_otp": Status.REQUIRES_ACTION,
    "pay_offline": Status.REQUIRES_ACTION,
}
_TRANSFER_STATUSES = {
    "success": Status.SUCCEEDED,
    "failed": Status.FAILED,
    "rejected": Status.FAILED,
    "blocked": Status.FAILED,
    "abandoned": Status.FAILED,
    "reversed": Status.REVERSED,
}
_REFUND_STATUSES = {"processed": Status.SUCCEEDED, "failed": Status.FAILED}
_EVENT_TYPES = {
    "charge.success": EventType.COLLECTION_SUCCEEDED,
    "charge.failed": EventType.COLLECTION_FAILED,
    "transfer.success": EventType.PAYOUT_SUCCEEDED,
    "transfer.failed": EventType.PAYOUT_FAILED,
    "transfer.reversed": EventType.PAYOUT_REVERSED,
    "refund.processed": EventType.REFUND_PROCESSED,
    "refund.failed": EventType.REFUND_FAILED,
}
_EVENT_STATUSES = {
    EventType.COLLECTION_SUCCEEDED: Status.SUCCEEDED,
    EventType.COLLECTION_FAILED: Status.FAILED,
    EventType.PAYOUT_SUCCEEDED: Status.SUCCEEDED,
    EventType.PAYOUT_FAILED: Status.FAILED,
    EventType.PAYOUT_REVERSED: Status.REVERSED,
    EventType.REFUND_PROCESSED: Status.SUCCEEDED,
    EventType.REFUND_FAILED: Status.FAILED,
}
# Reconciliation reads listings page by page. The cap bounds one run at 100,000 rows per
# kind, far above a day's volume, so a provider bug cannot make it loop for ever.
LISTING_PAGE_SIZE = 100
LISTING_MAX_PAGES = 1000
# Refunds carry no client reference at Paystack, so ours travels in the merchant note and
# a retried refund finds the earlier one by it.
REFUND_NOTE_PREFIX = "kelmah-refund:"


@dataclass(frozen=True)
class PaystackConfig:
    base_url: str
    secret_key: str
    webhook_secrets: Sequence[SigningSecret]
    webhook_tolerance_seconds: int = 300


class PaystackProvider(PaymentProvider):
    name = "paystack"
    signed_webhooks = True

    def __init__(self, config: PaystackConfig):
        self.config = config

    # Collections -------------------------------------------------------------------------

    def collect(self, request: CollectionRequest) -> CollectionResult:
        reference = check_reference(request.reference)
        amount = check_amount(request.amount_minor)
        network = check_network(request.network)
        if not request.email:
            raise ValueError("Paystack charges need the payer's email address.")
        payload = {
            "email": request.email,
            "amount": amount,
            "currency": request.currency,
            "reference": reference,
            "mobile_money": {"phone": ghana_local_phone(request.phone), "provider": CHARGE_PROVIDERS[network]},
            "metadata": dict(request.metadata),
        }
        logger.info(
            "Paystack charge %s for %d pesewas from %s",
            reference,
            amount,
            mask_phone(request.phone),
            extra={"reference": reference},
        )
        status_code, body = self._call("POST", "/charge", json=payload, idempotent=True, key=reference)
        if _is_duplicate(status_code, body):
            logger.info("Paystack charge %s already exists; fetching it", reference, extra={"reference": reference})
            return self.get_collection(reference)
        return self._collection_result(reference, self._data(status_code, body))

    def submit_otp(self, *, reference: str, otp: str) -> CollectionResult:
        check_reference(reference)
        payload = {"otp": str(otp).strip(), "reference": reference}
        # Not repeated automatically: a second submission of a one-time code can fail it.
        status_code, body = self._call("POST", "/charge/submit_otp", json=payload, idempotent=False)
        return self._collection_result(reference, self._data(status_code, body))

    def get_collection(self, reference: str, *, request_id: str | None = None) -> CollectionResult:
        check_reference(reference)
        status_code, body = self._call("GET", f"/transaction/verify/{reference}", idempotent=True)
        result = self._collection_result(reference, self._data(status_code, body))
        if result.status.is_final:
            return result
        # Verify reports an unfinished charge only as pending; the charge endpoint shows
        # whether the payer still has to enter an OTP or approve a prompt.
        status_code, body = self._call("GET", f"/charge/{reference}", idempotent=True)
        return self._collection_result(reference, self._data(status_code, body))

    def _collection_result(self, reference: str, data: Mapping[str, Any]) -> CollectionResult:
        raw_status = str(data.get("status") or "")
        status = _CHARGE_STATUSES.get(raw_status, Status.PENDING)
        action = None
        failure = None
        if raw_status == "send_otp":
            action = Action(ActionType.OTP, str(data.get("display_text") or _("Enter the code sent to your phone.")))
        elif raw_status == "pay_offline":
            action = Action(
                ActionType.DIAL,
                str(data.get("display_text") or _("Approve the payment on your phone with your mobile money PIN.")),
            )
        elif status == Status.FAILED:
            reason = "ABANDONED" if raw_status == "abandoned" else None
            gateway = str(data.get("gateway_response") or data.get("message") or "")
            failure = failure_for_code(reason, gateway) if reason else failure_for_text(gateway)
        return CollectionResult(
            reference=str(data.get("reference") or reference),
            provider_ref=str(data.get("id") or data.get("reference") or reference),
            status=status,
            amount_minor=int_or_none(data.get("amount")),
            currency=str(data.get("currency") or "GHS"),
            action=action,
            failure=failure,
            fees_minor=int_or_none(data.get("fees")),
            paid_at=parse_time(data.get("paid_at") or data.get("paidAt")),
            raw=dict(data),
        )

    # Recipients and payouts ---------------------------------------------------------------

    def verify_recipient(self, *, phone: str, network: str) -> AccountHolder:
        check_network(network)
        params = {"account_number": ghana_local_phone(phone), "bank_code": BANK_CODES[network]}
        status_code, body = self._call("GET", "/bank/resolve", params=params, idempotent=True)
        if status_code in (400, 404, 422):
            return AccountHolder(phone=phone, network=network, active=False)
        data = self._data(status_code, body)
        return AccountHolder(phone=phone, network=network, active=True, name=data.get("account_name") or None)

    def create_recipient(self, request: RecipientRequest) -> Recipient:
        network = check_network(request.network)
        payload = {
            "type": "mobile_money",
            "name": request.name,
            "account_number": ghana_local_phone(request.phone),
            "bank_code": BANK_CODES[network],
            "currency": "GHS",
        }
        # Paystack returns the existing recipient for a wallet it already has, so a
        # repeat is harmless.
        status_code, body = self._call("POST", "/transferrecipient", json=payload, idempotent=True)
        data = self._data(status_code, body)
        details = data.get("details") if isinstance(data.get("details"), dict) else {}
        return Recipient(
            recipient_code=str(data.get("recipient_code") or ""),
            name=str(data.get("name") or request.name),
            phone=ghana_e164(str(details.get("account_number") or payload["account_number"])),
            network=NETWORKS_BY_BANK_CODE.get(str(details.get("bank_code") or ""), network),
            raw=dict(data),
        )

    def payout(self, request: PayoutRequest) -> PayoutResult:
        reference = check_reference(request.reference)
        amount = check_amount(request.amount_minor)
        payload = {
            "source": "balance",
            "amount": amount,
            "currency": request.currency,
            "recipient": request.recipient_code,
            "reference": reference,
            "reason": request.reason,
        }
        logger.info("Paystack transfer %s for %d pesewas", reference, amount, extra={"reference": reference})
        status_code, body = self._call("POST", "/transfer", json=payload, idempotent=True, key=reference)
        if _is_duplicate(status_code, body):
            logger.info("Paystack transfer %s already exists; fetching it", reference, extra={"reference": reference})
            return self.get_payout(reference)
        return self._payout_result(reference, self._data(status_code, body))

    def get_payout(self, reference: str, *, request_id: str | None = None) -> PayoutResult:
        check_reference(reference)
        status_code, body = self._call("GET", f"/transfer/verify/{reference}", idempotent=True)
        return self._payout_result(reference, self._data(status_code, body))

    def _payout_result(self, reference: str, data: Mapping[str, Any]) -> PayoutResult:
        raw_status = str(data.get("status") or "")
        if raw_status == "otp":
            logger.error(
                "Paystack transfer %s waits for an OTP; disable transfer OTPs for automated payouts",
                reference,
                extra={"reference": reference},
            )
        status = _TRANSFER_STATUSES.get(raw_status, Status.PENDING)
        failure = None
        if status == Status.FAILED:
            failure = failure_for_text(str(data.get("failures") or data.get("gateway_response") or raw_status))
        elif status == Status.REVERSED:
            failure = failure_for_code("REVERSED", raw_status)
        return PayoutResult(
            reference=str(data.get("reference") or reference),
            provider_ref=str(data.get("transfer_code") or data.get("id") or reference),
            status=status,
            amount_minor=int_or_none(data.get("amount")),
            currency=str(data.get("currency") or "GHS"),
            failure=failure,
            raw=dict(data),
        )

    # Refunds ------------------------------------------------------------------------------

    def refund(self, request: RefundRequest) -> RefundResult:
        reference = check_reference(request.reference)
        check_reference(request.collection_reference)
        if request.amount_minor is not None:
            check_amount(request.amount_minor)

        existing = self._find_refund(reference, request.collection_reference)
        if existing is not None:
            logger.info("Paystack refund %s already exists; returning it", reference, extra={"reference": reference})
            return existing

        payload: dict[str, Any] = {
            "transaction": request.collection_reference,
            "currency": request.currency,
            "merchant_note": f"{REFUND_NOTE_PREFIX}{reference}",
            "customer_note": request.reason,
        }
        if request.amount_minor is not None:
            payload["amount"] = request.amount_minor
        # Not repeated automatically: Paystack has no refund reference, so a blind repeat
        # could refund twice. A caller's retry goes through _find_refund first.
        status_code, body = self._call("POST", "/refund", json=payload, idempotent=False)
        return self._refund_result(reference, self._data(status_code, body))

    def get_refund(self, refund_ref: str) -> RefundResult:
        """Return the provider's current view of a refund by the refund_ref `refund` returned."""
        status_code, body = self._call("GET", f"/refund/{refund_ref}", idempotent=True)
        data = self._data(status_code, body)
        return self._refund_result(_refund_reference_from(data) or refund_ref, data)

    def _find_refund(self, reference: str, collection_reference: str) -> RefundResult | None:
        status_code, body = self._call("GET", "/refund", params={"transaction": collection_reference}, idempotent=True)
        if status_code == 404:
            return None
        rows = self._data(status_code, body, allow_list=True)
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict) and _refund_reference_from(row) == reference:
                return self._refund_result(reference, row)
        return None

    def _refund_result(self, reference: str, data: Mapping[str, Any]) -> RefundResult:
        raw_status = str(data.get("status") or "")
        status = _REFUND_STATUSES.get(raw_status, Status.PENDING)
        transaction = data.get("transaction")
        collection_reference = data.get("transaction_reference") or (
            transaction.get("reference") if isinstance(transaction, dict) else ""
        )
        return RefundResult(
            reference=reference,
            refund_ref=str(data.get("id") or data.get("refund_reference") or ""),
            collection_reference=str(collection_reference or ""),
            status=status,
            amount_minor=int_or_none(data.get("amount")),
            currency=str(data.get("currency") or "GHS"),
            failure=failure_for_text(raw_status) if status == Status.FAILED else None,
            raw=dict(data),
        )

    # Reconciliation -----------------------------------------------------------------------

    def list_transactions(self, *, since: datetime) -> list[ProviderTransaction]:
        """Return every conclusive collection, payout and refund since `since`, signed for the platform.

        Collections count once they succeeded, including those later refunded (Paystack
        marks a fully refunded charge "reversed"; the refund is its own row). Payouts
        count only while they stand as succeeded: a reversed or failed transfer moved
        no money in the end.
        """
        rows = []
        for data in self._list_all("/transaction", since):
            if data.get("status") in ("success", "reversed") and data.get("reference"):
                rows.append(self._listed(data, "collection", 1, str(data.get("id") or "")))
        for data in self._list_all("/transfer", since):
            if data.get("status") == "success" and data.get("reference"):
                rows.append(self._listed(data, "payout", -1, str(data.get("transfer_code") or "")))
        for data in self._list_all("/refund", since):
            if data.get("status") == "processed":
                reference = _refund_reference_from(data) or f"refund-{data.get('id')}"
                rows.append(self._listed({**data, "reference": reference}, "refund", -1, str(data.get("id") or "")))
        return rows

    def _listed(self, data: Mapping[str, Any], kind: str, sign: int, provider_ref: str) -> ProviderTransaction:
        return ProviderTransaction(
            reference=str(data["reference"]),
            kind=kind,
            amount_minor=sign * (int_or_none(data.get("amount")) or 0),
            currency=str(data.get("currency") or "GHS"),
            provider_ref=provider_ref,
            occurred_at=parse_time(
                data.get("paid_at") or data.get("transferred_at") or data.get("updatedAt") or data.get("createdAt")
            ),
        )

    def _list_all(self, path: str, since: datetime) -> list[dict]:
        """Fetch every page of a Paystack listing created since `since`, up to LISTING_MAX_PAGES."""
        rows: list[dict] = []
        for page in range(1, LISTING_MAX_PAGES + 1):
            params = {"from": since.isoformat(), "perPage": str(LISTING_PAGE_SIZE), "page": str(page)}
            status_code, body = self._call("GET", path, params=params, idempotent=True)
            data = self._data(status_code, body, allow_list=True)
            if isinstance(data, list):
                rows.extend(row for row in data if isinstance(row, dict))
            meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
            page_count = int_or_none(meta.get("pageCount")) or 1
            if page >= page_count:
                return rows
        logger.error("Paystack listing %s has more than %d pages; the rest was not read", path, LISTING_MAX_PAGES)
        return rows

    # Webhooks -----------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> bool:
        header = header_value(headers, SIGNATURE_HEADER)
        valid = verify_signature(
            header,
            bytes(raw_body),
            self.config.webhook_secrets,
            tolerance_seconds=self.config.webhook_tolerance_seconds,
        )
        if not valid:
            logger.warning("Paystack webhook rejected: signature missing or invalid")
        return valid

    def parse_event(self, raw_body: bytes) -> NormalizedEvent | None:
        body = load_event_body(raw_body)
        event_name = body.get("event")
        data = body.get("data")
        if not isinstance(event_name, str) or not isinstance(data, dict):
            raise MalformedEvent("Paystack event needs a string 'event' and an object 'data'.")
        event_type = _EVENT_TYPES.get(event_name)
        if event_type is None:
            logger.info("Paystack event %s is not used; ignored", event_name[:64])
            return None

        if event_type.startswith("refund."):
            reference = data.get("transaction_reference")
            provider_ref = data.get("id") or data.get("refund_reference")
        elif event_type.startswith("payout."):
            reference = data.get("reference")
            provider_ref = data.get("transfer_code") or data.get("id")
        else:
            reference = data.get("reference")
            provider_ref = data.get("id")
        if not reference or provider_ref in (None, ""):
            raise MalformedEvent(f"Paystack {event_name} event is missing its reference or id.")

        status = _EVENT_STATUSES[event_type]
        failure = None
        if status == Status.FAILED:
            failure = failure_for_text(str(data.get("gateway_response") or data.get("failures") or event_name))
        return NormalizedEvent(
            provider=self.name,
            type=event_type,
            provider_ref=str(provider_ref),
            reference=str(reference),
            amount_minor=int_or_none(data.get("amount")),
            currency=str(data.get("currency") or "GHS"),
            status=status,
            occurred_at=parse_time(
                data.get("paid_at") or data.get("paidAt") or data.get("updatedAt") or data.get("createdAt")
            ),
            raw=body,
            failure=failure,
        )

    def _confirm_refund_event(self, event: NormalizedEvent, *, request_id: str | None) -> NormalizedEvent | None:
        refund = self.get_refund(event.provider_ref)
        types = {Status.SUCCEEDED: EventType.REFUND_PROCESSED, Status.FAILED: EventType.REFUND_FAILED}
        if refund.status not in types:
            return None
        return NormalizedEvent(
            provider=self.name,
            type=types[refund.status],
            provider_ref=refund.refund_ref,
            reference=refund.collection_reference or event.reference,
            amount_minor=refund.amount_minor,
            currency=refund.currency,
            status=refund.status,
            occurred_at=event.occurred_at,
            raw=refund.raw,
            failure=refund.failure,
            confirmed=True,
        )

    # HTTP ---------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        key: str | None = None,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> tuple[int, dict]:
        response = transport.send(
            self.name,
            method,
            self.config.base_url.rstrip("/") + path,
            idempotent=idempotent,
            idempotency_key=key,
            json=json,
            params=params,
            headers={"Authorization": f"Bearer {self.config.secret_key}", "Accept": "application/json"},
        )
        return response.status_code, json_object(response, provider=self.name)

    def _data(self, status_code: int, body: Mapping[str, Any], *, allow_list: bool = False) -> Any:
        """Return the envelope's data for a successful response, or raise the matching error."""
        message = str(body.get("message") or "")
        if 200 <= status_code < 300 and body.get("status") is True:
            data = body.get("data")
            if isinstance(data, dict) or (allow_list and isinstance(data, list)):
                return data
            raise ProviderUnavailable("Paystack response has no data object", provider=self.name, code="bad_response")
        if status_code == 401:
            raise ProviderRejected(
                f"Paystack rejected the secret key: {message}", provider=self.name, code="unauthorized", status_code=401
            )
        if status_code == 404 or "not found" in message.lower():
            raise ProviderNotFound(
                f"Paystack has no such record: {message}", provider=self.name, code="not_found", status_code=status_code
            )
        code = str(body.get("code") or "")
        if "balance" in message.lower() and "not enough" in message.lower():
            code = "insufficient_balance"
        raise ProviderRejected(
            f"Paystack rejected the request: {message}",
            provider=self.name,
            code=code or "rejected",
            status_code=status_code,
        )


def _is_duplicate(status_code: int, body: Mapping[str, Any]) -> bool:
    message = str(body.get("message") or "").lower()
    return status_code in (400, 409) and ("duplicate" in message or "already exist" in message)


def _refund_reference_from(data: Mapping[str, Any]) -> str | None:
    note = str(data.get("merchant_note") or "")
    return note[len(REFUND_NOTE_PREFIX) :] if note.startswith(REFUND_NOTE_PREFIX) else None
