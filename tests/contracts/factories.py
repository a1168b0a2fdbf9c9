"""Builders for contracts in any state, shared by the contracts and payments tests.

Jobs and applications are written straight to the database (the jobs app has its own
tests); the contract itself is drafted by the same hook the acceptance runs.
"""

import itertools

from django.db import transaction
from django.utils import timezone

from apps.contracts import services
from apps.contracts.models import Contract, Milestone
from apps.jobs.models import Application, ApplicationStatus, Job, JobStatus
from apps.payments.models import Collection, CollectionStatus
from apps.payments.providers.base import CollectionResult, Status
from apps.payments.services import collection_apply_result

_references = itertools.count(1)


def make_awarded_job(*, hirer, worker, amount: int = 10_000, title: str = "Fix the kitchen sink") -> Application:
    job = Job.objects.create(
        hirer=hirer,
        title=title,
        trade="plumbing",
        description="Leaking pipe under the sink.",
        budget_min=amount,
        budget_max=amount,
        region="greater_accra",
        town="Madina",
        status=JobStatus.AWARDED,
        published_at=timezone.now(),
    )
    return Application.objects.create(
        job=job,
        worker=worker,
        cover_letter="I have fixed many sinks in Madina.",
        proposed_amount=amount,
        status=ApplicationStatus.ACCEPTED,
        decided_at=timezone.now(),
    )


def make_contract(*, hirer, worker, amount: int = 10_000, active: bool = True) -> Contract:
    application = make_awarded_job(hirer=hirer, worker=worker, amount=amount)
    contract = services.contract_draft_from_application(application=application)
    if active:
        services.contract_accept(contract=contract, actor=hirer)
        services.contract_accept(contract=contract, actor=worker)
        contract.refresh_from_db()
    return contract


def first_milestone(contract: Contract) -> Milestone:
    return contract.milestones.order_by("position").first()


def fund(milestone: Milestone, *, payer=None, amount: int | None = None, provider: str = "paystack") -> Collection:
    """Fund a milestone through the real result-applying service, as a verified provider answer would."""
    payer = payer or milestone.contract.hirer
    number = next(_references)
    with transaction.atomic():
        locked = services.milestone_lock_for_funding(milestone=milestone, actor=payer)
        collection = Collection.objects.create(
            reference=f"COTEST{number:06d}",
            milestone=locked,
            payer=payer,
            provider=provider,
            network="mtn",
            msisdn="+233551234987",
            amount=milestone.amount,
            status=CollectionStatus.PENDING,
        )
    result = CollectionResult(
        reference=collection.reference,
        provider_ref=f"PS{number:08d}",
        status=Status.SUCCEEDED,
        amount_minor=amount if amount is not None else milestone.amount,
        currency="GHS",
    )
    collection_apply_result(collection_id=collection.pk, result=result, source="test")
    collection.refresh_from_db()
    milestone.refresh_from_db()
    return collection
