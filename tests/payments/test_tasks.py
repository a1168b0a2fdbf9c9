"""Background tasks: a duplicate delivery changes nothing, and the beat sweeps pick up stalled work."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.contracts.models import Milestone
from apps.contracts.tasks import auto_approve_delivered
from apps.payments.models import LedgerTransaction, Payout, PayoutMethod, WebhookEvent
from apps.payments.tasks import payouts_poll
from apps.resilience.models import OutboxMessage
from kelmah.celery import app as celery_app
from tests.contracts.factories import first_milestone, fund, make_contract


@pytest.fixture
def released(hirer, worker, worker_client, fakepay):
    worker_client.post("/payments/payout-method/", {"network": "mtn", "phone": "0241234560", "name": "Kofi Boateng"})
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=20_000))
    fund(milestone)
    Milestone.objects.filter(pk=milestone.pk).update(status="delivered")
    from apps.contracts.services import milestone_approve

    milestone_approve(milestone=milestone, actor=hirer)
    return milestone


def transfer_posts(fakepay) -> int:
    return sum(1 for row in fakepay.requests() if row["method"] == "POST" and row["path"] == "/transfer")


def test_payout_task_delivered_twice_pays_once(released, fakepay):
    message = OutboxMessage.objects.get(task_name="payments.payout_submit")
    task = celery_app.tasks["payments.payout_submit"]

    task.apply(kwargs={**message.kwargs, "_outbox_id": message.pk})
    task.apply(kwargs={**message.kwargs, "_outbox_id": message.pk})

    assert transfer_posts(fakepay) == 1
    assert LedgerTransaction.objects.filter(kind="payout_initiated").count() == 1
    assert Payout.objects.get(milestone=released).submit_count == 1


def test_stalled_queued_payout_resubmitted_by_sweep(released, fakepay):
    Payout.objects.filter(milestone=released).update(updated_at=timezone.now() - timedelta(minutes=5))

    payouts_poll.apply()

    payout = Payout.objects.get(milestone=released)
    assert payout.status in ("pending", "succeeded")
    assert transfer_posts(fakepay) == 1


def test_auto_approve_task_releases_overdue_deliveries(hirer, worker):
    PayoutMethod.objects.filter(worker=worker).delete()
    overdue = first_milestone(make_contract(hirer=hirer, worker=worker, amount=5_000))
    recent = first_milestone(make_contract(hirer=hirer, worker=worker, amount=6_000))
    for milestone, days in ((overdue, 8), (recent, 2)):
        fund(milestone)
        Milestone.objects.filter(pk=milestone.pk).update(
            status="delivered", delivered_at=timezone.now() - timedelta(days=days)
        )

    assert auto_approve_delivered.apply().get() == 1

    overdue.refresh_from_db()
    recent.refresh_from_db()
    assert overdue.status == "released"
    assert recent.status == "delivered"
    assert auto_approve_delivered.apply().get() == 0


def test_unprocessed_webhook_picked_up_by_sweep(db, fakepay):
    WebhookEvent.objects.create(
        provider="paystack",
        event_type="collection.succeeded",
        provider_reference="1",
        reference="COUNKNOWN",
        body="{}",
        received_at=timezone.now() - timedelta(minutes=5),
    )

    payouts_poll.apply()

    assert WebhookEvent.objects.get().status == "ignored"
