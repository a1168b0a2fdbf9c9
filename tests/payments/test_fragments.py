"""Dashboard fragments and the payments health check."""

from django.test import RequestFactory

from apps.contracts.fragments import milestones_to_act_on
from apps.modules.registry import get_module
from apps.payments.fragments import wallet_summary
from apps.resilience.breakers import breaker
from tests.contracts.factories import first_milestone, fund, make_contract


def request_for(user):
    request = RequestFactory().get("/dashboard/")
    request.user = user
    return request


def test_hirer_sees_milestone_to_fund_and_escrow(hirer, worker, django_assert_max_num_queries):
    contract = make_contract(hirer=hirer, worker=worker, amount=12_345)

    with django_assert_max_num_queries(2):
        html = milestones_to_act_on(request_for(hirer))
    assert contract.title in html

    fund(first_milestone(contract))
    with django_assert_max_num_queries(5):
        money = wallet_summary(request_for(hirer))
    assert "GH₵ 123.45" in money


def test_worker_sees_funded_milestone_not_stranger(hirer, worker, stranger):
    contract = make_contract(hirer=hirer, worker=worker)
    fund(first_milestone(contract))

    assert contract.title in milestones_to_act_on(request_for(worker))
    assert contract.title not in milestones_to_act_on(request_for(stranger))


def test_payments_health_warns_while_breaker_open(db):
    provider_breaker = breaker("provider:paystack")
    try:
        assert get_module("payments").check_health().status == "ok"
        provider_breaker.force_open(reason="test")
        assert get_module("payments").check_health().status == "warn"
    finally:
        provider_breaker.reset(reason="test finished")
