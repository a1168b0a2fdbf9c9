"""The contract every payment provider adapter implements, and the values it returns.

Callers (escrow funding, payouts, refunds, webhook processing) speak only this module's
language: amounts are integer pesewas, phones are E.164 (+233XXXXXXXXX), networks are
"mtn", "telecel" or "at", and every status is one of `Status`. Each adapter converts to
its provider's units and formats internally and nowhere else.

Idempotency. Every money movement carries our `reference` (1 to 36 letters, digits, "-"
or "_"), stored by the caller before the first call and reused on every retry. Providers
that key requests on their own id (MTN MoMo wants a UUIDv4 in X-Reference-Id) get it from
`new_request_id()`. The caller stores that value next to the reference before calling
`collect`, `payout` or `refund`. It then passes the same value again on every retry and
status query. For providers that need no such id, `new_request_id()` returns None.

Errors. A call raises:
- `ProviderUnavailable` when the provider could not be reached, answered 5xx or 429,
  timed out, or its breaker is open (`code` says which). The outcome is unknown for
  writes: retry with the same reference (the adapter then finds the earlier attempt) or
  query the status. These are the failures a circuit breaker counts.
- `ProviderRejected` when the provider refused the request (validation, unknown
  recipient, insufficient platform balance, bad credentials). Retrying the same request
  will not help; these are not breaker failures.
- `ProviderNotFound` when a status query names a reference the provider never recorded
  (for a write that timed out, this means the write never landed: it is safe to send it
  again with the same reference).

- `ValueError` before any request when the caller passes a malformed reference, amount,
  phone, network or request id; that is a bug in the caller, not a provider failure.

A declined payment is not an exception: it is a result with status FAILED and a
`Failure` whose `message` is safe to show the payer.

Webhooks. `verify_webhook(headers, raw_body)` authenticates a delivery from the raw
bytes, before any parsing. Providers whose callbacks carry no signature (MTN MoMo) set
`signed_webhooks = False`; their `verify_webhook` always returns False, and the caller
must not trust the body: it calls `confirm_event(event)`, which re-reads the state from
the provider's status API and returns an event built from that response. Signed events
may be confirmed the same way before money is posted, which also guards against
out-of-order deliveries.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

REFERENCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,36}")
NETWORKS = ("mtn", "telecel", "at")


class Status(StrEnum):
    """Normalized state of a collection, payout or refund."""

    PENDING = "pending"
    # The payer has to act: enter an OTP here (action.type "otp") or approve on the phone
    # (action.type "dial"). Only "otp" needs `submit_action`; "dial" resolves by itself.
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # A payout that succeeded and was later returned by the provider, or a collection that
    # was refunded in full (Paystack marks such a charge "reversed").
    REVERSED = "reversed"

    @property
    def is_final(self) -> bool:
        return self in (Status.SUCCEEDED, Status.FAILED, Status.REVERSED)


class EventType(StrEnum):
    COLLECTION_SUCCEEDED = "collection.succeeded"
    COLLECTION_FAILED = "collection.failed"
    PAYOUT_SUCCEEDED = "payout.succeeded"
    PAYOUT_FAILED = "payout.failed"
    PAYOUT_REVERSED = "payout.reversed"
    REFUND_PROCESSED = "refund.processed"
    REFUND_FAILED = "refund.failed"


class ActionType(StrEnum):
    OTP = "otp"
    DIAL = "dial"


@dataclass(frozen=True)
class Action:
    """The next step the payer must take; `text` comes from the provider and is shown as is."""

    type: ActionType
    text: str


@dataclass(frozen=True)
class Failure:
    """Why a payment failed: the provider's reason code and a translated message for the user."""

    code: str
    message: str
    provider_message: str = ""


# Requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectionRequest:
    """Charge a payer's mobile money wallet `amount_minor` pesewas."""

    reference: str
    amount_minor: int
    phone: str  # E.164, for example +233551234987
    network: str  # "mtn", "telecel" or "at"
    email: str = ""
    description: str = ""
    currency: str = "GHS"
    metadata: Mapping[str, Any] = field(default_factory=dict)
    # The value new_request_id() returned for this reference, if the provider needs one.
    request_id: str | None = None
    # Where a provider that takes a per-request callback (MTN MoMo) should send it;
    # None uses the adapter's configured callback URL.
    callback_url: str | None = None


@dataclass(frozen=True)
class RecipientRequest:
    """A worker's wallet to pay out to."""

    name: str
    phone: str  # E.164
    network: str


@dataclass(frozen=True)
class PayoutRequest:
    """Send `amount_minor` pesewas to a recipient created by `create_recipient`."""

    reference: str
    recipient_code: str
    amount_minor: int
    reason: str = ""
    currency: str = "GHS"
    request_id: str | None = None
    callback_url: str | None = None


@dataclass(frozen=True)
class RefundRequest:
    """Return all (amount_minor None) or part of a succeeded collection to the payer."""

    reference: str  # our reference for this refund
    collection_reference: str
    amount_minor: int | None = None
    reason: str = ""
    currency: str = "GHS"
    request_id: str | None = None
    # The request id the collection was made with (MoMo refunds name it).
    collection_request_id: str | None = None


# Results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectionResult:
    reference: str
    provider_ref: str
    status: Status
    amount_minor: int | None = None
    currency: str = "GHS"
    action: Action | None = None
    failure: Failure | None = None
    fees_minor: int | None = None
    paid_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountHolder:
    """The result of checking a wallet: whether it exists and, when known, its holder's name."""

    phone: str
    network: str
    active: bool
    name: str | None = None


@dataclass(frozen=True)
class Recipient:
    recipient_code: str
    name: str
    phone: str
    network: str
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PayoutResult:
    reference: str
    provider_ref: str
    status: Status
    amount_minor: int | None = None
    currency: str = "GHS"
    failure: Failure | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    reference: str
    refund_ref: str
    collection_reference: str
    status: Status
    amount_minor: int | None = None
    currency: str = "GHS"
    failure: Failure | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderTransaction:
    """One conclusive money movement in a provider's own records, for reconciliation.

    `amount_minor` is signed from the platform's point of view: positive for a collection
    (gross, before fees), negative for a payout or a refund. `reference` is ours.
    """

    reference: str
    kind: str  # "collection", "payout" or "refund"
    amount_minor: int
    currency: str
    provider_ref: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class NormalizedEvent:
    """One webhook or callback in provider-neutral terms.

    `reference` is our reference: the collection's, the payout's, or for refund events
    the refunded collection's. `confirmed` is True only for events built from a status
    query (`confirm_event`), never for a parsed body.
    """

    provider: str
    type: EventType
    provider_ref: str
    reference: str
    amount_minor: int | None
    currency: str
    status: Status
    occurred_at: datetime | None
    raw: Mapping[str, Any]
    failure: Failure | None = None
    confirmed: bool = False

    @property
    def dedupe_key(self) -> str:
        """The key a webhook store makes unique, so a redelivered event is applied once."""
        return f"{self.provider}:{self.type}:{self.provider_ref}"


# Errors --------------------------------------------------------------------------------


class ProviderError(Exception):
    """Base of every error an adapter raises; `message` is safe to log, never shown raw to users."""

    retryable = False

    def __init__(self, message: str, *, provider: str, code: str = "", status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.code = code
        self.status_code = status_code


class ProviderUnavailable(ProviderError):
    """Timeout, refused connection, 5xx or 429, or an open breaker: the outcome of a write is unknown."""

    retryable = True


class ProviderRejected(ProviderError):
    """The provider refused the request; sending it again unchanged will not succeed."""


class ProviderNotFound(ProviderError):
    """The provider has no record of the reference."""


class MalformedEvent(ValueError):
    """A webhook body that is not a JSON object of the provider's event shape."""


# The adapter ---------------------------------------------------------------------------


class PaymentProvider(abc.ABC):
    """A payment provider behind Kelmah's contract; see the module docstring for the rules."""

    name: str = ""
    # False when callbacks are unsigned and must be confirmed with a status query.
    signed_webhooks: bool = True

    def new_request_id(self) -> str | None:
        """Return a fresh provider request id to store with a new reference, or None if unused."""
        return None

    @abc.abstractmethod
    def collect(self, request: CollectionRequest) -> CollectionResult:
        """Start (or, for a reference sent before, look up) a mobile money charge."""

    @abc.abstractmethod
    def submit_otp(self, *, reference: str, otp: str) -> CollectionResult:
        """Send the OTP or voucher the payer entered for a collection awaiting action.otp."""

    def submit_action(self, *, reference: str, otp: str) -> CollectionResult:
        return self.submit_otp(reference=reference, otp=otp)

    @abc.abstractmethod
    def get_collection(self, reference: str, *, request_id: str | None = None) -> CollectionResult:
        """Return the provider's current view of a collection; safe to repeat."""

    @abc.abstractmethod
    def verify_recipient(self, *, phone: str, network: str) -> AccountHolder:
        """Check that a wallet exists and fetch its holder's name when the provider offers it."""

    @abc.abstractmethod
    def create_recipient(self, request: RecipientRequest) -> Recipient:
        """Register a payout wallet; repeating it for the same wallet returns the same code."""

    @abc.abstractmethod
    def payout(self, request: PayoutRequest) -> PayoutResult:
        """Start (or look up) a transfer; retry only with the same reference and request id."""

    @abc.abstractmethod
    def get_payout(self, reference: str, *, request_id: str | None = None) -> PayoutResult:
        """Return the provider's current view of a payout; safe to repeat."""

    @abc.abstractmethod
    def refund(self, request: RefundRequest) -> RefundResult:
        """Ask the provider to return money from a succeeded collection."""

    @abc.abstractmethod
    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> bool:
        """Return True only if the delivery is authentic; always False for unsigned providers."""

    @abc.abstractmethod
    def parse_event(self, raw_body: bytes) -> NormalizedEvent | None:
        """Parse a webhook body; None for event types Kelmah ignores; MalformedEvent for garbage."""

    # Adapters whose provider offers a transaction listing also define
    #     list_transactions(*, since: datetime) -> list[ProviderTransaction]
    # returning every conclusive collection, payout and refund since then. Callers test
    # for it with getattr, because MTN MoMo has no such listing.

    def confirm_event(self, event: NormalizedEvent, *, request_id: str | None = None) -> NormalizedEvent | None:
        """Re-read the event's object from the provider and return an event built from that response.

        Returns None while the object is still pending (nothing to apply yet). Raises
        ProviderNotFound if the provider has no such reference, which marks a forged or
        misrouted callback.
        """
        if event.type.startswith("collection."):
            result = self.get_collection(event.reference, request_id=request_id)
            return _event_from_collection(self.name, result)
        if event.type.startswith("payout."):
            payout = self.get_payout(event.reference, request_id=request_id)
            return _event_from_payout(self.name, payout)
        # Refund events are confirmed by the provider-specific refund lookup, if any.
        return self._confirm_refund_event(event, request_id=request_id)

    def _confirm_refund_event(self, event: NormalizedEvent, *, request_id: str | None) -> NormalizedEvent | None:
        return None


def _event_from_collection(provider: str, result: CollectionResult) -> NormalizedEvent | None:
    types = {Status.SUCCEEDED: EventType.COLLECTION_SUCCEEDED, Status.FAILED: EventType.COLLECTION_FAILED}
    if result.status not in types:
        return None
    return NormalizedEvent(
        provider=provider,
        type=types[result.status],
        provider_ref=result.provider_ref,
        reference=result.reference,
        amount_minor=result.amount_minor,
        currency=result.currency,
        status=result.status,
        occurred_at=result.paid_at,
        raw=result.raw,
        failure=result.failure,
        confirmed=True,
    )


def _event_from_payout(provider: str, result: PayoutResult) -> NormalizedEvent | None:
    types = {
        Status.SUCCEEDED: EventType.PAYOUT_SUCCEEDED,
        Status.FAILED: EventType.PAYOUT_FAILED,
        Status.REVERSED: EventType.PAYOUT_REVERSED,
    }
    if result.status not in types:
        return None
    return NormalizedEvent(
        provider=provider,
        type=types[result.status],
        provider_ref=result.provider_ref,
        reference=result.reference,
        amount_minor=result.amount_minor,
        currency=result.currency,
        status=result.status,
        occurred_at=None,
        raw=result.raw,
        failure=result.failure,
        confirmed=True,
    )


def check_reference(reference: str) -> str:
    """Return `reference` if it fits every provider's charset and length, else raise ValueError."""
    if not isinstance(reference, str) or not REFERENCE_PATTERN.fullmatch(reference):
        raise ValueError(f"Invalid payment reference {reference!r}: use 1 to 36 letters, digits, '-' or '_'.")
    return reference


def check_amount(amount_minor: object) -> int:
    """Return a positive integer amount of pesewas, else raise ValueError."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise ValueError(f"Invalid amount {amount_minor!r}: use a positive integer of pesewas.")
    return amount_minor


def check_network(network: str) -> str:
    if network not in NETWORKS:
        raise ValueError(f"Invalid network {network!r}: use one of {', '.join(NETWORKS)}.")
    return network
