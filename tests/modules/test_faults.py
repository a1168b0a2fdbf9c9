"""Fault injection: rules, modes, the shared table and the production guard."""

import asyncio
import time

import pytest

from apps.modules import budget, faults
from apps.modules.models import FaultRule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("raise", ("raise", None)),
        ("hang", ("hang", None)),
        ("slow=250", ("slow", 250.0)),
        ("fail-rate=0.3", ("fail-rate", 0.3)),
    ],
)
def test_parse_mode_accepts_valid_specs(spec, expected):
    assert faults.parse_mode(spec) == expected


@pytest.mark.parametrize(
    "spec",
    ["", "explode", "raise=1", "slow", "slow=abc", "slow=0", "slow=-5", "fail-rate=1.5", "fail-rate=NaN", "slow=1e309"],
)
def test_parse_mode_rejects_invalid_specs(spec):
    with pytest.raises(faults.InvalidFault):
        faults.parse_mode(spec)


def test_unknown_target_rejected():
    with pytest.raises(faults.InvalidFault, match="Unknown fault target"):
        faults.fault_set(target="jobz", spec="raise")

    assert not FaultRule.objects.exists()


def test_targets_cover_modules_and_dependencies():
    targets = faults.known_targets()

    for name in ["jobs", "jobs.views", "jobs.fragments", "jobs.db", "cache", "broker", "sms", "email"]:
        assert name in targets
    assert "provider:paystack" in targets
    assert "provider:momo" in targets


def test_no_rule_means_no_effect():
    faults.inject("cache")
    faults.inject("jobs.views")


def test_raise_mode_raises_connection_error(inject_fault):
    inject_fault("provider:paystack", "raise")

    with pytest.raises(faults.InjectedFault) as raised:
        faults.inject("provider:paystack")

    assert isinstance(raised.value, ConnectionError)
    assert raised.value.target == "provider:paystack"
    faults.inject("provider:momo")


def test_module_rule_covers_views_and_fragments_not_db(inject_fault):
    inject_fault("payments", "raise")

    with pytest.raises(faults.InjectedFault):
        faults.inject("payments.views")
    with pytest.raises(faults.InjectedFault):
        faults.inject("payments.fragments")
    faults.inject("payments.db")


def test_fail_rate_fails_about_that_share(inject_fault):
    inject_fault("sms", "fail-rate=0.3")
    faults.rng.seed(2026)

    failures = 0
    for _ in range(1000):
        try:
            faults.inject("sms")
        except faults.InjectedFault:
            failures += 1

    assert 220 < failures < 380


def test_slow_mode_delays_the_call(inject_fault):
    inject_fault("email", "slow=120")

    started = time.monotonic()
    faults.inject("email")

    assert time.monotonic() - started >= 0.12


def test_hang_stops_at_the_deadline(inject_fault):
    inject_fault("broker", "hang")

    started = time.monotonic()
    with budget.deadline(0.2), pytest.raises(faults.InjectedTimeout):
        faults.inject("broker")

    assert time.monotonic() - started < 2 * 0.2 + 0.5


def test_slow_beyond_the_deadline_times_out(inject_fault):
    inject_fault("cache", "slow=5000")

    with budget.deadline(0.1), pytest.raises(faults.InjectedTimeout):
        faults.inject("cache")


def test_hang_ends_when_the_rule_is_cleared(inject_fault, settings):
    settings.KELMAH_SWITCH_CACHE_TTL_S = 0.05
    inject_fault("cache", "hang")
    FaultRule.objects.filter(target="cache").delete()

    started = time.monotonic()
    with budget.deadline(5):
        faults.inject("cache")

    assert time.monotonic() - started < 1


@pytest.mark.django_db(transaction=True)
def test_async_inject_applies_the_same_rules(inject_fault):
    # Committed rows: ainject reads the table from a worker thread with its own connection.
    inject_fault("provider:momo", "raise")

    with pytest.raises(faults.InjectedFault):
        asyncio.run(faults.ainject("provider:momo"))
    asyncio.run(faults.ainject("provider:paystack"))


def test_rule_written_elsewhere_seen_after_cache_ttl(settings):
    settings.KELMAH_SWITCH_CACHE_TTL_S = 0.05
    faults.inject("sms")
    # Another process writes the rule straight to the shared table.
    FaultRule.objects.create(target="sms", mode="raise")

    time.sleep(0.1)

    with pytest.raises(faults.InjectedFault):
        faults.inject("sms")


def test_injection_refused_when_not_allowed(settings):
    settings.KELMAH_ALLOW_FAULT_INJECTION = False

    with pytest.raises(faults.FaultInjectionDisabled):
        faults.fault_set(target="cache", spec="raise")

    assert not FaultRule.objects.exists()


def test_existing_rules_ignored_when_not_allowed(settings):
    FaultRule.objects.create(target="cache", mode="raise")
    settings.KELMAH_ALLOW_FAULT_INJECTION = False
    faults.reset_cache()

    faults.inject("cache")

    assert faults.active_faults() == {}


def test_injection_off_when_setting_absent(settings):
    # Production settings leave the flag unset unless the environment sets it.
    del settings.KELMAH_ALLOW_FAULT_INJECTION

    assert faults.injection_allowed() is False
    with pytest.raises(faults.FaultInjectionDisabled):
        faults.fault_set(target="cache", spec="raise")


def test_unreadable_table_means_no_faults(settings):
    FaultRule.objects.create(target="cache", mode="raise")
    faults.reset_cache()

    from django.db import connection

    with connection.execute_wrapper(reject_queries):
        faults.inject("cache")

    assert faults.active_faults() == {}


def reject_queries(execute, sql, params, many, context):
    from django.db import OperationalError

    raise OperationalError("database is unreachable")


def test_clear_removes_one_or_every_rule(inject_fault):
    inject_fault("cache", "raise")
    inject_fault("sms", "raise")

    assert faults.fault_clear(target="cache") == 1
    faults.inject("cache")
    assert faults.fault_clear() == 1
    faults.inject("sms")
