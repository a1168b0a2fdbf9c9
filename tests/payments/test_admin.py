"""The operators' admin: ledger rows are read-only, and staff money actions carry the staff actor."""

import pytest

from apps.payments.models import LedgerEntry, LedgerTransaction, Payout
from tests.contracts.factories import first_milestone, fund, make_contract

CHANGELISTS = [
    "payments/ledgeraccount",
    "payments/ledgertransaction",
    "payments/ledgerentry",
    "payments/collection",
    "payments/payout",
    "payments/refund",
    "payments/payoutmethod",
    "payments/webhookevent",
    "payments/paymentflag",
    "payments/reconciliationrun",
    "payments/reconciliationitem",
    "contracts/contract",
    "contracts/milestone",
    "contracts/dispute",
]


@pytest.fixture
def funded(hirer, worker):
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=12_000))
    fund(milestone)
    return milestone


@pytest.mark.parametrize("path", CHANGELISTS)
def test_admin_changelists_render(staff_client, funded, path):
    assert staff_client.get(f"/admin/{path}/").status_code == 200


def test_ledger_entry_cannot_be_edited_or_deleted_in_admin(staff_client, funded):
    entry = LedgerEntry.objects.first()

    change = staff_client.post(f"/admin/payments/ledgerentry/{entry.pk}/change/", {"amount": "1"})
    delete = staff_client.post(f"/admin/payments/ledgerentry/{entry.pk}/delete/", {"post": "yes"})
    add = staff_client.get("/admin/payments/ledgerentry/add/")

    assert change.status_code == 403
    assert delete.status_code == 403
    assert add.status_code == 403
    assert LedgerEntry.objects.get(pk=entry.pk).amount == entry.amount


def test_staff_refund_from_admin_names_staff(staff_client, staff, funded):
    response = staff_client.post(
        "/admin/contracts/milestone/",
        {"action": "refund_in_full", "_selected_action": [funded.pk]},
    )

    assert response.status_code == 302
    funded.refresh_from_db()
    assert funded.status == "refunded"
    assert LedgerTransaction.objects.get(kind="refund_decided").actor == staff
    assert not Payout.objects.exists()
