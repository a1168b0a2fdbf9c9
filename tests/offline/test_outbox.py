"""Writes made offline wait in the outbox and are stored exactly once when the connection returns."""

import pytest
from playwright.sync_api import expect

from apps.jobs.models import Application
from apps.messaging.models import Message
from apps.resilience.models import IdempotencyRecord
from tests.conftest import PASSWORD, make_user
from tests.offline.conftest import make_conversation, make_job
from tests.offline.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT_MS = 15_000


def fill_application(page) -> None:
    page.get_by_label("Why are you right for this job?").fill(
        "I have fixed many kitchen sinks in Madina and can come this afternoon with a new trap."
    )
    page.get_by_label("Your price (GH₵)").fill("180")


def outbox_items(page) -> list[dict]:
    return page.evaluate("() => window.kelmahOutbox.all()")


def wait_for_empty_outbox(page) -> None:
    wait_until(page, "async () => (await window.kelmahOutbox.all()).length === 0", timeout_ms=WAIT_MS)


def wait_for_rows(page, queryset, expected: int) -> None:
    """Wait up to WAIT_MS for `queryset` to count `expected` rows, then check it stays there.

    The live server handles the replay in another thread, so the test polls instead of
    reading once at the moment the outbox empties.
    """
    for _ in range(WAIT_MS // 250):
        if queryset.count() >= expected:
            break
        page.wait_for_timeout(250)
    page.wait_for_timeout(500)  # a duplicate from a late replay would land in this time
    assert queryset.count() == expected


def queue_application_offline(page, context, job) -> None:
    page.goto(f"/jobs/{job.pk}/")
    context.set_offline(True)
    fill_application(page)
    page.get_by_role("button", name="Send application").click()

    outbox = page.locator("#offline-outbox")
    expect(outbox).to_be_visible()
    expect(outbox).to_contain_text(f"Application for {job.title}")


def test_application_sent_offline_is_stored_once(page, offline_context, log_in):
    worker = make_user(role="worker", name="Kofi Boateng")
    job = make_job(make_user(role="hirer", name="Ama Mensah"), title="Fix a leaking kitchen sink")
    log_in(page, worker.email, PASSWORD)

    queue_application_offline(page, offline_context, job)

    assert len(outbox_items(page)) == 1
    assert Application.objects.count() == 0

    offline_context.set_offline(False)
    wait_for_empty_outbox(page)
    expect(page.locator("#offline-outbox")).to_be_hidden()
    wait_for_rows(page, Application.objects.all(), 1)

    application = Application.objects.get()
    assert application.job == job
    assert application.worker == worker
    assert application.proposed_amount == 18_000
    assert IdempotencyRecord.objects.filter(user=worker).count() == 1

    # Later replays (page loads, the 15-second timer) find nothing left to send.
    page.evaluate("() => window.kelmahOutbox.replay()")
    page.reload()
    assert outbox_items(page) == []
    assert Application.objects.count() == 1


def test_overlapping_replays_store_one_application(page, offline_context, log_in):
    worker = make_user(role="worker", name="Kofi Boateng")
    job = make_job(make_user(role="hirer", name="Ama Mensah"), title="Fix a leaking kitchen sink")
    log_in(page, worker.email, PASSWORD)
    queue_application_offline(page, offline_context, job)
    # A second tab of the same person shares the same outbox.
    other_tab = offline_context.new_page()
    other_tab.goto("data:text/html,")

    offline_context.set_offline(False)
    other_tab.goto(f"/jobs/{job.pk}/")
    page.evaluate("() => { window.kelmahOutbox.replay(); window.kelmahOutbox.replay(); }")
    other_tab.evaluate("() => { window.kelmahOutbox.replay(); }")
    wait_for_empty_outbox(page)

    wait_for_rows(page, Application.objects.filter(job=job, worker=worker), 1)
    assert IdempotencyRecord.objects.filter(user=worker).count() == 1
    other_tab.close()


def test_message_sent_offline_is_stored_once(page, offline_context, log_in):
    hirer = make_user(role="hirer", name="Ama Mensah")
    worker = make_user(role="worker", name="Kofi Boateng")
    conversation = make_conversation(
        hirer=hirer, worker=worker, title="Fix a leaking kitchen sink", first_message="When can you come?"
    )
    log_in(page, worker.email, PASSWORD)
    page.goto(f"/messages/{conversation.public_id}/")

    offline_context.set_offline(True)
    page.get_by_role("textbox", name="Message").fill("I will come at four with the new trap.")
    page.get_by_role("button", name="Send", exact=True).click()
    outbox = page.locator("#offline-outbox")
    expect(outbox).to_contain_text("Message to Ama")
    assert not Message.objects.filter(sender=worker).exists()

    offline_context.set_offline(False)
    page.evaluate("() => { window.kelmahOutbox.replay(); window.kelmahOutbox.replay(); }")
    wait_for_empty_outbox(page)
    sent = Message.objects.filter(sender=worker)
    wait_for_rows(page, sent, 1)

    assert [message.body for message in sent] == ["I will come at four with the new trap."]
    assert sent.get().conversation == conversation
    # Every replay of the key gets the stored redirect to this one message.
    record = IdempotencyRecord.objects.get(user=worker)
    assert record.headers["Location"].endswith(f"#message-{sent.get().pk}")
    page.reload()
    expect(page.get_by_text("I will come at four with the new trap.")).to_have_count(1)


def test_rejected_application_stays_listed(page, offline_context, log_in):
    worker = make_user(role="worker", name="Kofi Boateng")
    job = make_job(make_user(role="hirer", name="Ama Mensah"), title="Fix a leaking kitchen sink")
    log_in(page, worker.email, PASSWORD)
    page.goto(f"/jobs/{job.pk}/")
    offline_context.set_offline(True)
    page.get_by_label("Why are you right for this job?").fill("Too short.")
    page.get_by_label("Your price (GH₵)").fill("-5")
    page.get_by_role("button", name="Send application").click()
    expect(page.locator("#offline-outbox")).to_contain_text(f"Application for {job.title}")

    offline_context.set_offline(False)
    page.evaluate("() => window.kelmahOutbox.replay()")

    outbox = page.locator("#offline-outbox")
    expect(outbox).to_contain_text("The server rejected this")
    [item] = outbox_items(page)
    assert item["error"]
    assert Application.objects.count() == 0

    # Another page keeps it listed and never resends it; its form's page shows it a last time.
    page.goto("/jobs/")
    expect(outbox).to_contain_text("The server rejected this")
    page.evaluate("() => window.kelmahOutbox.replay()")
    page.goto(f"/jobs/{job.pk}/")
    expect(outbox).to_contain_text("The server rejected this")
    wait_for_empty_outbox(page)
    page.reload()
    expect(outbox).to_be_hidden()
    assert Application.objects.count() == 0


def test_queued_application_survives_new_login(page, offline_context, log_in):
    worker = make_user(role="worker", name="Kofi Boateng")
    job = make_job(make_user(role="hirer", name="Ama Mensah"), title="Fix a leaking kitchen sink")
    log_in(page, worker.email, PASSWORD)
    queue_application_offline(page, offline_context, job)

    # The session ends while the phone is offline; the replay meets the login page.
    offline_context.clear_cookies()
    offline_context.set_offline(False)
    page.evaluate("() => window.kelmahOutbox.replay()")
    assert len(outbox_items(page)) == 1
    assert Application.objects.count() == 0

    # After logging in again (a new session and CSRF token) it is sent once.
    log_in(page, worker.email, PASSWORD)
    wait_for_empty_outbox(page)
    wait_for_rows(page, Application.objects.filter(job=job, worker=worker), 1)
