"""Maintenance switches and fault rules are shared by separate processes and survive restarts.

Each test runs `manage.py` in a real second process against this test's database.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.modules import faults, maintenance

pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    user = connection.settings_dict["USER"]
    host = connection.settings_dict["HOST"] or "127.0.0.1"
    port = connection.settings_dict["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{name}"


def manage(*args: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kelmah.settings.test",
        "DATABASE_URL": database_url(),
        "KELMAH_ALLOW_FAULT_INJECTION": "true",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=Path(settings.BASE_DIR),
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_switch_off_in_other_process_reaches_this_one(client, settings):
    settings.KELMAH_SWITCH_CACHE_TTL_S = 0.05
    assert client.get("/workers/").status_code == 200

    result = manage("modules", "off", "workers", "--reason", "Directory reindex")
    time.sleep(0.1)
    response = client.get("/workers/")

    assert result.returncode == 0, result.stderr
    assert response.status_code == 503
    assert "Directory reindex" in response.content.decode()


def test_switch_made_here_listed_by_other_process():
    maintenance.module_switch_off(module_name="payments", reason="Provider outage")

    result = manage("modules", "list")

    assert result.returncode == 0, result.stderr
    assert "payments        off" in result.stdout
    assert "Provider outage" in result.stdout


def test_fault_set_elsewhere_applies_here_and_clears(settings):
    settings.KELMAH_SWITCH_CACHE_TTL_S = 0.05

    assert manage("faults", "set", "provider:momo", "raise").returncode == 0
    time.sleep(0.1)
    with pytest.raises(faults.InjectedFault):
        faults.inject("provider:momo")

    assert manage("faults", "clear").returncode == 0
    time.sleep(0.1)
    faults.inject("provider:momo")


def test_other_process_rejects_critical_switch_off():
    result = manage("modules", "off", "accounts")

    assert result.returncode != 0
    assert "critical" in result.stderr
    assert maintenance.is_enabled("accounts")
