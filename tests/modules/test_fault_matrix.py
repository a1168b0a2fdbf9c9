"""For every module and fault mode, every page showing that module's data degrades honestly.

Pages and fragments are discovered (tests/modules/pages.py), so pages and fragments that
other apps add are covered without editing this file. For each (module, mode) the suite
injects a real fault rule, requests every page the module owns or shows fragments on,
as a visitor, a worker and a hirer (one of them for the module's own pages under hang
and slow, which wait out the view budget the same way for everyone), and checks:
- status: 503 on the module's own pages (problem+json for the API), unchanged elsewhere;
- the failing module's degraded partial is shown, and other modules' fragments still are;
- the page answers within twice the view budget, even when the module hangs;
- nothing was written by the failed requests;
- the failure was counted against the module, and only against it.
"""

import json

import pytest
from django.apps import apps as django_apps
from django.test import Client

from apps.accounts.models import Role
from apps.modules import registry
from tests.conftest import make_user
from tests.modules import pages as catalogue
from tests.modules.conftest import VIEW_BUDGET_MS

pytestmark = pytest.mark.django_db

MODULES = [module.name for module in registry.all_modules() if module.name != "layout"]

# slow=1000 ms: longer than a fragment's budget (so fragments time out) but shorter than
# a view's (so the module's own pages still respond, just slowly).
FAILING_MODES = ["raise", "fail-rate=1", "hang", "slow=1000"]

# Apps whose rows a page view must never change; the module layer, monitoring and the
# resilience layer keep their own bookkeeping and are left out.
DOMAIN_APPS = ["accounts", "workers", "hirers", "jobs", "contracts", "payments", "messaging", "notifications"]

_survey_cache: dict[str, list] = {}


@pytest.fixture
def scene(db):
    hirer = make_user(role=Role.HIRER, name="Abena Owusu")
    worker = make_user(role=Role.WORKER, name="Kwame Asante")
    job = _make_job(hirer)
    if job is not None:
        _apply(job, worker)
    clients = {"visitor": Client(), "worker": _logged_in(worker), "hirer": _logged_in(hirer)}
    return catalogue.Scene(hirer=hirer, worker=worker, job=job, clients=clients)


def _make_job(hirer):
    from apps.jobs import services

    return services.job_create(
        hirer=hirer,
        title="Rewire a two-bedroom flat",
        trade="electrical",
        description="Old wiring in Kasoa needs replacing, with new sockets in every room.",
        budget_type="fixed",
        budget_min=120000,
        budget_max=120000,
        region="central",
        town="Kasoa",
        publish=True,
    )


def _apply(job, worker):
    from apps.jobs import services

    services.application_create(
        job=job, worker=worker, cover_letter="I rewired flats in Kasoa.", proposed_amount=110000
    )


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="apps.accounts.backends.EmailOrPhoneBackend")
    return client


@pytest.fixture
def surveyed(scene):
    """The healthy survey of every page, run once per process and reused."""
    if "pages" not in _survey_cache:
        _survey_cache["pages"] = catalogue.survey(scene)
    return _survey_cache["pages"]


def row_counts() -> dict[str, int]:
    counts = {}
    for label in DOMAIN_APPS:
        for model in django_apps.get_app_config(label).get_models():
            counts[model._meta.label] = model._default_manager.count()
    return counts


def pages_showing(surveyed, module: str) -> list:
    return [page for page in surveyed if page.owner == module or module in page.fragment_modules]


def test_survey_covers_the_core_pages(surveyed):
    keys = {(page.key, page.persona) for page in surveyed}

    assert ("", "visitor") in keys
    assert ("jobs/", "visitor") in keys
    assert ("workers/", "visitor") in keys
    assert ("dashboard/", "worker") in keys
    assert ("dashboard/", "hirer") in keys
    assert ("jobs/<job>/", "worker") in keys
    assert any(page.is_api for page in surveyed)


@pytest.mark.parametrize("mode", FAILING_MODES)
@pytest.mark.parametrize("module", MODULES)
def test_module_fault_is_contained(scene, surveyed, inject_fault, module, mode):
    affected = pages_showing(surveyed, module)
    if not affected:
        pytest.skip(f"no page shows data of the {module} module yet")
    if mode == "hang" or mode.startswith("slow"):
        affected = one_persona_per_own_page(affected, module)
    inject_fault(module, mode)
    before = row_counts()

    for page in affected:
        response, elapsed, recorder = catalogue.fetch(scene, page)
        where = f"{page.persona} GET {page.build_path(scene)} with {module} {mode}"

        assert elapsed < 2 * VIEW_BUDGET_MS / 1000, where
        if page.owner == module:
            check_own_page(page, response, recorder, module, mode, where)
        else:
            check_hosted_fragments(scene, page, response, recorder, module, where)

    assert row_counts() == before


def one_persona_per_own_page(pages: list, module: str) -> list:
    """Keep one persona per page the module owns: a view's sleep is the same for everyone.

    Each such request waits out the whole view budget, and the module's own pages are
    many; fragments hosted on other modules' pages are still checked for every persona.
    """
    seen = set()
    kept = []
    for page in pages:
        if page.owner == module:
            if page.key in seen:
                continue
            seen.add(page.key)
        kept.append(page)
    return kept


def check_own_page(page, response, recorder, module, mode, where):
    if mode.startswith("slow"):
        # Slower than a fragment's budget but within the view's: the page still responds.
        assert response.status_code == page.status, where
        return
    assert response.status_code == 503, where
    assert response["Retry-After"], where
    errors = [entry for entry in recorder.requests if entry["module"] == module and entry["error"] is not None]
    assert len(errors) == 1, where
    if page.is_api:
        assert response["Content-Type"] == "application/problem+json", where
        assert json.loads(response.content)["module"] == module, where
    else:
        body = response.content.decode()
        assert f'data-module="{module}"' in body, where
        assert 'class="site-header"' in body, where


def check_hosted_fragments(scene, page, response, recorder, module, where):
    body = response.content.decode()
    assert response.status_code == page.status, where
    failing = [entry["outcome"] for entry in recorder.fragments if entry["module"] == module]
    assert failing, where
    # After a few failures the module's breaker opens and its fragments are skipped.
    assert set(failing) <= {"error", "timeout", "breaker_open"}, where
    assert f'data-module="{module}"' in body, where
    assert [entry for entry in recorder.requests if entry["error"] is not None] == [], where
    assert_other_fragments_unchanged(scene, page, recorder, module, where)


def assert_other_fragments_unchanged(scene, page, recorder, module, where):
    """Every other module's fragment has the outcome it had on the healthy page.

    A fragment of another module that timed out is given one more page load: on a
    machine shared by several test runs a healthy fragment can overrun its short test
    budget, while a real containment failure shows up again on the second load.
    """
    changed = _changed_fragments(page, recorder, module)
    if changed and all(outcomes == {"timeout"} for outcomes in changed.values()):
        _, _, recorder = catalogue.fetch(scene, page)
        changed = _changed_fragments(page, recorder, module)
    assert changed == {}, f"{where}: other modules' fragments changed: {changed}"


def _changed_fragments(page, recorder, module) -> dict:
    now = catalogue.outcomes_by_fragment(recorder)
    return {
        key: now.get(key)
        for key, healthy in page.fragment_outcomes.items()
        if key[0] != module and now.get(key) != healthy
    }


@pytest.mark.parametrize("module", MODULES)
def test_query_fault_never_breaks_other_modules(scene, surveyed, inject_fault, module):
    affected = pages_showing(surveyed, module)
    if not affected:
        pytest.skip(f"no page shows data of the {module} module yet")
    inject_fault(f"{module}.db", "raise")

    for page in affected:
        response, _, recorder = catalogue.fetch(scene, page)
        where = f"{page.persona} GET {page.build_path(scene)} with {module}.db raise"

        if page.owner == module:
            # A view that queries fails whole (503); one that does not still responds.
            assert response.status_code in (503, page.status), where
        else:
            assert response.status_code == page.status, where
            assert_other_fragments_unchanged(scene, page, recorder, module, where)


@pytest.mark.parametrize("module", MODULES)
def test_zero_fail_rate_changes_nothing(scene, surveyed, inject_fault, module):
    affected = pages_showing(surveyed, module)
    if not affected:
        pytest.skip(f"no page shows data of the {module} module yet")
    inject_fault(module, "fail-rate=0")

    for page in affected:
        response, _, recorder = catalogue.fetch(scene, page)

        assert response.status_code == page.status, page.key
        assert_other_fragments_unchanged(scene, page, recorder, None, f"{page.persona} {page.key}")
