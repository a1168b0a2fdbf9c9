"""Drafting, editing, accepting and cancelling contracts, through pages, the API and the jobs hook."""

import pytest
from django.utils import timezone

from apps.contracts.models import Contract, ContractEvent
from apps.jobs.models import Application, Job
from apps.jobs.services import application_accept
from tests.contracts.factories import first_milestone, make_contract


@pytest.fixture
def open_job_application(hirer, worker):
    job = Job.objects.create(
        hirer=hirer,
        title="Tile the bathroom floor",
        trade="masonry",
        description="About 6 square metres.",
        budget_min=80_000,
        budget_max=80_000,
        region="ashanti",
        town="Kumasi",
        status="open",
        published_at=timezone.now(),
    )
    return Application.objects.create(job=job, worker=worker, cover_letter="I tile floors.", proposed_amount=75_000)


def test_accepting_application_drafts_contract_from_quote(hirer, open_job_application):
    application_accept(application=open_job_application, hirer=hirer)

    contract = Contract.objects.get(application=open_job_application)
    milestone = first_milestone(contract)
    assert contract.status == "draft"
    assert contract.hirer == hirer
    assert contract.worker == open_job_application.worker
    assert milestone.amount == 75_000
    assert milestone.status == "pending_funding"
    assert ContractEvent.objects.filter(contract=contract, kind="drafted").exists()


def test_both_parties_accept_to_activate_and_start_job(hirer_client, worker_client, hirer, worker):
    contract = make_contract(hirer=hirer, worker=worker, active=False)

    first = hirer_client.post(f"/contracts/{contract.public_id}/accept/")
    contract.refresh_from_db()
    assert first.status_code == 302
    assert contract.status == "draft"

    worker_client.post(f"/contracts/{contract.public_id}/accept/")
    contract.refresh_from_db()
    contract.job.refresh_from_db()
    assert contract.status == "active"
    assert contract.job.status == "in_progress"


def test_hirer_edits_milestones_and_acceptance_resets(hirer_client, worker_client, hirer, worker):
    contract = make_contract(hirer=hirer, worker=worker, amount=10_000, active=False)
    worker_client.post(f"/contracts/{contract.public_id}/accept/")

    response = hirer_client.post(
        f"/contracts/{contract.public_id}/milestones/",
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "0",
            "form-MIN_NUM_FORMS": "1",
            "form-MAX_NUM_FORMS": "20",
            "form-0-description": "Buy materials",
            "form-0-amount": "40",
            "form-0-due_date": "",
            "form-1-description": "Fit the pipes",
            "form-1-amount": "60.50",
            "form-1-due_date": "2027-01-10",
        },
    )

    assert response.status_code == 302
    contract.refresh_from_db()
    assert [(m.description, m.amount) for m in contract.milestones.order_by("position")] == [
        ("Buy materials", 4_000),
        ("Fit the pipes", 6_050),
    ]
    assert contract.worker_accepted_at is None


def test_milestone_edit_rejects_bad_amount(hirer_client, hirer, worker):
    contract = make_contract(hirer=hirer, worker=worker, amount=10_000, active=False)

    response = hirer_client.post(
        f"/contracts/{contract.public_id}/milestones/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-0-description": "Everything",
            "form-0-amount": "NaN",
        },
    )

    assert response.status_code == 400
    assert first_milestone(contract).amount == 10_000


def test_worker_cannot_edit_milestones(worker_client, hirer, worker):
    contract = make_contract(hirer=hirer, worker=worker, active=False)

    assert worker_client.get(f"/contracts/{contract.public_id}/milestones/").status_code == 404


def test_active_contract_milestones_locked(as_api, hirer, worker):
    contract = make_contract(hirer=hirer, worker=worker)

    response = as_api(hirer).put(
        f"/api/v1/contracts/{contract.public_id}/milestones/",
        {"milestones": [{"description": "More", "amount": 500}]},
        format="json",
    )

    assert response.status_code == 409
    assert first_milestone(contract).description.startswith("Complete the job")


def test_contract_list_and_detail_pages(
    hirer_client, worker_client, stranger_client, hirer, worker, django_assert_max_num_queries
):
    contract = make_contract(hirer=hirer, worker=worker)

    with django_assert_max_num_queries(30):
        listing = hirer_client.get("/contracts/")
    assert contract.title in listing.content.decode()
    with django_assert_max_num_queries(35):
        detail = worker_client.get(f"/contracts/{contract.public_id}/")
    assert detail.status_code == 200
    assert "Wait for the hirer to fund" in detail.content.decode()
    assert stranger_client.get(f"/contracts/{contract.public_id}/").status_code == 404
    assert contract.title not in stranger_client.get("/contracts/").content.decode()


MALFORMED = [
    "[]",
    '"text"',
    "null",
    "12",
    '"NaN"',
    "NaN",
    "1e309",
    '{"a": {"b": {"c": {"d": {"e": 1}}}}}',
    '{"milestones": "x", "network": ["mtn"], "phone": {"n": 1}, "reason": null}',
    '{"milestones": [{"description": "x", "amount": 1e309}], "network": "mtn", "phone": 1e309, "reason": ""}',
]


@pytest.mark.parametrize("body", MALFORMED)
def test_milestones_api_rejects_malformed_bodies(as_api, hirer, worker, body):
    contract = make_contract(hirer=hirer, worker=worker, active=False)

    response = as_api(hirer).put(
        f"/api/v1/contracts/{contract.public_id}/milestones/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert "error" in response.json()
    assert contract.milestones.count() == 1


@pytest.mark.parametrize("body", MALFORMED)
def test_fund_api_rejects_malformed_bodies(as_api, hirer, worker, body):
    contract = make_contract(hirer=hirer, worker=worker)
    milestone = first_milestone(contract)

    response = as_api(hirer).post(
        f"/api/v1/payments/milestones/{milestone.public_id}/fund/", body, content_type="application/json"
    )

    assert response.status_code == 400
    milestone.refresh_from_db()
    assert milestone.status == "pending_funding"


@pytest.mark.parametrize("body", MALFORMED)
def test_milestone_action_api_rejects_malformed_bodies(as_api, hirer, worker, body):
    contract = make_contract(hirer=hirer, worker=worker)
    milestone = first_milestone(contract)

    response = as_api(worker).post(
        f"/api/v1/contracts/milestones/{milestone.public_id}/dispute/", body, content_type="application/json"
    )

    assert response.status_code == 400
    milestone.refresh_from_db()
    assert milestone.status == "pending_funding"


def test_api_requires_login(api_client, hirer, worker):
    contract = make_contract(hirer=hirer, worker=worker)

    assert api_client.get("/api/v1/contracts/").status_code in (401, 403)
    assert api_client.post(f"/api/v1/contracts/{contract.public_id}/accept/").status_code in (401, 403)


def test_api_detail_for_parties_only(as_api, hirer, worker, stranger):
    contract = make_contract(hirer=hirer, worker=worker)

    body = as_api(worker).get(f"/api/v1/contracts/{contract.public_id}/").json()
    assert body["id"] == str(contract.public_id)
    assert body["milestones"][0]["amount"] == 10_000
    assert as_api(stranger).get(f"/api/v1/contracts/{contract.public_id}/").status_code == 404


def test_staff_resolves_split_on_site(staff_client, hirer, worker, staff):
    from apps.contracts import services
    from apps.payments.models import LedgerTransaction
    from tests.contracts.factories import fund

    milestone = first_milestone(make_contract(hirer=hirer, worker=worker, amount=20_000))
    fund(milestone)
    services.milestone_dispute(milestone=milestone, actor=worker, reason="The hirer will not approve.")
    url = f"/contracts/milestones/{milestone.public_id}/resolve/"
    assert staff_client.get(url).status_code == 200

    missing_share = staff_client.post(url, {"resolution": "split", "worker_amount": "", "note": "Half done."})
    assert missing_share.status_code == 400

    response = staff_client.post(url, {"resolution": "split", "worker_amount": "150", "note": "Most was done."})

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == "released"
    split = LedgerTransaction.objects.get(kind="dispute_split")
    assert split.actor == staff
    assert split.metadata["worker_amount"] == 15_000


def test_parties_cannot_open_resolve_page(hirer_client, worker_client, hirer, worker):
    milestone = first_milestone(make_contract(hirer=hirer, worker=worker))

    assert hirer_client.get(f"/contracts/milestones/{milestone.public_id}/resolve/").status_code == 404
    assert worker_client.get(f"/contracts/milestones/{milestone.public_id}/resolve/").status_code == 404
