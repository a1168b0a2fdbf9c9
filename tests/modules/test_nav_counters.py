"""The navigation's counters come only from fragments registered for the nav_counters slot."""

import pytest

from apps.modules import registry
from apps.modules.registry import Module

pytestmark = pytest.mark.django_db


def nav_counters(body: str) -> list[str]:
    return [line for line in body.splitlines() if 'class="nav-counter"' in line]


def test_nav_has_only_registered_counters(worker_client):
    registered = registry.slot_fragments("nav_counters")

    response = worker_client.get("/jobs/")

    assert response.status_code == 200
    assert len(nav_counters(response.content.decode())) <= len(registered)


def test_counter_fragment_shown_and_failure_contained(worker_client, signals):
    module = Module("counters", verbose_name="Counters", packages=[])
    module.add_fragment("unread", lambda request: "3 unread", slot="nav_counters")
    module.add_fragment("broken", lambda request: 1 / 0, slot="nav_counters", order=200)

    with registry.registered(module):
        response = worker_client.get("/jobs/")

    body = response.content.decode()
    assert response.status_code == 200
    assert '<li class="nav-counter">3 unread</li>' in body
    assert 'data-module="counters" data-fragment="broken" data-state="error"' in body
    assert sorted(signals.fragment_outcomes("counters")) == ["error", "ok"]


def test_visitors_get_no_counters(client):
    module = Module("counters", verbose_name="Counters", packages=[])
    module.add_fragment("unread", lambda request: "3 unread", slot="nav_counters")

    with registry.registered(module):
        response = client.get("/jobs/")

    assert "3 unread" not in response.content.decode()
