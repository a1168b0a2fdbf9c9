"""A refused milestone action says in plain words why, per status."""

import pytest
from django.db import transaction

from apps.common.errors import InvalidTransition
from apps.contracts import services
from apps.contracts.models import Milestone
from tests.contracts.test_state_machine import milestone_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("funding_pending", "A payment for this milestone is already in progress; wait for it to finish."),
        ("funded", "This milestone is already funded."),
        ("in_progress", "This milestone is already funded."),
        ("delivered", "This milestone is already funded."),
        ("released", "This milestone is already paid to the worker."),
        ("refunded", "This milestone was refunded, so it cannot be funded again."),
        ("cancelled", "This milestone was cancelled, so it cannot be funded."),
    ],
)
def test_funding_refusal_names_the_state(hirer, worker, status, message):
    milestone = milestone_in(status, hirer=hirer, worker=worker)

    with pytest.raises(InvalidTransition) as refused, transaction.atomic():
        services.milestone_lock_for_funding(milestone=milestone, actor=hirer)

    assert refused.value.message == message
    assert Milestone.objects.get(pk=milestone.pk).status == status


def test_fund_page_shows_the_refusal(hirer, worker, hirer_client):
    milestone = milestone_in("funded", hirer=hirer, worker=worker)

    response = hirer_client.post(f"/payments/fund/{milestone.public_id}/", {"phone": "0241234567", "network": "mtn"})

    page = response.content.decode()
    assert response.status_code == 409
    assert "This milestone is already funded." in page
    assert "so it cannot be funded" not in page
    assert Milestone.objects.get(pk=milestone.pk).status == "funded"


def test_other_refusals_keep_the_general_message(hirer, worker):
    milestone = milestone_in("funded", hirer=hirer, worker=worker)

    with pytest.raises(InvalidTransition) as refused:
        services.milestone_approve(milestone=milestone, actor=hirer)

    assert refused.value.message == "This milestone is funded, so it cannot be approved."
