"""The worker's release and payout notices name what reaches their wallet, after the platform fee."""

import pytest
from django.db import transaction

from apps.contracts import services
from apps.contracts.models import Milestone
from apps.notifications.models import Notification
from apps.payments.models import Payout
from tests.contracts.factories import first_milestone, fund, make_contract


@pytest.fixture
def delivered(hirer, worker, settings):
    settings.KELMAH_PLATFORM_FEE_BPS = 1000
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=23_050))
    fund(milestone)
    Milestone.objects.filter(pk=milestone.pk).update(status="delivered")
    milestone.refresh_from_db()
    return milestone


def worker_notice(worker, title) -> Notification:
    return Notification.objects.filter(user=worker, title=title).order_by("-id").first()


@pytest.mark.django_db(transaction=True)
def test_release_notice_shows_the_amount_after_the_fee(hirer, worker, delivered):
    services.milestone_approve(milestone=delivered, actor=hirer)

    payout = Payout.objects.get(milestone=delivered)
    assert payout.amount == 20_745
    notice = worker_notice(worker, "Payment released to you")
    assert notice is not None
    assert "GH₵ 207.45" in notice.body
    assert "230.50" not in notice.body


@pytest.mark.django_db(transaction=True)
def test_payout_notice_shows_the_amount_sent(hirer, worker, delivered):
    services.milestone_approve(milestone=delivered, actor=hirer)

    with transaction.atomic():
        services.milestone_mark_paid_out(milestone=services.milestone_lock(delivered.pk))

    notice = worker_notice(worker, "Payout sent to your wallet")
    assert notice is not None
    assert "GH₵ 207.45" in notice.body
    assert "230.50" not in notice.body


@pytest.mark.django_db(transaction=True)
def test_split_release_notice_shows_the_worker_share_after_the_fee(hirer, worker, staff, delivered):
    services.milestone_dispute(milestone=delivered, actor=hirer, reason="Only half of the cabinets were fitted.")

    services.dispute_resolve(
        milestone=delivered, actor=staff, resolution="split", worker_amount=10_000, note="Half each."
    )

    assert Payout.objects.get(milestone=delivered).amount == 9_000
    assert "GH₵ 90.00" in worker_notice(worker, "Payment released to you").body
