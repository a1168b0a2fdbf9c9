"""The module registry: declarations, discovery and mapping requests to modules."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import resolve

from apps.modules import registry
from apps.modules.registry import HealthResult, Module

DOMAIN_MODULES = [
    "accounts",
    "workers",
    "hirers",
    "jobs",
    "contracts",
    "payments",
    "messaging",
    "notifications",
    "dashboard",
]


def test_every_domain_app_declares_a_module():
    names = {module.name for module in registry.all_modules()}

    assert set(DOMAIN_MODULES) <= names
    assert "layout" in names


def test_accounts_and_layout_are_critical_others_not():
    critical = {module.name for module in registry.all_modules() if module.critical}

    assert critical == {"accounts", "layout"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "layout"),
        ("/jobs/", "jobs"),
        ("/workers/", "workers"),
        ("/dashboard/", "dashboard"),
        ("/accounts/login/", "accounts"),
        ("/api/v1/jobs/", "jobs"),
        ("/api/v1/workers/", "workers"),
        ("/api/v1/accounts/me/", "accounts"),
        ("/fragments/jobs/recommended_jobs/", "layout"),
    ],
)
def test_request_maps_to_owning_module(path, expected):
    module = registry.module_for_match(resolve(path), path)

    assert module is not None
    assert module.name == expected


def test_admin_belongs_to_no_module():
    assert registry.module_for_match(resolve("/admin/"), "/admin/") is None


def test_api_prefix_used_when_view_package_unknown(probe_site):
    match = resolve("/api/v1/probe/raises/")

    assert registry.module_for_match(match, "/api/v1/probe/raises/").name == "probe"


def test_second_module_with_same_name_rejected():
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        registry.register(Module("jobs"))


def test_duplicate_fragment_name_rejected():
    module = Module("scratch")
    module.add_fragment("panel", lambda request: "one")

    with pytest.raises(ImproperlyConfigured, match="already has a fragment"):
        module.add_fragment("panel", lambda request: "two")


def test_params_without_lazy_rejected():
    with pytest.raises(ImproperlyConfigured, match="lazy=True"):
        Module("scratch").add_fragment("panel", lambda request, job_id: "", params={"job_id": int})


def test_invalid_module_name_rejected():
    with pytest.raises(ImproperlyConfigured):
        Module("not a name")


def test_slot_fragments_ordered():
    module = Module("scratch")
    module.add_fragment("second", lambda request: "", slot="test_slot", order=20)
    module.add_fragment("first", lambda request: "", slot="test_slot", order=10)

    with registry.registered(module):
        names = [fragment.name for fragment in registry.slot_fragments("test_slot")]

    assert names == ["first", "second"]
    assert registry.slot_fragments("test_slot") == []


def test_health_check_result_and_failures():
    healthy = Module("scratch", health_check=lambda: HealthResult("warn", "queue is long"))
    broken = Module("scratch", health_check=lambda: 1 / 0)
    wrong_type = Module("scratch", health_check=lambda: "ok")

    assert healthy.check_health() == HealthResult("warn", "queue is long")
    assert broken.check_health().status == "fail"
    assert "ZeroDivisionError" in broken.check_health().detail
    assert wrong_type.check_health().status == "fail"
    assert Module("scratch").check_health().status == "ok"


def test_health_result_rejects_unknown_status():
    with pytest.raises(ValueError):
        HealthResult("great")
