"""Daily reconciliation: compare what our ledger says happened with the provider's own records.

Each run lists four kinds of mismatch for staff in the admin: money the provider moved that
our ledger lacks, money our ledger moved that the provider does not show, amounts that
differ, and collections or payouts still pending past their cut-off.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.payments.models import (
    Collection,
    CollectionStatus,
    Payout,
    PayoutStatus,
    ReconciliationItem,
    ReconciliationItemKind,
    ReconciliationRun,
    Refund,
    RefundStatus,
)
from apps.payments.providers import get_provider
from apps.payments.providers.base import ProviderError
from apps.payments.services import COLLECTION_CUTOFF

logger = logging.getLogger(__name__)

# A payout still in flight after this long needs a person to look at it.
PAYOUT_CUTOFF = timedelta(hours=2)
# How far back each run looks.
WINDOW = timedelta(days=3)


def reconcile_all() -> int:
    providers = set(Collection.objects.values_list("provider", flat=True).distinct())
    providers |= set(Payout.objects.exclude(provider="").values_list("provider", flat=True).distinct())
    for name in sorted(providers):
        reconcile(provider_name=name)
    return len(providers)


def _our_rows(provider_name: str, since) -> dict[str, int]:
    """Return {our reference: signed pesewas at the provider} for every conclusive money movement."""
    rows: dict[str, int] = {}
    for reference, amount in Collection.objects.filter(
        provider=provider_name, status=CollectionStatus.SUCCEEDED, succeeded_at__gte=since
    ).values_list("reference", "amount"):
        rows[reference] = amount
    for reference, amount in Payout.objects.filter(
        provider=provider_name, status=PayoutStatus.SUCCEEDED, completed_at__gte=since
    ).values_list("reference", "amount"):
        rows[reference] = -amount
    for reference, amount in Refund.objects.filter(
        provider=provider_name, status=RefundStatus.PROCESSED, completed_at__gte=since
    ).values_list("reference", "amount"):
        rows[reference] = -amount
    return rows


def _provider_rows(provider, since) -> dict[str, int] | None:
    """Return {reference: signed pesewas} from the provider's listing, or None if it has none."""
    listing = getattr(provider, "list_transactions", None)
    if listing is None:
        return None
    return {row.reference: row.amount_minor for row in listing(since=since)}


def reconcile(*, provider_name: str, now=None) -> ReconciliationRun:
    """Run one reconciliation for a provider and store its mismatches; never raises for provider errors."""
    now = now or timezone.now()
    since = now - WINDOW
    run = ReconciliationRun.objects.create(provider=provider_name, started_at=now)
    items: list[ReconciliationItem] = []
    ours = _our_rows(provider_name, since)

    try:
        theirs = _provider_rows(get_provider(provider_name), since)
    except ProviderError as error:
        theirs = None
        run.error = f"Provider listing failed: {error.message}"[:300]
    if theirs is None and not run.error:
        run.error = "The provider offers no transaction listing; only stale pendings were checked."
    if theirs is not None:
        items += _compare(run, ours, theirs)

    items += _stale(run, provider_name, now)
    with transaction.atomic():
        ReconciliationItem.objects.bulk_create(items)
        run.rows_checked = len(ours) + (len(theirs) if theirs else 0)
        run.mismatches = len(items)
        run.finished_at = timezone.now()
        if run.error.startswith("Provider listing failed"):
            run.status = "failed"
        elif items:
            run.status = "mismatch"
        else:
            run.status = "ok"
        run.save(update_fields=["rows_checked", "mismatches", "finished_at", "status", "error"])
    logger.info(
        "reconciliation finished",
        extra={"provider": provider_name, "run": run.pk, "mismatches": run.mismatches, "status": run.status},
    )
    return run


def _compare(run, ours: dict[str, int], theirs: dict[str, int]) -> list[ReconciliationItem]:
    items = []
    for reference, amount in theirs.items():
        if reference not in ours:
            items.append(
                ReconciliationItem(
                    run=run, kind=ReconciliationItemKind.MISSING_OURS, reference=reference, provider_amount=amount
                )
            )
        elif ours[reference] != amount:
            items.append(
                ReconciliationItem(
                    run=run,
                    kind=ReconciliationItemKind.AMOUNT_MISMATCH,
                    reference=reference,
                    our_amount=ours[reference],
                    provider_amount=amount,
                )
            )
    for reference, amount in ours.items():
        if reference not in theirs:
            items.append(
                ReconciliationItem(
                    run=run, kind=ReconciliationItemKind.MISSING_PROVIDER, reference=reference, our_amount=amount
                )
            )
    return items


def _stale(run, provider_name: str, now) -> list[ReconciliationItem]:
    items = []
    for reference, amount in Collection.objects.filter(
        provider=provider_name,
        status__in=[CollectionStatus.CREATED, CollectionStatus.PENDING, CollectionStatus.REQUIRES_OTP],
        created_at__lt=now - COLLECTION_CUTOFF,
    ).values_list("reference", "amount"):
        items.append(
            ReconciliationItem(
                run=run,
                kind=ReconciliationItemKind.STALE_PENDING,
                reference=reference,
                our_amount=amount,
                detail="collection",
            )
        )
    for reference, amount in Payout.objects.filter(
        provider=provider_name, status=PayoutStatus.PENDING, created_at__lt=now - PAYOUT_CUTOFF
    ).values_list("reference", "amount"):
        items.append(
            ReconciliationItem(
                run=run,
                kind=ReconciliationItemKind.STALE_PENDING,
                reference=reference,
                our_amount=-amount,
                detail="payout",
            )
        )
    return items
