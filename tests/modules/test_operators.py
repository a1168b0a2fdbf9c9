"""Operators' controls: the modules and faults commands and their admin pages."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.modules import faults, maintenance
from apps.modules.models import FaultRule, ModuleState

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    output = StringIO()
    call_command(*args, stdout=output)
    return output.getvalue()


def test_modules_list_shows_every_module():
    output = run("modules", "list")

    for name in ["accounts", "workers", "hirers", "jobs", "contracts", "payments", "messaging", "notifications"]:
        assert f"\n{name} " in output
    assert "accounts        on     yes" in output


def test_modules_off_and_on_change_shared_state(client):
    assert "now off" in run("modules", "off", "payments", "--reason", "Reconciling wallets")

    state = ModuleState.objects.get(module="payments")
    assert state.enabled is False
    assert state.reason == "Reconciling wallets"
    assert "payments        off" in run("modules", "list")

    run("modules", "on", "payments")

    assert ModuleState.objects.get(module="payments").enabled is True
    assert maintenance.is_enabled("payments")


def test_critical_module_cannot_be_switched_off():
    with pytest.raises(CommandError, match="critical"):
        run("modules", "off", "accounts")

    assert not ModuleState.objects.filter(module="accounts", enabled=False).exists()


def test_unknown_module_is_a_clear_error():
    with pytest.raises(CommandError, match="No module named 'jobz'"):
        run("modules", "off", "jobz")


def test_faults_set_list_and_clear():
    assert "Fault injected on jobs.db: slow=250" in run("faults", "set", "jobs.db", "slow=250")
    assert "jobs.db                  slow=250" in run("faults", "list")
    assert FaultRule.objects.get(target="jobs.db").amount == 250

    assert "Cleared 1 fault(s)" in run("faults", "clear", "jobs.db")
    assert not FaultRule.objects.exists()


def test_faults_set_rejects_bad_input():
    with pytest.raises(CommandError, match="Unknown fault mode"):
        run("faults", "set", "cache", "explode")
    with pytest.raises(CommandError, match="Unknown fault target"):
        run("faults", "set", "nowhere", "raise")

    assert not FaultRule.objects.exists()


def test_faults_refused_when_not_allowed(settings):
    settings.KELMAH_ALLOW_FAULT_INJECTION = False

    with pytest.raises(CommandError, match="disabled"):
        run("faults", "set", "cache", "raise")

    assert "disabled by the settings" in run("faults", "list")


def test_admin_lists_every_module(staff_client):
    response = staff_client.get("/admin/modules/modulestate/")

    assert response.status_code == 200
    assert ModuleState.objects.filter(module="jobs").exists()
    assert b"messaging" in response.content


def test_admin_action_switches_module_off(staff_client, staff):
    staff_client.get("/admin/modules/modulestate/")

    response = staff_client.post(
        "/admin/modules/modulestate/",
        {"action": "switch_off", "_selected_action": ["messaging"]},
        follow=True,
    )

    assert response.status_code == 200
    state = ModuleState.objects.get(module="messaging")
    assert state.enabled is False
    assert state.changed_by == staff


def test_admin_refuses_critical_switch_off(staff_client):
    staff_client.get("/admin/modules/modulestate/")

    response = staff_client.post(
        "/admin/modules/modulestate/", {"action": "switch_off", "_selected_action": ["accounts"]}, follow=True
    )

    assert b"critical" in response.content
    assert ModuleState.objects.get(module="accounts").enabled is True


def test_admin_adds_and_deletes_fault(staff_client):
    response = staff_client.post("/admin/modules/faultrule/add/", {"target": "sms", "spec": "fail-rate=0.5"})

    assert response.status_code == 302
    assert FaultRule.objects.get(target="sms").amount == 0.5
    assert "sms" in faults.active_faults()

    staff_client.post("/admin/modules/faultrule/sms/delete/", {"post": "yes"})

    assert not FaultRule.objects.exists()


def test_admin_rejects_bad_fault_mode(staff_client):
    response = staff_client.post("/admin/modules/faultrule/add/", {"target": "sms", "spec": "fail-rate=2"})

    assert response.status_code == 200
    assert b"between 0 and 1" in response.content
    assert not FaultRule.objects.exists()


def test_admin_hides_fault_form_when_not_allowed(staff_client, settings):
    settings.KELMAH_ALLOW_FAULT_INJECTION = False

    assert staff_client.get("/admin/modules/faultrule/add/").status_code == 403


def test_admin_closed_to_members(worker_client):
    response = worker_client.get("/admin/modules/modulestate/")

    assert response.status_code == 302
