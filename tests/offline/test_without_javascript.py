"""Without JavaScript the queued forms still post normally."""

import re

import pytest
from playwright.sync_api import expect

from apps.jobs.models import Application
from apps.resilience.models import IdempotencyRecord
from tests.conftest import PASSWORD, make_user
from tests.offline.conftest import make_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_apply_form_posts_without_javascript(browser, live_server, log_in):
    worker = make_user(role="worker", name="Kofi Boateng")
    job = make_job(make_user(role="hirer", name="Ama Mensah"), title="Fix a leaking kitchen sink")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, worker.email, PASSWORD)
        page.goto(f"/jobs/{job.pk}/")
        page.get_by_label("Why are you right for this job?").fill(
            "I have fixed many kitchen sinks in Madina and can come this afternoon with a new trap."
        )
        page.get_by_label("Your price (GH₵)").fill("180")
        with page.expect_request(re.compile(rf"/jobs/{job.pk}/apply/$")) as posted:
            page.get_by_role("button", name="Send application").click()

        expect(page.get_by_text("Your application was sent")).to_be_visible()
        assert posted.value.method == "POST"
        assert "idempotency-key" not in posted.value.headers
        assert "idempotency_key=" in posted.value.post_data
    finally:
        context.close()

    application = Application.objects.get()
    assert application.worker == worker
    assert application.proposed_amount == 18_000
    assert IdempotencyRecord.objects.filter(user=worker).count() == 1
