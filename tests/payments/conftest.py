"""Fixtures for payment tests: the fake provider over real HTTP, webhook signing, and running outbox work."""

import hashlib
import hmac

import pytest
from django.db.models import Sum

import apps.payments.tasks  # noqa: F401  registers the payments tasks with Celery
from apps.payments.models import LedgerEntry, LedgerTransaction
from apps.resilience.models import OutboxMessage, OutboxStatus
from kelmah.celery import app as celery_app
from tests.support.fakepay import fakepay, fakepay_server, webhook_sink  # noqa: F401

PAYSTACK_WEBHOOK = "/payments/webhooks/paystack/"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run_outbox(max_rounds: int = 10) -> int:
    """Run queued payments tasks in this process, as a Celery worker would; return how many ran."""
    ran = 0
    for _round in range(max_rounds):
        rows = list(
            OutboxMessage.objects.filter(task_name__startswith="payments.")
            .exclude(status__in=[OutboxStatus.DONE, OutboxStatus.DEAD])
            .order_by("pk")
        )
        if not rows:
            break
        for row in rows:
            celery_app.tasks[row.task_name].apply(kwargs={**row.kwargs, "_outbox_id": row.pk})
            ran += 1
    return ran


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()


def post_webhook(client, body: bytes, secret: str, *, signature: str | None = None):
    return client.post(
        PAYSTACK_WEBHOOK,
        data=body,
        content_type="application/json",
        HTTP_X_PAYSTACK_SIGNATURE=signature if signature is not None else sign(body, secret),
    )


def assert_ledger_balanced() -> None:
    """Every transaction sums to zero, and so does the whole ledger."""
    for posted in LedgerTransaction.objects.all():
        assert posted.entries.aggregate(total=Sum("amount"))["total"] == 0, posted
    assert (LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] or 0) == 0
