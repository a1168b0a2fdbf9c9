"""In a real browser: a hirer funds a milestone through the fake provider, the worker delivers
with a photo, the hirer approves, and the worker is paid out to a verified wallet."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from apps.accounts.models import Role
from apps.payments.models import Payout
from apps.payments.payouts import payouts_poll
from apps.payments.selectors import escrow_balance
from tests.browser.conftest import browser, live_server, log_in, page  # noqa: F401
from tests.conftest import PASSWORD, make_user
from tests.contracts.factories import first_milestone, make_contract
from tests.payments.conftest import run_outbox

pytestmark = pytest.mark.browser


def expect_text(target, text):
    from playwright.sync_api import expect

    expect(target.locator("main")).to_contain_text(text)


@pytest.fixture
def photo_file(tmp_path):
    path = tmp_path / "finished-sink.png"
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 120, 200)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_escrow_funded_delivered_approved_and_paid_out(page, browser, live_server, log_in, fakepay, photo_file):  # noqa: F811
    hirer = make_user(role=Role.HIRER, name="Ama Mensah", phone="+233245550900")
    worker = make_user(role=Role.WORKER, name="Kofi Boateng", phone="+233245550901")
    contract = make_contract(hirer=hirer, worker=worker, amount=45_000)
    milestone = first_milestone(contract)
    contract_url = f"/contracts/{contract.public_id}/"

    # The hirer funds the milestone from an MTN wallet.
    log_in(page, hirer.email, PASSWORD)
    page.goto(contract_url)
    page.get_by_role("link", name="Fund this milestone").click()
    assert page.get_by_label("MTN Mobile Money").is_checked()
    page.get_by_label(re.compile("Wallet number")).fill("055 123 4987")
    page.get_by_role("button", name=re.compile(r"Pay GH₵ 450\.00")).click()
    page.wait_for_url(re.compile(r"/payments/collections/"))
    expect_text(page, "Paid. Receipt")
    assert escrow_balance(milestone) == 45_000

    # The worker sees it funded, starts, delivers with a photo and adds a payout wallet.
    worker_context = browser.new_context(base_url=live_server.url)
    worker_page = worker_context.new_page()
    log_in(worker_page, worker.email, PASSWORD)
    worker_page.goto(contract_url)
    expect_text(worker_page, "Funded")
    worker_page.get_by_role("button", name="Start work").click()
    worker_page.get_by_role("link", name="Deliver with photos").click()
    worker_page.get_by_label("Note to the hirer").fill("The sink no longer leaks.")
    worker_page.get_by_label(re.compile("Photos of the finished work")).set_input_files(str(photo_file))
    worker_page.get_by_role("button", name="Deliver the work").click()
    expect_text(worker_page, "Delivered")
    worker_page.goto("/payments/payout-method/")
    worker_page.get_by_label(re.compile("Wallet number")).fill("024 123 4560")
    worker_page.get_by_role("button", name="Verify and save").click()
    expect_text(worker_page, "Your payout wallet is verified")

    # The hirer sees the photo and approves; the background worker then sends the payout.
    page.goto(contract_url)
    assert page.get_by_role("img", name="Photo of the delivered work").count() == 1
    page.get_by_role("button", name="Approve and pay").click()
    expect_text(page, "The payment is on its way to the worker")
    run_outbox()
    payouts_poll(now=timezone.now() + timedelta(minutes=10))

    payout = Payout.objects.get(milestone=milestone)
    assert payout.status == "succeeded"
    worker_page.goto(contract_url)
    expect_text(worker_page, "Paid out")
    worker_page.goto("/payments/")
    expect_text(worker_page, "GH₵ 405.00")
    worker_context.close()
