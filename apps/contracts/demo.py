"""Demo contracts in varied states, with the ledger postings real payments would make.

Called by the demo_data command after the jobs are loaded. The acceptance hook has already
drafted a contract for every awarded job. This step activates the contracts of started and
completed jobs and walks their milestones forward through the contracts and payments
services. Payments are applied as verified provider results, so no provider is called.
Contracts that are no longer drafts are left alone, so a second run adds nothing.
"""

import io
import logging

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from apps.contracts import services
from apps.contracts.models import Contract, ContractStatus, Milestone
from apps.payments.escrow import new_reference
from apps.payments.models import Collection, Payout, PayoutMethod
from apps.payments.payouts import payout_apply_result
from apps.payments.postings import post_payout_initiated
from apps.payments.providers.base import CollectionResult, PayoutResult, Status
from apps.payments.services import collection_apply_result

logger = logging.getLogger(__name__)

# Milestone states for started jobs, in turn; completed jobs end released or paid out.
IN_PROGRESS_STATES = ["pending_funding", "funded", "in_progress", "delivered", "changes_requested", "disputed"]


def load_demo(demo) -> None:
    rng = demo.rng_for("contracts")
    contracts = list(
        Contract.objects.filter(
            hirer__in=demo.hirers, status=ContractStatus.DRAFT, job__status__in=["in_progress", "completed"]
        )
        .select_related("job", "hirer", "worker")
        .order_by("pk")
    )
    for index, contract in enumerate(contracts):
        with transaction.atomic():
            if contract.job.status == "completed":
                _complete(contract, rng, paid_out=index % 2 == 0)
            else:
                _advance(contract, IN_PROGRESS_STATES[index % len(IN_PROGRESS_STATES)], rng)
        demo.count("contracts")


def _activate(contract: Contract) -> Milestone:
    services.contract_accept(contract=contract, actor=contract.hirer)
    services.contract_accept(contract=contract, actor=contract.worker)
    return contract.milestones.order_by("position").first()


def _fund(milestone: Milestone) -> None:
    hirer = milestone.contract.hirer
    locked = services.milestone_lock_for_funding(milestone=milestone, actor=hirer)
    collection = Collection.objects.create(
        reference=new_reference("CODEMO"),
        milestone=locked,
        payer=hirer,
        provider="paystack",
        network="mtn",
        msisdn=hirer.phone,
        amount=locked.amount,
        status="pending",
    )
    fee = max(locked.amount * 195 // 10000, 1)  # Paystack's mobile money fee, 1.95%
    result = CollectionResult(
        collection.reference, f"DEMO{collection.pk}", Status.SUCCEEDED, amount_minor=locked.amount, fees_minor=fee
    )
    collection_apply_result(collection_id=collection.pk, result=result, source="demo")
    milestone.refresh_from_db()


def _photo(rng) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    colour = tuple(rng.randint(60, 200) for _ in range(3))
    Image.new("RGB", (320, 240), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile("finished-work.jpg", buffer.getvalue(), content_type="image/jpeg")


def _advance(contract: Contract, state: str, rng) -> None:
    milestone = _activate(contract)
    if state == "pending_funding":
        return
    _fund(milestone)
    worker, hirer = contract.worker, contract.hirer
    if state == "funded":
        return
    if state == "disputed":
        services.milestone_dispute(milestone=milestone, actor=hirer, reason="The worker has not come back for a week.")
        return
    services.milestone_start(milestone=milestone, actor=worker)
    if state == "in_progress":
        return
    services.milestone_deliver(milestone=milestone, actor=worker, note="The work is finished.", photos=[_photo(rng)])
    if state == "changes_requested":
        services.milestone_request_changes(milestone=milestone, actor=hirer, note="Please clean up the site.")


def _complete(contract: Contract, rng, *, paid_out: bool) -> None:
    milestone = _activate(contract)
    _fund(milestone)
    services.milestone_start(milestone=milestone, actor=contract.worker)
    services.milestone_deliver(milestone=milestone, actor=contract.worker, note="All done.", photos=[_photo(rng)])
    services.milestone_approve(milestone=milestone, actor=contract.hirer)
    if paid_out:
        _pay_out(milestone)


def _pay_out(milestone: Milestone) -> None:
    """Settle the release's payout as a confirmed transfer to a demo wallet."""
    worker = milestone.contract.worker
    method = PayoutMethod.objects.filter(worker=worker, is_active=True).first() or PayoutMethod.objects.create(
        worker=worker,
        network="mtn",
        msisdn=worker.phone,
        account_name=worker.full_name,
        provider="paystack",
        recipient_code=f"RCP_demo{worker.pk}",
    )
    payout = Payout.objects.select_for_update().get(milestone=milestone)
    Payout.objects.filter(pk=payout.pk).update(payout_method=method, provider="paystack", status="pending")
    payout.refresh_from_db()
    post_payout_initiated(payout=payout)
    payout_apply_result(
        payout_id=payout.pk, result=PayoutResult(payout.reference, f"TRF_demo{payout.pk}", Status.SUCCEEDED)
    )
