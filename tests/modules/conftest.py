"""Fixtures for the module layer: clean switch caches, short budgets, signal recorders."""

import pytest

from apps.modules import breaker, faults, maintenance, registry, responses
from apps.modules.signals import fragment_rendered, module_request_finished

# Short budgets keep hang tests quick; a page must still respond well inside 2x these.
FRAGMENT_BUDGET_MS = 700
VIEW_BUDGET_MS = 1500


@pytest.fixture(autouse=True)
def clean_module_state(settings):
    """Give each test fresh switch snapshots, breakers and log limits, and short budgets."""
    settings.KELMAH_FRAGMENT_BUDGET_MS = FRAGMENT_BUDGET_MS
    settings.KELMAH_VIEW_BUDGET_MS = VIEW_BUDGET_MS
    settings.KELMAH_ALLOW_FAULT_INJECTION = True
    _reset()
    yield
    _reset()


def _reset():
    maintenance.reset_cache()
    faults.reset_cache()
    breaker.reset_breakers([module.name for module in registry.all_modules()])
    responses.error_log.reset()


class SignalLog:
    """Collects module_request_finished and fragment_rendered as plain dicts."""

    def __init__(self):
        self.requests: list[dict] = []
        self.fragments: list[dict] = []

    def on_request(self, sender, **kwargs):
        self.requests.append(kwargs)

    def on_fragment(self, sender, **kwargs):
        self.fragments.append(kwargs)

    def clear(self):
        self.requests.clear()
        self.fragments.clear()

    def fragment_outcomes(self, module: str) -> list[str]:
        return [entry["outcome"] for entry in self.fragments if entry["module"] == module]

    def request_errors(self, module: str) -> list:
        return [entry["error"] for entry in self.requests if entry["module"] == module and entry["error"] is not None]


@pytest.fixture
def signals():
    log = SignalLog()
    module_request_finished.connect(log.on_request)
    fragment_rendered.connect(log.on_fragment)
    yield log
    module_request_finished.disconnect(log.on_request)
    fragment_rendered.disconnect(log.on_fragment)


@pytest.fixture
def inject_fault(db):
    """inject_fault(target, mode) sets a real, shared fault rule; every rule is cleared afterwards."""

    def set_fault(target: str, mode: str):
        return faults.fault_set(target=target, spec=mode)

    yield set_fault
    faults.fault_clear()


@pytest.fixture
def probe_site(settings):
    """Register the probe modules and serve the probe pages next to the real site."""
    from apps.modules import registry
    from tests.modules import probe

    settings.ROOT_URLCONF = "tests.modules.probe"
    modules = [probe.host, probe.probe, probe.neighbour]
    for module in modules:
        registry.register(module)
    yield probe
    for module in modules:
        registry.unregister(module.name)
