"""Operator controls in the admin: the circuit breaker page."""

import pytest

from apps.resilience.breaker_store import CLOSED, FORCED_OPEN
from apps.resilience.breakers import breaker
from apps.resilience.checks import check_resilience_settings

PAGE = "/admin/resilience/circuitbreakerpanel/"


@pytest.mark.django_db
def test_breaker_page_lists_states(staff_client):
    breaker("sms").force_open(reason="gateway maintenance")

    response = staff_client.get(PAGE)

    assert response.status_code == 200
    body = response.content.decode()
    assert "provider:paystack" in body
    assert "forced_open" in body
    assert "gateway maintenance" in body


@pytest.mark.django_db
def test_staff_forces_and_resets_breaker(staff_client):
    opened = staff_client.post(PAGE, {"name": "email", "action": "open"})
    state_after_open = breaker("email").state
    reset = staff_client.post(PAGE, {"name": "email", "action": "reset"})

    assert opened.status_code == reset.status_code == 302
    assert state_after_open == FORCED_OPEN
    assert breaker("email").state == CLOSED


@pytest.mark.django_db
def test_unknown_action_changes_nothing(staff_client):
    response = staff_client.post(PAGE, {"name": "email", "action": "explode"})

    assert response.status_code == 302
    assert breaker("email").state == CLOSED


@pytest.mark.django_db
def test_non_staff_cannot_open_breaker_page(worker_client):
    response = worker_client.post(PAGE, {"name": "email", "action": "open"})

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert breaker("email").state == CLOSED


def test_redis_cache_without_timeouts_fails_check(settings):
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/0"}}

    ids = [message.id for message in check_resilience_settings()]

    assert "resilience.E004" in ids
    assert "resilience.W001" in ids


def test_invalid_breaker_setting_fails_check(settings):
    settings.RESILIENCE_BREAKERS = {"sms": {"failure_rate": 3}}

    assert [message.id for message in check_resilience_settings()] == ["resilience.E002"]
