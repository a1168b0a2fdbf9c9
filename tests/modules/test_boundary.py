"""Fragment boundaries: a failing fragment degrades alone and the page stays 200."""

import logging
import time

import pytest
from django.db import connection, transaction

from apps.modules import maintenance
from apps.modules.boundary import render_fragment
from apps.modules.breaker import get_breaker
from apps.modules.models import ModuleState
from tests.modules.conftest import FRAGMENT_BUDGET_MS

pytestmark = pytest.mark.django_db


def probe_page(client, which):
    started = time.monotonic()
    response = client.get(f"/probe/page/{which}/")
    return response, time.monotonic() - started


def assert_page_intact(response):
    body = response.content.decode()
    assert response.status_code == 200
    assert "Probe page core content" in body
    assert "neighbour panel with" in body
    assert "Content after the fragments" in body
    assert 'class="site-header"' in body


def test_healthy_fragment_renders_its_content(client, probe_site, signals):
    response, _ = probe_page(client, "ok")

    assert_page_intact(response)
    assert "probe says steady" in response.content.decode()
    assert signals.fragment_outcomes("probe") == ["ok"]
    assert signals.fragment_outcomes("neighbour") == ["ok"]


def test_template_pair_is_rendered_with_request(client, probe_site):
    response, _ = probe_page(client, "templated")

    assert_page_intact(response)
    assert 'data-state="shown-as-content"' in response.content.decode()


@pytest.mark.parametrize("which", ["template_error", "redis_error"])
def test_failing_fragment_degrades_alone(client, probe_site, signals, caplog, which):
    with caplog.at_level(logging.ERROR, logger="apps.modules.boundary"):
        response, _ = probe_page(client, which)

    body = response.content.decode()
    assert_page_intact(response)
    assert 'class="degraded"' in body
    assert f'data-module="probe" data-fragment="{which}" data-state="error"' in body
    assert signals.fragment_outcomes("probe") == ["error"]
    assert signals.fragment_outcomes("neighbour") == ["ok"]
    failures = [record for record in caplog.records if record.name == "apps.modules.boundary"]
    assert len(failures) == 1
    assert f"probe.{which}" in failures[0].getMessage()
    assert failures[0].fragment == which


def test_plain_string_is_escaped(rf, probe_site):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    probe_site.probe.fragments["ok"].render = lambda request, **kwargs: "<script>alert(1)</script>"
    try:
        html = render_fragment(request, "probe", "ok")
    finally:
        probe_site.probe.fragments["ok"].render = probe_site.ok_fragment

    assert html == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_failed_query_leaves_page_transaction_usable(client, probe_site, signals):
    with transaction.atomic():
        response, _ = probe_page(client, "bad_query")
        # The page's transaction still reads and writes after the fragment's query failed.
        ModuleState.objects.create(module="after-bad-query", enabled=True)
        assert ModuleState.objects.filter(module="after-bad-query").exists()

    assert_page_intact(response)
    assert signals.fragment_outcomes("probe") == ["error"]


def test_failed_fragment_writes_nothing(client, probe_site, signals):
    response, _ = probe_page(client, "write_then_fail")

    assert_page_intact(response)
    assert not ModuleState.objects.filter(module="half-written").exists()
    assert signals.fragment_outcomes("probe") == ["error"]


def test_login_required_fragment_skipped_for_visitors(client, probe_site, signals):
    response, _ = probe_page(client, "members_only")

    assert_page_intact(response)
    assert "hello" not in response.content.decode()
    assert signals.fragment_outcomes("probe") == ["skipped"]


def test_login_required_fragment_shown_to_members(worker_client, worker, probe_site, signals):
    response, _ = probe_page(worker_client, "members_only")

    assert f"hello {worker.pk}" in response.content.decode()
    assert signals.fragment_outcomes("probe") == ["ok"]


def test_unknown_fragment_renders_nothing(client, probe_site, caplog):
    with caplog.at_level(logging.ERROR):
        response, _ = probe_page(client, "no_such_fragment")

    assert_page_intact(response)
    assert any("no_such_fragment" in record.getMessage() for record in caplog.records)


def test_switched_off_module_shows_maintenance_partial(client, probe_site, signals):
    maintenance.module_switch_off(module_name="probe", reason="Upgrading the probe")

    response, _ = probe_page(client, "ok")

    body = response.content.decode()
    assert_page_intact(response)
    assert 'class="maintenance"' in body
    assert "Upgrading the probe" in body
    assert "probe says" not in body
    assert signals.fragment_outcomes("probe") == ["maintenance"]


def test_raise_fault_degrades_fragment(client, probe_site, signals, inject_fault):
    inject_fault("probe.fragments", "raise")

    response, _ = probe_page(client, "ok")

    assert_page_intact(response)
    assert 'data-fragment="ok" data-state="error"' in response.content.decode()
    assert signals.fragment_outcomes("probe") == ["error"]


def test_hang_fault_times_out_within_budget(client, probe_site, signals, inject_fault):
    inject_fault("probe", "hang")

    response, elapsed = probe_page(client, "ok")

    assert_page_intact(response)
    assert 'data-fragment="ok" data-state="timeout"' in response.content.decode()
    assert signals.fragment_outcomes("probe") == ["timeout"]
    assert elapsed < 2 * FRAGMENT_BUDGET_MS / 1000 + 0.5


def test_db_fault_degrades_only_that_module(client, probe_site, signals, inject_fault):
    inject_fault("neighbour.db", "raise")

    response = client.get("/probe/page/ok/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "probe says steady" in body
    assert "neighbour panel with" not in body
    assert 'data-module="neighbour" data-fragment="panel" data-state="error"' in body
    assert signals.fragment_outcomes("neighbour") == ["error"]
    assert signals.fragment_outcomes("probe") == ["ok"]


def test_breaker_skips_fragments_after_repeated_failures(client, probe_site, signals, settings):
    settings.KELMAH_MODULE_BREAKER_FAILURES = 3
    settings.KELMAH_MODULE_BREAKER_COOLDOWN_S = 60

    for _ in range(5):
        probe_page(client, "template_error")

    assert signals.fragment_outcomes("probe") == ["error", "error", "error", "breaker_open", "breaker_open"]
    assert get_breaker("probe").state == "open"


def test_breaker_probes_once_after_cooldown(client, probe_site, signals, settings):
    settings.KELMAH_MODULE_BREAKER_FAILURES = 2
    settings.KELMAH_MODULE_BREAKER_COOLDOWN_S = 0.2
    probe_page(client, "template_error")
    probe_page(client, "template_error")
    assert get_breaker("probe").state == "open"

    time.sleep(0.3)
    response, _ = probe_page(client, "ok")

    assert "probe says steady" in response.content.decode()
    assert signals.fragment_outcomes("probe")[-1] == "ok"
    assert get_breaker("probe").state == "closed"


def test_overrun_discards_output_and_writes(rf, probe_site, signals, settings):
    from django.contrib.auth.models import AnonymousUser

    def slow_writer(request):
        ModuleState.objects.create(module="written-too-late", enabled=True)
        time.sleep(FRAGMENT_BUDGET_MS / 1000 + 0.05)
        return "too late"

    probe_site.probe.add_fragment("slow_writer", slow_writer, login_required=False)
    request = rf.get("/")
    request.user = AnonymousUser()
    try:
        html = render_fragment(request, "probe", "slow_writer")
    finally:
        del probe_site.probe.fragments["slow_writer"]

    assert "too late" not in html
    assert 'data-state="timeout"' in html
    assert not ModuleState.objects.filter(module="written-too-late").exists()
    assert signals.fragment_outcomes("probe") == ["timeout"]


@pytest.mark.postgres
def test_statement_timeout_cancels_slow_query(rf, probe_site, signals):
    from django.contrib.auth.models import AnonymousUser

    def sleeps_in_database(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(5)")
        return "slept"

    probe_site.probe.add_fragment("pg_sleep", sleeps_in_database, login_required=False)
    request = rf.get("/")
    request.user = AnonymousUser()
    started = time.monotonic()
    try:
        with transaction.atomic():
            html = render_fragment(request, "probe", "pg_sleep")
            # The page's transaction is intact and no longer carries the short limit.
            with connection.cursor() as cursor:
                cursor.execute("SHOW statement_timeout")
                limit_after = cursor.fetchone()[0]
                cursor.execute("SELECT pg_sleep(0.4)")
            ModuleState.objects.create(module="after-timeout", enabled=True)
    finally:
        del probe_site.probe.fragments["pg_sleep"]

    assert 'data-state="timeout"' in html
    assert time.monotonic() - started < 2 * FRAGMENT_BUDGET_MS / 1000 + 0.5
    assert limit_after == "0"
    assert ModuleState.objects.filter(module="after-timeout").exists()
    assert signals.fragment_outcomes("probe") == ["timeout"]


@pytest.mark.postgres
def test_failed_query_in_atomic_request_keeps_writing(client, probe_site):
    connection.settings_dict["ATOMIC_REQUESTS"] = True
    try:
        with transaction.atomic():
            response, _ = probe_page(client, "bad_query")
            ModuleState.objects.create(module="atomic-after-bad-query", enabled=True)
    finally:
        connection.settings_dict["ATOMIC_REQUESTS"] = False

    assert_page_intact(response)
    assert ModuleState.objects.filter(module="atomic-after-bad-query").exists()


def test_user_lookup_failure_degrades_fragment(rf, probe_site, signals):
    from django.db import OperationalError
    from django.utils.functional import SimpleLazyObject

    def database_down():
        raise OperationalError("could not connect to server")

    request = rf.get("/")
    request.user = SimpleLazyObject(database_down)

    html = render_fragment(request, "probe", "members_only")

    assert 'data-state="error"' in html
    assert signals.fragment_outcomes("probe") == ["error"]


def test_exhausted_page_budget_spares_breaker(rf, probe_site, signals, settings):
    from django.contrib.auth.models import AnonymousUser

    from apps.modules import budget

    settings.KELMAH_MODULE_BREAKER_FAILURES = 1
    request = rf.get("/")
    request.user = AnonymousUser()

    with budget.deadline(0):
        html = render_fragment(request, "probe", "ok")

    assert 'data-state="timeout"' in html
    assert signals.fragment_outcomes("probe") == ["timeout"]
    assert get_breaker("probe").state == "closed"
