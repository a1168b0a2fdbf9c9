"""Fixtures for the offline tests: the shared browser fixtures plus a job and a conversation.

The service worker needs a real origin, so every test here runs against the live server on
127.0.0.1 in headless Chromium, and goes offline with context.set_offline().
"""

import pytest

from apps.jobs.models import Application, Job
from apps.messaging.services import conversation_for_job, message_send
from tests.browser.conftest import browser, live_server, log_in, page  # noqa: F401  (shared fixtures)


def make_job(hirer, *, title: str) -> Job:
    return Job.objects.create(
        hirer=hirer,
        title=title,
        trade="plumbing",
        description="The kitchen sink leaks under the basin; bring a new trap.",
        budget_min=20_000,
        budget_max=20_000,
        region="greater-accra",
        town="Madina",
        status="open",
    )


def make_conversation(*, hirer, worker, title: str, first_message: str):
    """Return a conversation about a new job of `hirer` that `worker` applied to."""
    job = make_job(hirer, title=title)
    Application.objects.create(job=job, worker=worker, cover_letter="I can fix it today.", proposed_amount=18_000)
    conversation = conversation_for_job(job=job, worker=worker, actor=hirer)
    message_send(conversation=conversation, sender=hirer, body=first_message)
    return conversation


@pytest.fixture
def offline_context(page):  # noqa: F811  (the shared page fixture)
    """Return the page's browser context and put it back online after the test."""
    context = page.context
    yield context
    context.set_offline(False)
