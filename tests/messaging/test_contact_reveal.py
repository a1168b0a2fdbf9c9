"""Phone numbers in a conversation stay hidden until the hirer has funded a contract with the worker."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.contracts.models import MilestoneStatus
from apps.messaging.selectors import contact_details_visible
from apps.messaging.services import conversation_direct
from tests.conftest import _client_for
from tests.contracts.factories import first_milestone, fund, make_contract

pytestmark = pytest.mark.django_db

HIDDEN_NOTE = "Phone numbers and exact addresses are shown once a contract between you is funded."


def thread_url(conversation) -> str:
    return reverse("messaging:thread", args=[conversation.public_id])


def funded_contract(hirer, worker):
    contract = make_contract(hirer=hirer, worker=worker)
    fund(first_milestone(contract))
    return contract


def test_hirer_sees_worker_phone_only_after_funding(conversation, hirer, worker, hirer_client):
    contract = make_contract(hirer=hirer, worker=worker)

    before = hirer_client.get(thread_url(conversation))

    assert before.status_code == 200
    assert worker.phone not in before.content.decode()
    assert HIDDEN_NOTE in before.content.decode()

    fund(first_milestone(contract))
    after = hirer_client.get(thread_url(conversation))

    assert after.status_code == 200
    assert f'href="tel:{worker.phone}"' in after.content.decode()
    assert HIDDEN_NOTE not in after.content.decode()
    assert contact_details_visible(conversation=conversation) is True


def test_worker_sees_hirer_phone_after_funding(conversation, hirer, worker, worker_client):
    funded_contract(hirer, worker)

    response = worker_client.get(thread_url(conversation))

    assert response.status_code == 200
    assert f'href="tel:{hirer.phone}"' in response.content.decode()


def test_draft_contract_keeps_phone_hidden(conversation, hirer, worker, hirer_client):
    make_contract(hirer=hirer, worker=worker, active=False)

    response = hirer_client.get(thread_url(conversation))

    assert worker.phone not in response.content.decode()
    assert HIDDEN_NOTE in response.content.decode()


@pytest.mark.parametrize("status", [MilestoneStatus.FUNDING_PENDING, MilestoneStatus.REFUNDED])
def test_unfunded_or_refunded_keeps_phone_hidden(conversation, hirer, worker, hirer_client, status):
    contract = make_contract(hirer=hirer, worker=worker)
    contract.milestones.update(status=status)

    response = hirer_client.get(thread_url(conversation))

    assert worker.phone not in response.content.decode()
    assert contact_details_visible(conversation=conversation) is False


def test_other_hirer_never_sees_phone(hirer, worker, other_hirer):
    funded_contract(hirer, worker)
    conversation = conversation_direct(hirer=other_hirer, worker=worker)

    response = _client_for(other_hirer).get(thread_url(conversation))

    assert response.status_code == 200
    assert worker.phone not in response.content.decode()
    assert hirer.phone not in response.content.decode()
    assert HIDDEN_NOTE in response.content.decode()


def test_stranger_gets_404_without_phone(conversation, hirer, worker, stranger_client):
    funded_contract(hirer, worker)

    response = stranger_client.get(thread_url(conversation))

    assert response.status_code == 404
    assert worker.phone not in response.content.decode()
    assert hirer.phone not in response.content.decode()


def test_reveal_adds_no_queries(conversation, hirer, worker, hirer_client):
    contract = make_contract(hirer=hirer, worker=worker)
    hirer_client.get(thread_url(conversation))

    with CaptureQueriesContext(connection) as hidden:
        hirer_client.get(thread_url(conversation))
    fund(first_milestone(contract))
    with CaptureQueriesContext(connection) as shown:
        response = hirer_client.get(thread_url(conversation))

    assert worker.phone in response.content.decode()
    assert len(shown) == len(hidden)
    assert len(shown) <= 30
