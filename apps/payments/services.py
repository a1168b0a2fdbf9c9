"""Collections: a hirer's mobile-money payment into a milestone's escrow.

The flow: `collection_start` stores a Collection with our reference and moves the milestone
to funding_pending in one transaction, then calls the provider outside any transaction.
Every later result for that payment (the provider's reply, the OTP step, the return view,
a webhook, the poller) goes through `collection_apply_result`, which locks the contract, the
milestone and the collection in that order and applies the result once: a verified success
posts one escrow credit and marks the milestone funded; a conclusive failure sends the
milestone back to pending_funding so the hirer can try again with a new reference.
"""

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, InvalidTransition, NotFound
from apps.common.phone import mask_phone, normalize_ghana_phone
from apps.contracts import notices
from apps.contracts import services as contract_services
from apps.contracts.models import Milestone
from apps.payments import postings
from apps.payments.escrow import new_reference
from apps.payments.models import (
    Collection,
    CollectionStatus,
    FlagKind,
    Network,
    PaymentFlag,
)
from apps.payments.providers import get_provider
from apps.payments.providers.base import (
    ActionType,
    CollectionRequest,
    CollectionResult,
    Failure,
    ProviderError,
    ProviderNotFound,
    ProviderRejected,
    ProviderUnavailable,
    Status,
)

logger = logging.getLogger(__name__)

# Provider status polling for an open collection: first after 15 s, doubling up to 5 min,
# and abandoned 30 min after it started (MoMo prompts expire well before that).
POLL_FIRST_SECONDS = 15
POLL_MAX_SECONDS = 300
COLLECTION_CUTOFF = timedelta(minutes=30)


class PaymentsUnavailable(DomainError):
    """The provider cannot be used right now (breaker open or unreachable); nothing was charged."""

    code = "payments_unavailable"
    status = 503


def unavailable_message() -> str:
    return _("Mobile money is unavailable right now. Nothing was charged. Please try again later.")


def never_sent(error: ProviderError) -> bool:
    """True when the request certainly never reached the provider: an open breaker, or a refused connection.

    A timeout or a dropped connection after sending leaves the outcome unknown, so those are
    not "never sent": the collection stays open and is confirmed by polling.
    """
    if error.code in ("breaker_open", "circuit_open", "dependency_unavailable"):
        return True
    # The shared call policy reports why its attempts failed as text; urllib3 names a
    # connection that was never established NewConnectionError.
    if error.code == "connection_error" and "NewConnectionError" in error.message:
        return True
    return any(type(cause).__name__ in _NEVER_SENT_CAUSES for cause in _causes(error))


# Exception classes that prove the request never left: the breaker refused it (resilience
# layer), or the TCP connection was never established (urllib3's NewConnectionError).
_NEVER_SENT_CAUSES = frozenset({"BreakerOpen", "DependencyUnavailable", "NewConnectionError", "ConnectionRefusedError"})


def _causes(error: BaseException):
    seen = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        pending += [item for item in linked if isinstance(item, BaseException)]


def next_poll_delay(poll_count: int) -> timedelta:
    return timedelta(seconds=min(POLL_FIRST_SECONDS * 2**poll_count, POLL_MAX_SECONDS))


# Starting a payment


def clean_wallet(*, network: str, phone: str) -> tuple[str, str]:
    """Return (network, E.164 number) or raise DomainError naming the bad field."""
    if network not in Network.values:
        raise DomainError(_("Choose MTN, Telecel or AT."), code="invalid", field="network")
    try:
        return network, normalize_ghana_phone(phone if isinstance(phone, str) else "")
    except ValidationError as error:
        raise DomainError(error.messages[0], code="invalid_phone", field="phone") from None


def collection_start(*, milestone: Milestone, actor, network: str, phone: str) -> Collection:
    """Start funding a milestone from the hirer's wallet; returns the Collection in its new state.

    Raises PaymentsUnavailable (nothing charged, milestone back to pending_funding) when the
    provider's breaker is open, and InvalidTransition when the milestone is not waiting for money.
    """
    network, msisdn = clean_wallet(network=network, phone=phone)
    provider = get_provider()
    with transaction.atomic():
        locked = contract_services.milestone_lock_for_funding(milestone=milestone, actor=actor)
        collection = Collection.objects.create(
            reference=new_reference("CO"),
            milestone=locked,
            payer=actor,
            provider=provider.name,
            network=network,
            msisdn=msisdn,
            amount=locked.amount,
            request_id=provider.new_request_id() or "",
            next_poll_at=timezone.now() + next_poll_delay(0),
        )
    logger.info(
        "collection started",
        extra={"collection": collection.reference, "milestone": str(locked.public_id), "phone": mask_phone(msisdn)},
    )
    return collection_submit(collection=collection)


def collection_submit(*, collection: Collection) -> Collection:
    """Send (or re-send, with the same reference) the charge to the provider and apply its response."""
    provider = get_provider(collection.provider)
    request = CollectionRequest(
        reference=collection.reference,
        amount_minor=collection.amount,
        phone=collection.msisdn,
        network=collection.network,
        email=collection.payer.email,
        description=_("Kelmah escrow for %(title)s") % {"title": collection.milestone.contract.title[:80]},
        metadata={"milestone": str(collection.milestone.public_id)},
        request_id=collection.request_id or None,
    )
    try:
        result = provider.collect(request)
    except ProviderUnavailable as error:
        if never_sent(error):
            _fail(collection, Failure("PROVIDER_UNAVAILABLE", unavailable_message()))
            raise PaymentsUnavailable(unavailable_message()) from None
        # The charge may have reached the provider: keep it open and let the poller ask.
        logger.warning("collection outcome unknown", extra={"collection": collection.reference, "error": error.message})
        return _mark_pending(collection)
    except ProviderRejected as error:
        logger.warning("collection rejected", extra={"collection": collection.reference, "error": error.message})
        return _fail(
            collection,
            Failure(error.code or "REJECTED", _("The payment could not be started. Check the number and the network.")),
        )
    return collection_apply_result(collection_id=collection.pk, result=result, source="collect")


def collection_submit_otp(*, collection: Collection, actor, otp: str) -> Collection:
    """Pass the code the payer typed (Telecel voucher, OTP) to the provider."""
    otp = (otp if isinstance(otp, str) else "").strip()
    if not otp.isdigit() or not 4 <= len(otp) <= 8:
        raise DomainError(_("Enter the 4 to 8 digit code from your phone."), code="invalid", field="otp")
    if collection.payer_id != getattr(actor, "pk", None):
        raise NotFound(_("Payment not found."))
    if collection.status != CollectionStatus.REQUIRES_OTP:
        raise InvalidTransition(_("This payment is not waiting for a code."))

    try:
        result = get_provider(collection.provider).submit_otp(reference=collection.reference, otp=otp)
    except ProviderUnavailable as error:
        logger.warning("otp outcome unknown", extra={"collection": collection.reference, "error": error.message})
        raise PaymentsUnavailable(_("We could not reach mobile money to check the code. Please try again.")) from None
    except ProviderRejected:
        raise DomainError(
            _("The code was not accepted. Check it and try again."), code="invalid_otp", field="otp"
        ) from None
    return collection_apply_result(collection_id=collection.pk, result=result, source="otp")


def collection_refresh(*, collection: Collection, source: str = "refresh") -> Collection:
    """Ask the provider for the collection's state and apply it; safe to call from anywhere, any time."""
    if collection.status in (CollectionStatus.SUCCEEDED, CollectionStatus.FLAGGED):
        return collection
    provider = get_provider(collection.provider)
    try:
        result = provider.get_collection(collection.reference, request_id=collection.request_id or None)
    except ProviderNotFound:
        if collection.is_open:
            # The first charge never landed at the provider, so sending it again is safe.
            logger.info("collection unknown to provider; resending", extra={"collection": collection.reference})
            return collection_submit(collection=collection)
        return collection
    except ProviderUnavailable as error:
        logger.warning("collection refresh failed", extra={"collection": collection.reference, "error": error.message})
        return collection
    return collection_apply_result(collection_id=collection.pk, result=result, source=source)


# Applying answers


def collection_apply_result(*, collection_id: int, result: CollectionResult, source: str) -> Collection:
    """Apply one provider result to a collection, exactly once for a success.

    Locks the contract, the milestone and the collection. A success is credited only when
    amount and currency match what we asked for and the milestone is still waiting for
    money; otherwise the collection is held for staff with a PaymentFlag and nothing is credited.
    """
    milestone_id = Collection.objects.values_list("milestone_id", flat=True).get(pk=collection_id)
    with transaction.atomic():
        milestone = contract_services.milestone_lock(milestone_id)
        collection = Collection.objects.select_for_update(of=("self",)).select_related("payer").get(pk=collection_id)
        collection.milestone = milestone
        if collection.status in (CollectionStatus.SUCCEEDED, CollectionStatus.FLAGGED):
            return collection
        if result.provider_ref and not collection.provider_reference:
            collection.provider_reference = result.provider_ref[:100]

        if result.status == Status.SUCCEEDED:
            _apply_success(collection, milestone, result)
        elif result.status == Status.FAILED:
            if collection.is_open:
                _apply_failure(collection, milestone, result.failure)
        elif collection.is_open:
            _apply_waiting(collection, result)
    logger.info(
        "collection result applied",
        extra={"collection": collection.reference, "status": collection.status, "source": source},
    )
    return collection


def _apply_success(collection: Collection, milestone: Milestone, result: CollectionResult) -> None:
    expected = (collection.amount, collection.currency)
    received = (result.amount_minor, result.currency)
    if received != expected:
        _flag(collection, FlagKind.AMOUNT_MISMATCH, f"Expected {expected}, provider reported {received}.")
        return
    if milestone.status not in ("funding_pending", "pending_funding"):
        _flag(collection, FlagKind.UNEXPECTED_PAYMENT, f"Milestone was {milestone.status} when the payment arrived.")
        return

    collection.fee = max(result.fees_minor or 0, 0)
    collection.status = CollectionStatus.SUCCEEDED
    collection.succeeded_at = timezone.now()
    collection.receipt_number = f"KLM-{collection.pk:08d}"
    collection.action_text = ""
    collection.next_poll_at = None
    collection.save(
        update_fields=[
            "fee",
            "status",
            "succeeded_at",
            "receipt_number",
            "action_text",
            "next_poll_at",
            "provider_reference",
            "updated_at",
        ]
    )
    postings.post_collection(collection=collection)
    contract_services.milestone_mark_funded(milestone=milestone)
    notices.payment_receipt(collection)


def _flag(collection: Collection, kind: str, detail: str) -> None:
    collection.status = CollectionStatus.FLAGGED
    collection.next_poll_at = None
    collection.save(update_fields=["status", "next_poll_at", "provider_reference", "updated_at"])
    PaymentFlag.objects.create(
        kind=kind, collection=collection, detail=detail[:500], data={"reference": collection.reference}
    )
    logger.error("collection held for review", extra={"collection": collection.reference, "flag": kind})


def _apply_failure(collection: Collection, milestone: Milestone, failure: Failure | None) -> None:
    failure = failure or Failure("COULD_NOT_COMPLETE", _("The payment could not be completed. Try again."))
    collection.status = CollectionStatus.FAILED
    collection.failure_reason = str(failure.message)[:200]
    collection.action_text = ""
    collection.next_poll_at = None
    collection.save(
        update_fields=["status", "failure_reason", "action_text", "next_poll_at", "provider_reference", "updated_at"]
    )
    contract_services.milestone_funding_failed(milestone=milestone, reason=failure.code)


def _apply_waiting(collection: Collection, result: CollectionResult) -> None:
    needs_code = result.status == Status.REQUIRES_ACTION and result.action and result.action.type == ActionType.OTP
    collection.status = CollectionStatus.REQUIRES_OTP if needs_code else CollectionStatus.PENDING
    collection.action_text = (result.action.text if result.action else "")[:500]
    collection.save(update_fields=["status", "action_text", "provider_reference", "updated_at"])


def _mark_pending(collection: Collection) -> Collection:
    Collection.objects.filter(pk=collection.pk, status=CollectionStatus.CREATED).update(
        status=CollectionStatus.PENDING, updated_at=timezone.now()
    )
    collection.refresh_from_db()
    return collection


def _fail(collection: Collection, failure: Failure) -> Collection:
    with transaction.atomic():
        milestone = contract_services.milestone_lock(collection.milestone_id)
        locked = Collection.objects.select_for_update().get(pk=collection.pk)
        if locked.is_open:
            _apply_failure(locked, milestone, failure)
    return locked


def collection_abandon(*, collection: Collection) -> Collection:
    """Give up on a collection still pending after the cut-off; a later success is still credited."""
    with transaction.atomic():
        milestone = contract_services.milestone_lock(collection.milestone_id)
        locked = Collection.objects.select_for_update().get(pk=collection.pk)
        if not locked.is_open:
            return locked
        locked.status = CollectionStatus.ABANDONED
        locked.failure_reason = _("The payment was not approved within 30 minutes.")
        locked.next_poll_at = None
        locked.save(update_fields=["status", "failure_reason", "next_poll_at", "updated_at"])
        contract_services.milestone_funding_failed(milestone=milestone, reason="abandoned")
    logger.info("collection abandoned", extra={"collection": locked.reference})
    return locked


def collections_poll(now=None) -> int:
    """Refresh open collections whose next poll is due, with backoff; abandon those past the cut-off."""
    now = now or timezone.now()
    due = list(
        Collection.objects.filter(status__in=["created", "pending", "requires_otp"], next_poll_at__lte=now)
        .select_related("payer", "milestone__contract")
        .order_by("next_poll_at")[:200]
    )
    for collection in due:
        refreshed = collection_refresh(collection=collection, source="poll")
        if not refreshed.is_open:
            continue
        if refreshed.created_at <= now - COLLECTION_CUTOFF:
            collection_abandon(collection=refreshed)
            continue
        Collection.objects.filter(pk=refreshed.pk).update(
            poll_count=refreshed.poll_count + 1, next_poll_at=now + next_poll_delay(refreshed.poll_count + 1)
        )
    return len(due)
