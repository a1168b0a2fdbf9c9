"""Two people share one phone: no cache ever shows one person's private pages to anyone.

Private pages are sent `private, no-store`, the service worker never stores them, and
logging out clears the site's caches and storage (Clear-Site-Data) and the outbox.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_user
from tests.offline.conftest import make_conversation
from tests.offline.helpers import cached_entries, open_offline, wait_for_service_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_SECRET = "The gate code at Madina is 4417"
SECOND_SECRET = "The shop key is under the blue mat"
PRIVATE_PREFIXES = ("/messages/", "/payments/", "/dashboard/", "/contracts/", "/notifications/")


def view_private_pages(page, conversation, secret: str) -> list[str]:
    """Open the inbox, a conversation and the payments page; return their Cache-Control headers."""
    headers = []
    for path in ("/messages/", f"/messages/{conversation.public_id}/", "/payments/"):
        response = page.goto(path)
        assert response.status == 200, path
        headers.append(response.headers.get("cache-control", ""))
    page.goto(f"/messages/{conversation.public_id}/")
    expect(page.get_by_text(secret)).to_be_visible()
    return headers


def assert_no_private_data(text: str) -> None:
    assert FIRST_SECRET not in text
    assert SECOND_SECRET not in text


def assert_caches_hold_no_private_page(page) -> None:
    for entry in cached_entries(page):
        assert not entry["url"].startswith(PRIVATE_PREFIXES), entry["url"]
        assert "private" not in entry["cacheControl"], entry["url"]
        assert "no-store" not in entry["cacheControl"], entry["url"]
        assert "data-user=" not in entry["body"], entry["url"]
        assert_no_private_data(entry["body"])


def test_shared_phone_never_shows_private_pages(page, offline_context, log_in):
    first = make_user(role="worker", name="Kofi Boateng")
    second = make_user(role="hirer", name="Nii Tetteh")
    first_talk = make_conversation(
        hirer=make_user(role="hirer", name="Ama Mensah"),
        worker=first,
        title="Fix a leaking kitchen sink",
        first_message=FIRST_SECRET,
    )
    second_talk = make_conversation(
        hirer=second,
        worker=make_user(role="worker", name="Yaw Owusu"),
        title="Weld a gate for the shop",
        first_message=SECOND_SECRET,
    )

    # The first person reads their messages and payments, then logs out.
    log_in(page, first.email, PASSWORD)
    wait_for_service_worker(page)
    assert view_private_pages(page, first_talk, FIRST_SECRET) == ["private, no-store"] * 3
    assert_caches_hold_no_private_page(page)
    with page.expect_response(re.compile(r"/accounts/logout/$")) as logout:
        page.get_by_role("button", name="Log out").click()
    assert logout.value.all_headers()["clear-site-data"] == '"cache", "storage"'
    page.wait_for_load_state()

    # Offline, their pages are gone.
    offline_context.set_offline(True)
    for path in ("/messages/", f"/messages/{first_talk.public_id}/", "/payments/"):
        assert_no_private_data(open_offline(page, path))
    offline_context.set_offline(False)

    # The second person logs in on the same browser, reads their own pages, goes offline.
    log_in(page, second.email, PASSWORD)
    wait_for_service_worker(page)
    assert view_private_pages(page, second_talk, SECOND_SECRET) == ["private, no-store"] * 3
    offline_context.set_offline(True)
    for path in (
        "/messages/",
        f"/messages/{first_talk.public_id}/",
        f"/messages/{second_talk.public_id}/",
        "/payments/",
        "/dashboard/",
    ):
        text = open_offline(page, path)
        assert_no_private_data(text)
        assert "Kofi Boateng" not in text
    assert_caches_hold_no_private_page(page)


def test_logout_empties_outbox_and_page_cache(page, offline_context, log_in):
    worker = make_user(role="worker", name="Kofi Boateng")
    log_in(page, worker.email, PASSWORD)
    wait_for_service_worker(page)
    # A queued write and a cached page left from before, as an older worker version might leave.
    page.evaluate(
        """async () => {
          const cache = await caches.open("kelmah-v1-pages");
          await cache.put("/messages/", new Response("<p>left over</p>"));
          await new Promise((resolve, reject) => {
            const open = indexedDB.open("kelmah-offline", 1);
            open.onupgradeneeded = () => open.result.createObjectStore("outbox", { keyPath: "key" });
            open.onsuccess = () => {
              const tx = open.result.transaction("outbox", "readwrite");
              tx.objectStore("outbox").put({ key: "k1", url: "/jobs/1/apply/", body: [], user: "1", label: "x" });
              tx.oncomplete = resolve;
              tx.onerror = () => reject(tx.error);
            };
          });
        }"""
    )

    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()

    assert page.evaluate("() => window.kelmahOutbox.all()") == []
    assert [entry["url"] for entry in cached_entries(page) if entry["url"] == "/messages/"] == []
