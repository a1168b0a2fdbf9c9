"""MTN MoMo Open API adapter: Collections (request to pay) and Disbursements (transfer, refund).

MoMo keys every request on a UUIDv4 we send in X-Reference-Id, answers writes with 202
and an empty body, and reports the outcome only through a status query (or one unsigned
callback that is never retried). Amounts are cedi strings and phones are MSISDNs
without the plus (233551234987). A 409 means the request id was used before, which the
adapter treats as "fetch the earlier request".
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from apps.common.phone import mask_phone
from apps.payments.providers import transport
from apps.payments.providers._common import (
    cedis_text_to_pesewas,
    json_object,
    load_event_body,
    pesewas_to_cedis_text,
    phone_digits,
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
    ProviderUnavailable,
    Recipient,
    RecipientRequest,
    RefundRequest,
    RefundResult,
    Status,
    check_amount,
    check_reference,
)
from apps.payments.providers.failures import failure_for_code

logger = logging.getLogger(__name__)

_STATUSES = {
    "SUCCESSFUL": Status.SUCCEEDED,
    "FAILED": Status.FAILED,
    "REJECTED": Status.FAILED,
    "TIMEOUT": Status.FAILED,
    "EXPIRED": Status.FAILED,
}
# Seconds before a token's stated expiry when it is renewed, so a token never expires
# between the check and the request that uses it.
TOKEN_RENEW_MARGIN_SECONDS = 60
# MoMo rejects payer messages and payee notes over 160 characters and some punctuation.
MESSAGE_MAX_LENGTH = 160


@dataclass(frozen=True)
class MomoProduct:
    """Credentials for one MoMo product (collection or disbursement); each has its own keys."""

    subscription_key: str
    api_user: str
    api_key: str


@dataclass(frozen=True)
class MomoConfig:
    base_url: str
    target_environment: str
    currency: str
    collection: MomoProduct
    disbursement: MomoProduct
    callback_url: str


class _TokenCache:
    """Access tokens per (base URL, product, API user), shared by every adapter in the process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str, str], tuple[str, float]] = {}

    def get(self, key: tuple[str, str, str]) -> str | None:
        with self._lock:
            entry = self._tokens.get(key)
        if entry and entry[1] > time.monotonic():
            return entry[0]
        return None

    def put(self, key: tuple[str, str, str], token: str, expires_in: int) -> None:
        lifetime = max(expires_in - TOKEN_RENEW_MARGIN_SECONDS, expires_in // 2, 1)
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + lifetime)

    def drop(self, key: tuple[str, str, str]) -> None:
        with self._lock:
            self._tokens.pop(key, None)


TOKENS = _TokenCache()


class MomoProvider(PaymentProvider):
    name = "momo"
    # MoMo callbacks carry no signature: every callback is confirmed by a status query.
    signed_webhooks = False

    def __init__(self, config: MomoConfig):
        self.config = config

    def new_request_id(self) -> str:
        return str(uuid.uuid4())

    # Collections -------------------------------------------------------------------------

    def collect(self, request: CollectionRequest) -> CollectionResult:
        reference = check_reference(request.reference)
        amount = check_amount(request.amount_minor)
        request_id = _check_request_id(request.request_id)
        msisdn = phone_digits(request.phone)
        if request.network != "mtn":
            raise ProviderRejected(
                "MTN MoMo collects only from MTN wallets", provider=self.name, code="network_not_supported"
            )
        payload = {
            "amount": pesewas_to_cedis_text(amount),
            "currency": self.config.currency,
            "externalId": reference,
            "payer": {"partyIdType": "MSISDN", "partyId": msisdn},
            "payerMessage": _clean_message(request.description or reference),
            "payeeNote": _clean_message(reference),
        }
        logger.info(
            "MoMo request to pay %s for %d pesewas from %s",
            reference,
            amount,
            mask_phone(request.phone),
            extra={"reference": reference, "provider_request_id": request_id},
        )
        response = self._send(
            "collection",
            "POST",
            "/collection/v1_0/requesttopay",
            request_id=request_id,
            callback_url=request.callback_url or self.config.callback_url,
            json=payload,
        )
        if response.status_code == 409:
            logger.info("MoMo request %s already exists; fetching it", request_id, extra={"reference": reference})
        elif response.status_code != 202:
            self._raise_for(response, "request to pay")
        try:
            return self.get_collection(reference, request_id=request_id)
        except ProviderNotFound:
            # MoMo accepted the request but its status is not readable yet; it is pending.
            return CollectionResult(reference=reference, provider_ref=request_id, status=Status.PENDING)

    def submit_otp(self, *, reference: str, otp: str) -> CollectionResult:
        raise ProviderRejected("MTN MoMo has no OTP step", provider=self.name, code="not_supported")

    def get_collection(self, reference: str, *, request_id: str | None = None) -> CollectionResult:
        request_id = _check_request_id(request_id)
        response = self._send("collection", "GET", f"/collection/v1_0/requesttopay/{request_id}")
        body = self._body_or_raise(response, "request to pay status")
        status, failure = _status_of(body)
        action = None
        if status == Status.PENDING:
            status = Status.REQUIRES_ACTION
            action = Action(
                ActionType.DIAL,
                _("Approve the payment with your MoMo PIN. If no prompt appears, dial *170# and open My Approvals."),
            )
        return CollectionResult(
            reference=str(body.get("externalId") or reference),
            provider_ref=request_id,
            status=status,
            amount_minor=cedis_text_to_pesewas(body.get("amount")),
            currency=str(body.get("currency") or self.config.currency),
            action=action,
            failure=failure,
            raw=body,
        )

    # Recipients and payouts ---------------------------------------------------------------

    def verify_recipient(self, *, phone: str, network: str) -> AccountHolder:
        if network != "mtn":
            return AccountHolder(phone=phone, network=network, active=False)
        msisdn = phone_digits(phone)
        response = self._send("collection", "GET", f"/collection/v1_0/accountholder/msisdn/{msisdn}/active")
        if response.status_code in (400, 404):
            return AccountHolder(phone=phone, network=network, active=False)
        body = self._body_or_raise(response, "account holder check")
        if body.get("result") is not True:
            return AccountHolder(phone=phone, network=network, active=False)

        response = self._send("collection", "GET", f"/collection/v1_0/accountholder/msisdn/{msisdn}/basicuserinfo")
        name = None
        if response.status_code == 200:
            info = json_object(response, provider=self.name)
            name = info.get("name") or " ".join(
                part for part in (info.get("given_name"), info.get("family_name")) if isinstance(part, str) and part
            )
        return AccountHolder(phone=phone, network=network, active=True, name=name or None)

    def create_recipient(self, request: RecipientRequest) -> Recipient:
        # MoMo has no recipient objects; the MSISDN is the recipient code, checked first so
        # a payout never goes to a wallet that does not exist.
        holder = self.verify_recipient(phone=request.phone, network=request.network)
        if not holder.active:
            raise ProviderRejected(
                f"No active MTN MoMo wallet for {mask_phone(request.phone)}", provider=self.name, code="PAYEE_NOT_FOUND"
            )
        return Recipient(
            recipient_code=phone_digits(request.phone),
            name=holder.name or request.name,
            phone=request.phone,
            network="mtn",
            raw={"name": holder.name},
        )

    def payout(self, request: PayoutRequest) -> PayoutResult:
        reference = check_reference(request.reference)
        amount = check_amount(request.amount_minor)
        request_id = _check_request_id(request.request_id)
        if not (request.recipient_code.isascii() and request.recipient_code.isdigit()):
            raise ValueError("MoMo recipient codes are MSISDN digits from create_recipient().")
        payload = {
            "amount": pesewas_to_cedis_text(amount),
            "currency": self.config.currency,
            "externalId": reference,
            "payee": {"partyIdType": "MSISDN", "partyId": request.recipient_code},
            "payerMessage": _clean_message(request.reason or reference),
            "payeeNote": _clean_message(request.reason or reference),
        }
        logger.info(
            "MoMo transfer %s for %d pesewas",
            reference,
            amount,
            extra={"reference": reference, "provider_request_id": request_id},
        )
        response = self._send(
            "disbursement",
            "POST",
            "/disbursement/v1_0/transfer",
            request_id=request_id,
            callback_url=request.callback_url or self.config.callback_url,
            json=payload,
        )
        if response.status_code == 409:
            logger.info("MoMo transfer %s already exists; fetching it", request_id, extra={"reference": reference})
        elif response.status_code != 202:
            self._raise_for(response, "transfer")
        try:
            return self.get_payout(reference, request_id=request_id)
        except ProviderNotFound:
            return PayoutResult(reference=reference, provider_ref=request_id, status=Status.PENDING)

    def get_payout(self, reference: str, *, request_id: str | None = None) -> PayoutResult:
        request_id = _check_request_id(request_id)
        response = self._send("disbursement", "GET", f"/disbursement/v1_0/transfer/{request_id}")
        body = self._body_or_raise(response, "transfer status")
        status, failure = _status_of(body)
        return PayoutResult(
            reference=str(body.get("externalId") or reference),
            provider_ref=request_id,
            status=status,
            amount_minor=cedis_text_to_pesewas(body.get("amount")),
            currency=str(body.get("currency") or self.config.currency),
            failure=failure,
            raw=body,
        )

    # Refunds ------------------------------------------------------------------------------

    def refund(self, request: RefundRequest) -> RefundResult:
        reference = check_reference(request.reference)
        request_id = _check_request_id(request.request_id)
        collection_request_id = _check_request_id(request.collection_request_id)
        amount = request.amount_minor
        if amount is None:
            collection = self.get_collection(request.collection_reference, request_id=collection_request_id)
            amount = collection.amount_minor
        amount = check_amount(amount)
        payload = {
            "amount": pesewas_to_cedis_text(amount),
            "currency": self.config.currency,
            "externalId": reference,
            "payerMessage": _clean_message(request.reason or reference),
            "payeeNote": _clean_message(request.reason or reference),
            "referenceIdToRefund": collection_request_id,
        }
        response = self._send(
            "disbursement",
            "POST",
            "/disbursement/v1_0/refund",
            request_id=request_id,
            callback_url=self.config.callback_url,
            json=payload,
        )
        if response.status_code == 409:
            logger.info("MoMo refund %s already exists; fetching it", request_id, extra={"reference": reference})
        elif response.status_code != 202:
            self._raise_for(response, "refund")
        try:
            return self.get_refund(request_id, collection_reference=request.collection_reference)
        except ProviderNotFound:
            return RefundResult(
                reference=reference,
                refund_ref=request_id,
                collection_reference=request.collection_reference,
                status=Status.PENDING,
            )

    def get_refund(self, refund_ref: str, *, collection_reference: str = "") -> RefundResult:
        """Return the provider's current view of a refund by the refund_ref `refund` returned."""
        request_id = _check_request_id(refund_ref)
        response = self._send("disbursement", "GET", f"/disbursement/v1_0/refund/{request_id}")
        body = self._body_or_raise(response, "refund status")
        status, failure = _status_of(body)
        return RefundResult(
            reference=str(body.get("externalId") or ""),
            refund_ref=request_id,
            collection_reference=collection_reference,
            status=status,
            amount_minor=cedis_text_to_pesewas(body.get("amount")),
            currency=str(body.get("currency") or self.config.currency),
            failure=failure,
            raw=body,
        )

    # Callbacks ----------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> bool:
        """Return False: MoMo callbacks are unsigned, so only confirm_event can make them trusted."""
        return False

    def parse_event(self, raw_body: bytes) -> NormalizedEvent | None:
        body = load_event_body(raw_body)
        reference = body.get("externalId")
        raw_status = body.get("status")
        if not isinstance(reference, str) or not reference or not isinstance(raw_status, str):
            raise MalformedEvent("MoMo callback needs a string 'externalId' and 'status'.")
        if "referenceIdToRefund" in body:
            # A refund callback names neither our collection reference nor the refund's
            # request id, so it cannot be confirmed; refund outcomes come from get_refund.
            logger.info("MoMo refund callback for %s ignored; poll get_refund instead", reference[:64])
            return None
        status, failure = _status_of(body)
        if status == Status.PENDING:
            return None

        is_payout = isinstance(body.get("payee"), dict)
        if is_payout:
            event_type = EventType.PAYOUT_SUCCEEDED if status == Status.SUCCEEDED else EventType.PAYOUT_FAILED
        else:
            event_type = EventType.COLLECTION_SUCCEEDED if status == Status.SUCCEEDED else EventType.COLLECTION_FAILED
        return NormalizedEvent(
            provider=self.name,
            type=event_type,
            provider_ref=str(body.get("financialTransactionId") or reference),
            reference=reference,
            amount_minor=cedis_text_to_pesewas(body.get("amount")),
            currency=str(body.get("currency") or self.config.currency),
            status=status,
            occurred_at=None,
            raw=body,
            failure=failure,
        )

    # HTTP ---------------------------------------------------------------------------------

    def _send(
        self,
        product: str,
        method: str,
        path: str,
        *,
        request_id: str | None = None,
        callback_url: str | None = None,
        json: Mapping[str, Any] | None = None,
    ):
        """Send one API call with a valid token, renewing the token once if MoMo rejects it."""
        for attempt in (1, 2):
            headers = {
                "Authorization": f"Bearer {self._token(product)}",
                "X-Target-Environment": self.config.target_environment,
                "Ocp-Apim-Subscription-Key": self._product(product).subscription_key,
            }
            if request_id:
                headers["X-Reference-Id"] = request_id
            if callback_url:
                headers["X-Callback-Url"] = callback_url
            response = transport.send(
                self.name,
                method,
                self.config.base_url.rstrip("/") + path,
                # Writes carry a request id that MoMo deduplicates on, so every call may repeat.
                idempotent=True,
                idempotency_key=request_id,
                json=json,
                headers=headers,
            )
            if response.status_code == 401 and attempt == 1:
                logger.info("MoMo rejected the %s token; renewing it", product)
                TOKENS.drop(self._token_key(product))
                continue
            return response
        return response

    def _token(self, product: str) -> str:
        key = self._token_key(product)
        token = TOKENS.get(key)
        if token:
            return token
        credentials = self._product(product)
        basic = base64.b64encode(f"{credentials.api_user}:{credentials.api_key}".encode()).decode()
        response = transport.send(
            self.name,
            "POST",
            f"{self.config.base_url.rstrip('/')}/{product}/token/",
            idempotent=True,
            headers={"Authorization": f"Basic {basic}", "Ocp-Apim-Subscription-Key": credentials.subscription_key},
        )
        body = json_object(response, provider=self.name)
        token = body.get("access_token")
        if response.status_code != 200 or not isinstance(token, str) or not token:
            raise ProviderRejected(
                f"MoMo {product} token request failed with {response.status_code}",
                provider=self.name,
                code="unauthorized",
                status_code=response.status_code,
            )
        expires_in = body.get("expires_in")
        TOKENS.put(key, token, expires_in if isinstance(expires_in, int) and expires_in > 0 else 3600)
        return token

    def _token_key(self, product: str) -> tuple[str, str, str]:
        return (self.config.base_url, product, self._product(product).api_user)

    def _product(self, product: str) -> MomoProduct:
        return self.config.collection if product == "collection" else self.config.disbursement

    def _body_or_raise(self, response, what: str) -> dict:
        if response.status_code == 200:
            return json_object(response, provider=self.name)
        self._raise_for(response, what)
        raise AssertionError("unreachable")

    def _raise_for(self, response, what: str) -> None:
        try:
            body = json_object(response, provider=self.name)
        except ProviderUnavailable:
            body = {}
        code = str(body.get("code") or "")
        message = str(body.get("message") or "")
        if response.status_code == 404:
            raise ProviderNotFound(
                f"MoMo has no {what} with that id: {code} {message}".strip(),
                provider=self.name,
                code=code or "RESOURCE_NOT_FOUND",
                status_code=404,
            )
        raise ProviderRejected(
            f"MoMo rejected the {what} with {response.status_code}: {code} {message}".strip(),
            provider=self.name,
            code=code or "rejected",
            status_code=response.status_code,
        )


def _status_of(body: Mapping[str, Any]) -> tuple[Status, Any]:
    raw_status = str(body.get("status") or "").upper()
    status = _STATUSES.get(raw_status, Status.PENDING)
    if status != Status.FAILED:
        return status, None
    reason = body.get("reason")
    if isinstance(reason, dict):
        reason = reason.get("code")
    code = str(reason) if reason else raw_status
    return status, failure_for_code(code, code)


def _check_request_id(request_id: str | None) -> str:
    """Return `request_id` if it is a UUIDv4, which MoMo requires, else raise ValueError."""
    try:
        parsed = uuid.UUID(str(request_id))
    except ValueError:
        parsed = None
    if parsed is None or parsed.version != 4:
        raise ValueError("MoMo needs the UUIDv4 request id from new_request_id(), stored with the reference.")
    return str(parsed)


def _clean_message(text: str) -> str:
    """Drop characters MoMo rejects (apostrophes, quotes, angle brackets) and cut to its limit."""
    cleaned = "".join(char for char in text if char not in "'\"<>&")
    return cleaned[:MESSAGE_MAX_LENGTH]
