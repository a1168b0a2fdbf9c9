"""The core marketplace flow in headless Chromium, through the real pages only.

A hirer signs up and posts a job, a worker signs up, finds the job by keyword search and
applies with a quote, and the hirer accepts the application.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from apps.jobs.models import Application, ApplicationStatus, Job, JobStatus

User = get_user_model()
pytestmark = pytest.mark.browser

PASSWORD = "Kente-weaver-2026"


def sign_up(page, *, role_label: str, name: str, email: str, phone: str) -> None:
    page.goto("/accounts/register/")
    page.get_by_label(role_label).check()
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Phone number").fill(phone)
    page.get_by_label(re.compile(r"^Password(?! again)")).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def continue_step(page) -> None:
    page.get_by_role("button", name="Continue").click()


def post_job(page, *, title: str) -> None:
    page.get_by_role("link", name="Post a job").first.click()
    page.get_by_label("Job title").fill(title)
    page.get_by_label("Trade").select_option(label="Tiling")
    page.get_by_label("Describe the work").fill(
        "Tile the veranda floor, about 20 square metres. Tiles are bought; bring cutter and spacers."
    )
    continue_step(page)

    page.get_by_role("radio", name="Fixed amount").check()
    page.get_by_label("Fixed amount (GH₵)").fill("1200")
    continue_step(page)

    page.get_by_label("Region").select_option(label="Ashanti")
    page.get_by_label("Town or area").fill("Ejisu")
    continue_step(page)

    continue_step(page)  # the schedule step keeps its defaults
    page.get_by_role("button", name="Publish job").click()
    expect(page.get_by_text("Your job is published")).to_be_visible()


def test_hirer_posts_worker_applies_hirer_accepts(browser, page, live_server):
    title = "Tile the veranda at Ejisu"

    # The hirer signs up and posts a job.
    sign_up(page, role_label="Hire workers", name="Akua Mensah", email="akua@example.com", phone="0244123456")
    post_job(page, title=title)
    job = Job.objects.get(title=title)
    assert job.status == JobStatus.OPEN
    assert job.budget_min == job.budget_max == 120_000

    # A worker signs up in another browser, searches and applies.
    worker_context = browser.new_context(base_url=live_server.url)
    worker_page = worker_context.new_page()
    worker_page.set_default_timeout(10_000)
    sign_up(worker_page, role_label="Find work", name="Yaw Dzokoto", email="yaw@example.com", phone="0551234567")
    worker_page.goto("/jobs/")
    worker_page.get_by_label("Keywords").fill("veranda")
    worker_page.get_by_role("button", name="Search").click()
    worker_page.get_by_role("link", name=title).click()
    worker_page.get_by_label("Why are you right for this job?").fill(
        "I have tiled many verandas in Ejisu and Kumasi. I can start on Monday and finish in two days."
    )
    worker_page.get_by_label("Your price (GH₵)").fill("1100")
    worker_page.get_by_role("button", name="Send application").click()
    expect(worker_page.get_by_role("button", name="Withdraw application")).to_be_visible()
    application = Application.objects.get(job=job, worker__email="yaw@example.com")
    assert application.status == ApplicationStatus.PENDING
    assert application.proposed_amount == 110_000

    # The hirer opens the applicants page and accepts.
    page.goto(f"/jobs/{job.pk}/applicants/")
    expect(page.get_by_text("Yaw Dzokoto")).to_be_visible()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text(re.compile("Awarded", re.IGNORECASE)).first).to_be_visible()

    application.refresh_from_db()
    job.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert job.status == JobStatus.AWARDED

    # The worker's dashboard now lists the application as accepted.
    worker_page.goto("/dashboard/")
    expect(worker_page.get_by_text("Accepted").first).to_be_visible()
    expect(worker_page.get_by_role("link", name=title)).to_be_visible()
    worker_context.close()
