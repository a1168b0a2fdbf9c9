"""Breaker state shared by separate OS processes (the embedded SQLite store and Redis)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.support.faults import closed_port

ROOT = Path(__file__).resolve().parents[2]


def run_process(action: str, name: str, store: str) -> dict:
    env = {**os.environ, "BREAKER_STORE": store, "DJANGO_SETTINGS_MODULE": "kelmah.settings.test"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.resilience.breaker_process", action, name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_process(action: str, name: str, store: str) -> subprocess.Popen:
    env = {**os.environ, "BREAKER_STORE": store, "DJANGO_SETTINGS_MODULE": "kelmah.settings.test"}
    env.pop("DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.resilience.breaker_process", action, name],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def check_shared_trip(store: str) -> None:
    # Two processes call at once; at least one trips the breaker for both.
    first, second = start_process("trip", "sms", store), start_process("trip", "sms", store)
    outputs = [json.loads(p.communicate(timeout=60)[0].strip().splitlines()[-1]) for p in (first, second)]
    assert all(o["state"] == "open" for o in outputs)

    # A third process started afterwards sees the same opening and does not reset it.
    third = run_process("call", "sms", store)
    assert third["state"] == "open"
    assert third["outcomes"] == ["fast-failed"]
    assert third["opened_at"] == outputs[0]["opened_at"] == outputs[1]["opened_at"]
    assert third["shared"] is True


def test_processes_share_breaker_through_sqlite(tmp_path):
    check_shared_trip(f"sqlite:///{tmp_path / 'shared.sqlite3'}")


@pytest.mark.redis
def test_processes_share_breaker_through_redis(redis_db):
    check_shared_trip(settings.REDIS_URL)


def test_processes_fall_back_locally_when_store_down():
    store = f"redis://127.0.0.1:{closed_port()}/0"

    tripped = run_process("trip", "sms", store)
    fresh = run_process("call", "sms", store)

    # Each process trips on its own failures, and a new process starts closed locally.
    assert tripped["state"] == "open"
    assert tripped["shared"] is False
    assert tripped["outcomes"][:5] == ["failed"] * 5
    assert "fast-failed" in tripped["outcomes"]
    assert fresh["outcomes"] == ["ok"]
    assert fresh["shared"] is False


def test_half_open_admits_one_probe_across_processes(tmp_path):
    from apps.resilience.breaker_store import build_store
    from apps.resilience.breakers import BreakerConfig, CircuitBreaker

    store = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    parent = CircuitBreaker("sms", BreakerConfig(consecutive_failures=1, open_seconds=0.01), build_store(store))
    with pytest.raises(ConnectionError):
        parent.call(_refused)

    processes = [start_process("claim", "sms", store) for _ in range(4)]
    outputs = [json.loads(p.communicate(timeout=60)[0].strip().splitlines()[-1]) for p in processes]

    outcomes = sorted(o["outcomes"][0] for o in outputs)
    assert outcomes == ["fast-failed", "fast-failed", "fast-failed", "probe"]


def _refused():
    raise ConnectionError("refused")
