"""The catalogue of pages the fault matrix requests, discovered from the URLconf.

Every GET-able URL without parameters that a registered module owns is included, plus
the pages that need an object (job detail, worker profile and their API twins). Each is
requested as a visitor, a worker and a hirer. A healthy run of every page records its
status and which modules' fragments rendered on it, so the matrix finds the pages that show
a module's data without anyone listing them; new pages and fragments join automatically.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from apps.modules import registry
from apps.modules.signals import fragment_rendered, module_request_finished

PERSONAS = ("visitor", "worker", "hirer")

# Not pages a user browses: operator tools, health probes, the fragments endpoint itself,
# and actions that only make sense as POST.
SKIPPED_PREFIXES = (
    "admin/",
    "api/v1/schema/",
    "api/v1/docs/",
    "fragments/",
    "health",
    "metrics",
    "sw.js",
    "offline/",
    "accounts/logout/",
    "probe/",
    "api/v1/probe/",
)


@dataclass
class Scene:
    hirer: object
    worker: object
    job: object
    clients: dict[str, Client]


@dataclass
class Page:
    """One page as one persona: its key, how to build its path, and what a healthy run showed."""

    key: str
    persona: str
    build_path: Callable[[Scene], str]
    owner: str | None = None
    status: int = 0
    fragment_modules: set[str] = field(default_factory=set)
    fragment_outcomes: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    @property
    def is_api(self) -> bool:
        return self.key.startswith("api/")


def _walk(patterns, prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        route = getattr(pattern.pattern, "_route", None)
        if route is None:
            continue
        if isinstance(pattern, URLResolver):
            routes.extend(_walk(pattern.url_patterns, prefix + route))
        elif isinstance(pattern, URLPattern) and "<" not in route:
            routes.append(prefix + route)
    return routes


def _object_pages() -> list[tuple[str, Callable[[Scene], str]]]:
    return [
        ("jobs/<job>/", lambda scene: f"/jobs/{scene.job.pk}/"),
        ("workers/<worker>/", lambda scene: f"/workers/{scene.worker.pk}/"),
        ("api/v1/jobs/<job>/", lambda scene: f"/api/v1/jobs/{scene.job.pk}/"),
        ("api/v1/workers/<worker>/", lambda scene: f"/api/v1/workers/{scene.worker.pk}/"),
    ]


def candidate_pages() -> list[Page]:
    pages = []
    routes = [route for route in _walk(get_resolver().url_patterns) if not route.startswith(SKIPPED_PREFIXES)]
    builders = [(route, lambda scene, route=route: "/" + route) for route in sorted(set(routes))]
    for key, build in builders + _object_pages():
        for persona in PERSONAS:
            pages.append(Page(key=key, persona=persona, build_path=build))
    return pages


class Recorder:
    """Records the signals of one request."""

    def __init__(self):
        self.fragments: list[dict] = []
        self.requests: list[dict] = []

    def __enter__(self):
        fragment_rendered.connect(self._on_fragment)
        module_request_finished.connect(self._on_request)
        return self

    def __exit__(self, *exc_info):
        fragment_rendered.disconnect(self._on_fragment)
        module_request_finished.disconnect(self._on_request)

    def _on_fragment(self, sender, **kwargs):
        self.fragments.append(kwargs)

    def _on_request(self, sender, **kwargs):
        self.requests.append(kwargs)


def fetch(scene: Scene, page: Page):
    """Request `page`; return (response, seconds, Recorder)."""
    client = scene.clients[page.persona]
    path = page.build_path(scene)
    with Recorder() as recorder:
        started = time.monotonic()
        response = client.get(path, HTTP_ACCEPT="application/json" if page.is_api else "text/html")
        elapsed = time.monotonic() - started
    return response, elapsed, recorder


def outcomes_by_fragment(recorder: Recorder) -> dict[tuple[str, str], set[str]]:
    outcomes: dict[tuple[str, str], set[str]] = {}
    for entry in recorder.fragments:
        outcomes.setdefault((entry["module"], entry["fragment"]), set()).add(entry["outcome"])
    return outcomes


def survey(scene: Scene) -> list[Page]:
    """Run every candidate page once, healthy, and keep those that respond to a GET."""
    kept = []
    for page in candidate_pages():
        path = page.build_path(scene)
        try:
            match = resolve(path)
        except Resolver404:
            continue
        module = registry.module_for_match(match, path)
        if module is None:
            continue
        response, _, recorder = fetch(scene, page)
        if response.status_code not in (200, 302):
            continue
        page.owner = module.name
        page.status = response.status_code
        page.fragment_modules = {entry["module"] for entry in recorder.fragments if entry["outcome"] == "ok"}
        page.fragment_outcomes = outcomes_by_fragment(recorder)
        kept.append(page)
    return kept
