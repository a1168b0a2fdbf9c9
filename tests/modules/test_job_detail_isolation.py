"""A fragment on the job detail page that raises leaves the rest of the page intact.

Whichever fragments the job detail page shows (the messaging panel among them once it is
there) are made to fail for real, one at a time: a template error, and a Redis call to a
port that refuses connections.
"""

import logging

import pytest
import redis
from django.template import TemplateSyntaxError
from redis.backoff import NoBackoff
from redis.retry import Retry

from apps.modules import registry
from apps.modules.boundary import placeholder
from tests.modules.pages import Recorder
from tests.support.faults import closed_port

pytestmark = pytest.mark.django_db


def raise_template_error(request, **kwargs):
    raise TemplateSyntaxError("Invalid block tag on line 7: 'endblock'")


def raise_redis_error(request, **kwargs):
    client = redis.Redis(port=closed_port(), socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    return str(client.get("kelmah:unread"))


@pytest.fixture
def job_page(hirer_client, hirer, worker):
    from apps.jobs import services

    job = services.job_create(
        hirer=hirer,
        title="Tile a bathroom floor in Tema",
        trade="masonry",
        description="About 6 square metres of floor tiles, materials supplied.",
        budget_type="fixed",
        budget_min=80000,
        budget_max=80000,
        region="greater-accra",
        town="Tema",
        publish=True,
    )
    services.application_create(job=job, worker=worker, cover_letter="I tile floors.", proposed_amount=75000)
    return job


def fragments_on(client, path) -> list[tuple[str, str]]:
    with Recorder() as recorder:
        response = client.get(path)
    assert response.status_code == 200
    return sorted({(entry["module"], entry["fragment"]) for entry in recorder.fragments if entry["outcome"] == "ok"})


def others_outcome(recorder, module_name, fragment_name) -> str | None:
    for entry in recorder.fragments:
        if (entry["module"], entry["fragment"]) == (module_name, fragment_name):
            return entry["outcome"]
    return None


@pytest.mark.parametrize("failure", [raise_template_error, raise_redis_error], ids=["template_error", "redis_error"])
def test_failing_fragment_on_job_detail_is_contained(hirer_client, job_page, caplog, failure):
    path = f"/jobs/{job_page.pk}/"
    healthy = fragments_on(hirer_client, path)
    messaging_first = sorted(healthy, key=lambda key: key[0] != "messaging")
    if not healthy:
        pytest.skip("the job detail page shows no fragments yet")

    for module_name, fragment_name in messaging_first:
        fragment = registry.get_fragment(module_name, fragment_name)
        original = fragment.render
        fragment.render = failure
        try:
            with caplog.at_level(logging.ERROR, logger="apps.modules.boundary"), Recorder() as recorder:
                response = hirer_client.get(path)
        finally:
            fragment.render = original

        body = response.content.decode()
        assert response.status_code == 200
        assert "Tile a bathroom floor in Tema" in body
        assert 'class="site-header"' in body
        assert placeholder(fragment, "degraded", state="error") in body
        assert others_outcome(recorder, module_name, fragment_name) == "error"
        others = {(entry["module"], entry["fragment"]): entry["outcome"] for entry in recorder.fragments}
        for key in healthy:
            if key != (module_name, fragment_name):
                assert others.get(key) == "ok", key
        logged = [record for record in caplog.records if getattr(record, "fragment", None) == fragment_name]
        assert logged, f"no log record names {module_name}.{fragment_name}"
        caplog.clear()
        # One fault per page view: close the breaker the failure just counted against.
        from apps.modules.breaker import reset_breakers

        reset_breakers([module_name])


def test_worker_sees_job_detail_with_messaging_down(worker_client, job_page, inject_fault):
    inject_fault("messaging", "raise")

    response = worker_client.get(f"/jobs/{job_page.pk}/")

    assert response.status_code == 200
    assert "Tile a bathroom floor in Tema" in response.content.decode()
