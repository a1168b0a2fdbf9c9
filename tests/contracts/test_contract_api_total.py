"""The contract detail API gives the same milestone total as the list."""

import pytest

from apps.contracts.services import MilestoneDraft, contract_update_milestones
from tests.contracts.factories import make_contract

pytestmark = pytest.mark.django_db


def test_detail_total_is_the_sum_of_the_milestones(hirer, worker, as_api):
    contract = make_contract(hirer=hirer, worker=worker, active=False)
    contract_update_milestones(
        contract=contract,
        actor=hirer,
        milestones=[MilestoneDraft("Fit the cabinets", 23_050), MilestoneDraft("Paint the doors", 4_000)],
    )

    detail = as_api(worker).get(f"/api/v1/contracts/{contract.public_id}/")
    listed = as_api(worker).get("/api/v1/contracts/")

    assert detail.status_code == 200
    assert detail.json()["total"] == 27_050
    assert sum(m["amount"] for m in detail.json()["milestones"]) == 27_050
    rows = listed.json()["results"] if isinstance(listed.json(), dict) else listed.json()
    assert [row["total"] for row in rows if row["id"] == str(contract.public_id)] == [27_050]


def test_detail_total_of_a_stranger_contract_is_not_shown(hirer, worker, stranger, as_api):
    contract = make_contract(hirer=hirer, worker=worker)

    assert as_api(stranger).get(f"/api/v1/contracts/{contract.public_id}/").status_code == 404
