"""The module registry: every domain app declares itself here.

A module is one domain app seen from the fault-tolerance layer: its name, whether it is
critical, the partials shown when it is failing or switched off, its fragments (pieces
of UI other pages embed), its health check and its error handler. Apps declare their
module in `apps/<app>/module.py`, which ModulesConfig.ready() imports for every
installed app, the way the admin discovers admin.py:

    from apps.modules.registry import Module, register

    module = register(Module("jobs", verbose_name=_("Jobs")))

    @module.fragment("recommended_jobs")
    def recommended_jobs(request, *, limit=5):
        return "jobs/fragments/recommended.html", {"jobs": job_recommend(user=request.user, limit=limit)}
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.urls import ResolverMatch

logger = logging.getLogger(__name__)

DEFAULT_DEGRADED_TEMPLATE = "modules/degraded.html"
DEFAULT_MAINTENANCE_TEMPLATE = "modules/maintenance.html"

HealthStatus = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class HealthResult:
    """Outcome of a module's health check: ok, warn or fail, with a short detail."""

    status: HealthStatus
    detail: str = ""

    def __post_init__(self):
        if self.status not in ("ok", "warn", "fail"):
            raise ValueError(f"Health status must be ok, warn or fail, not {self.status!r}.")


@dataclass
class Fragment:
    """A named piece of a module's UI that other pages render through a boundary.

    `render(request, **kwargs)` returns HTML (a str) or a (template_name, context) pair.
    `params` maps each keyword argument the /fragments/ endpoint accepts to a converter
    (for example int); only fragments with lazy=True are served there.
    """

    module: Module
    name: str
    render: Callable[..., Any]
    login_required: bool = True
    staff_required: bool = False
    lazy: bool = False
    params: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)
    budget_ms: int | None = None
    slot: str | None = None
    order: int = 100
    label: str = ""
    degraded_template: str | None = None
    maintenance_template: str | None = None

    @property
    def key(self) -> str:
        return f"{self.module.name}.{self.name}"

    @property
    def degraded(self) -> str:
        return self.degraded_template or self.module.degraded_template

    @property
    def maintenance(self) -> str:
        return self.maintenance_template or self.module.maintenance_template


class Module:
    """One domain app's declaration: see the module docstring for an example.

    name: the registry key, the maintenance switch and the fault-injection target.
    critical: the site cannot work without it (accounts, the layout); it cannot be
        switched off, and /health/ready fails when its check fails.
    packages: Python packages whose views belong to this module; defaults to the
        package of the installed app whose label equals `name`.
    url_namespaces: URL namespaces whose views belong to this module; defaults to `name`.
    api_prefix: the segment after /api/v1/ that belongs to this module; defaults to `name`.
    health_check: callable with no arguments returning a HealthResult.
    error_handler: callable(request, exception, module) returning a response, or None to
        use the default degraded page or problem+json response.
    """

    def __init__(
        self,
        name: str,
        *,
        verbose_name: str | None = None,
        critical: bool = False,
        degraded_template: str = DEFAULT_DEGRADED_TEMPLATE,
        maintenance_template: str = DEFAULT_MAINTENANCE_TEMPLATE,
        packages: list[str] | None = None,
        url_namespaces: list[str] | None = None,
        api_prefix: str | None = None,
        health_check: Callable[[], HealthResult] | None = None,
        error_handler: Callable[..., Any] | None = None,
    ):
        if not name.isidentifier():
            raise ImproperlyConfigured(f"Module name {name!r} must be a Python identifier.")
        self.name = name
        self.verbose_name = verbose_name or name.replace("_", " ").capitalize()
        self.critical = critical
        self.degraded_template = degraded_template
        self.maintenance_template = maintenance_template
        self.packages = packages
        self.url_namespaces = url_namespaces if url_namespaces is not None else [name]
        self.api_prefix = api_prefix if api_prefix is not None else name
        self.health_check = health_check
        self.error_handler = error_handler
        self.fragments: dict[str, Fragment] = {}

    def __repr__(self) -> str:
        return f"<Module {self.name}>"

    def fragment(self, name: str, **options) -> Callable:
        """Register the decorated function as fragment `name`; options as in Fragment."""

        def decorator(func: Callable) -> Callable:
            self.add_fragment(name, func, **options)
            return func

        return decorator

    def add_fragment(self, name: str, func: Callable, **options) -> Fragment:
        if name in self.fragments and self.fragments[name].render is not func:
            raise ImproperlyConfigured(f"Module {self.name!r} already has a fragment named {name!r}.")
        fragment = Fragment(module=self, name=name, render=func, **options)
        if fragment.params and not fragment.lazy:
            raise ImproperlyConfigured(f"Fragment {fragment.key} declares params but not lazy=True.")
        self.fragments[name] = fragment
        return fragment

    def check_health(self) -> HealthResult:
        """Run the module's health check; an exception in it is reported as a failure.

        Maintenance and breaker state are not folded in here: monitoring reports them
        next to this result, so an operator sees each cause separately.
        """
        if self.health_check is None:
            return HealthResult("ok", "no health check declared")
        try:
            result = self.health_check()
        except Exception as error:
            logger.warning("Health check of module %s raised %r", self.name, error, extra={"module_name": self.name})
            return HealthResult("fail", f"health check raised {type(error).__name__}")
        if not isinstance(result, HealthResult):
            return HealthResult("fail", f"health check returned {type(result).__name__}, not HealthResult")
        return result


_modules: dict[str, Module] = {}


def register(module: Module) -> Module:
    """Add `module` to the registry and return it; a second module with the name is an error."""
    existing = _modules.get(module.name)
    if existing is not None and existing is not module:
        raise ImproperlyConfigured(f"A module named {module.name!r} is already registered.")
    if module.packages is None:
        module.packages = _default_packages(module.name)
    _modules[module.name] = module
    return module


def unregister(name: str) -> None:
    _modules.pop(name, None)


@contextmanager
def registered(module: Module) -> Iterator[Module]:
    """Register `module` for the duration of a block; tests use it for throwaway modules."""
    register(module)
    try:
        yield module
    finally:
        unregister(module.name)


def _default_packages(name: str) -> list[str]:
    try:
        return [apps.get_app_config(name).name]
    except LookupError:
        return []


def get_module(name: str) -> Module:
    """Return the module called `name`; raise LookupError when there is none."""
    try:
        return _modules[name]
    except KeyError:
        raise LookupError(f"No module named {name!r} is registered.") from None


def get_fragment(module_name: str, fragment_name: str) -> Fragment:
    """Return the fragment; raise LookupError when the module or the fragment is unknown."""
    module = get_module(module_name)
    try:
        return module.fragments[fragment_name]
    except KeyError:
        raise LookupError(f"Module {module_name!r} has no fragment named {fragment_name!r}.") from None


def all_modules() -> list[Module]:
    return sorted(_modules.values(), key=lambda module: module.name)


def slot_fragments(slot: str) -> list[Fragment]:
    """Return every registered fragment declared for `slot`, in (order, module, name) order."""
    found = [
        fragment for module in _modules.values() for fragment in module.fragments.values() if fragment.slot == slot
    ]
    return sorted(found, key=lambda fragment: (fragment.order, fragment.module.name, fragment.name))


def module_for_match(match: ResolverMatch | None, path: str = "") -> Module | None:
    """Return the module that owns a resolved URL, or None for URLs no module owns.

    Checked in order: the URL namespaces, the package of the view function, then the
    /api/v1/<prefix>/ path segment (API views are mounted under the shared "api"
    namespace, so their namespace says nothing about the app).
    """
    if match is None:
        return None
    for namespace in match.namespaces:
        for module in _modules.values():
            if namespace in module.url_namespaces:
                return module

    view = getattr(match.func, "view_class", match.func)
    view_module = getattr(view, "__module__", "") or ""
    best: Module | None = None
    best_length = -1
    for module in _modules.values():
        for package in module.packages or ():
            if (view_module == package or view_module.startswith(package + ".")) and len(package) > best_length:
                best, best_length = module, len(package)
    if best is not None:
        return best

    if path.startswith("/api/v1/"):
        prefix = path[len("/api/v1/") :].split("/", 1)[0]
        for module in _modules.values():
            if module.api_prefix == prefix:
                return module
    return None


def autodiscover() -> None:
    """Import `module.py` (or the path in AppConfig.kelmah_module) of every installed app."""
    for config in apps.get_app_configs():
        dotted = getattr(config, "kelmah_module", None) or f"{config.name}.module"
        if importlib.util.find_spec(config.name) is None:
            continue
        try:
            spec = importlib.util.find_spec(dotted)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            if getattr(config, "kelmah_module", None):
                raise ImproperlyConfigured(f"{config.name}: kelmah_module {dotted!r} cannot be imported.")
            continue
        importlib.import_module(dotted)
