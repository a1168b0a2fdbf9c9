import re

import pytest
from django.conf import settings
from django.utils.translation.template import templatize

from apps.notifications.models import Notification, Preference
from apps.notifications.services import notify

pytestmark = pytest.mark.django_db


def make_notifications(user, count=3):
    return [
        notify(user=user, event="contract.updated", title=f"Update {n}", body="", link="/contracts/")
        for n in range(count)
    ]


# Pages --------------------------------------------------------------------------------


def test_list_page_shows_own_notifications(worker, worker_client, hirer):
    make_notifications(worker, 2)
    notify(user=hirer, event="contract.updated", title="For the hirer only", body="")

    response = worker_client.get("/notifications/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Update 0" in html
    assert "Update 1" in html
    assert "For the hirer only" not in html
    assert "Mark all 2 as read" in html


def test_list_page_needs_login(client):
    assert client.get("/notifications/").status_code == 302


def test_mark_one_read(worker, worker_client):
    first, second = make_notifications(worker, 2)

    response = worker_client.post(f"/notifications/{first.pk}/read/")

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_mark_someone_elses_notification_is_404(worker, stranger_client):
    [notification] = make_notifications(worker, 1)

    assert stranger_client.post(f"/notifications/{notification.pk}/read/").status_code == 404
    assert stranger_client.post(f"/notifications/{notification.pk}/open/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_read_needs_post(worker, worker_client):
    [notification] = make_notifications(worker, 1)

    assert worker_client.get(f"/notifications/{notification.pk}/read/").status_code == 405


def test_open_marks_read_and_follows_local_link(worker, worker_client):
    [notification] = make_notifications(worker, 1)

    response = worker_client.post(f"/notifications/{notification.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == "/contracts/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_open_never_follows_outside_link(worker, worker_client):
    notification = notify(user=worker, event="contract.updated", title="x", body="", link="https://evil.example/")

    response = worker_client.post(f"/notifications/{notification.pk}/open/")

    assert response["Location"] == "/notifications/"


def test_mark_all_read(worker, worker_client, hirer):
    make_notifications(worker, 3)
    [other] = make_notifications(hirer, 1)

    worker_client.post("/notifications/read-all/")

    assert not Notification.objects.filter(user=worker, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_settings_page_saves_choices(worker, worker_client):
    page = worker_client.get("/notifications/settings/")
    assert page.status_code == 200
    assert 'name="payment.updated:sms"' in page.content.decode()
    assert 'name="application.accepted:email"' not in page.content.decode()

    response = worker_client.post("/notifications/settings/", {"payment.updated:in_app": "on"})

    assert response.status_code == 302
    stored = {(p.event, p.channel): p.enabled for p in Preference.objects.filter(user=worker)}
    assert stored[("payment.updated", "in_app")] is True
    assert stored[("payment.updated", "sms")] is False
    assert stored[("payment.updated", "email")] is False
    assert ("application.accepted", "email") not in stored


# API ----------------------------------------------------------------------------------


def test_api_lists_and_counts(worker, as_api):
    make_notifications(worker, 3)
    client = as_api(worker)

    listing = client.get("/api/v1/notifications/").json()
    count = client.get("/api/v1/notifications/unread-count/").json()

    assert listing["count"] == 3
    assert [row["title"] for row in listing["results"]] == ["Update 2", "Update 1", "Update 0"]
    assert count == {"unread": 3}


def test_api_needs_authentication(api_client):
    for url in ("/api/v1/notifications/", "/api/v1/notifications/unread-count/", "/api/v1/notifications/preferences/"):
        assert api_client.get(url).status_code == 401
    assert api_client.post("/api/v1/notifications/read-all/").status_code == 401


def test_api_mark_read_of_other_user_is_404(worker, stranger, as_api):
    [notification] = make_notifications(worker, 1)

    response = as_api(stranger).post(f"/api/v1/notifications/{notification.pk}/read/")

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_api_mark_read_and_all(worker, as_api):
    first, _, _ = make_notifications(worker, 3)
    client = as_api(worker)

    one = client.post(f"/api/v1/notifications/{first.pk}/read/")
    rest = client.post("/api/v1/notifications/read-all/")

    assert one.json()["is_read"] is True
    assert rest.json() == {"marked_read": 2}


def test_api_preferences_round_trip(worker, as_api):
    client = as_api(worker)

    before = client.get("/api/v1/notifications/preferences/").json()["preferences"]
    changed = client.patch(
        "/api/v1/notifications/preferences/", {"preferences": {"message.received": {"sms": False}}}, format="json"
    )

    assert before["message.received"] == {"in_app": True, "sms": True, "email": False}
    assert changed.status_code == 200
    assert changed.json()["preferences"]["message.received"]["sms"] is False
    assert Preference.objects.get(user=worker, event="message.received", channel="sms").enabled is False


@pytest.mark.parametrize(
    "raw",
    [
        "[]",
        '"text"',
        "null",
        "3",
        '{"preferences": []}',
        '{"preferences": {"message.received": {"sms": "maybe"}}}',
        '{"preferences": {"message.received": {"fax": true}}}',
        '{"preferences": {"no.such.event": {"sms": true}}}',
        '{"preferences": {"application.accepted": {"email": true}}}',
        '{"preferences": {"message.received": {"sms": NaN}}}',
        '{"preferences": {"message.received": {"sms": 1e309}}}',
        '{"preferences": {"message.received": {"sms": {"a": {"b": {"c": 1}}}}}}',
        "{broken",
    ],
)
def test_api_preferences_malformed_is_400(worker, as_api, raw):
    response = as_api(worker).patch("/api/v1/notifications/preferences/", raw, content_type="application/json")

    assert response.status_code == 400
    assert "error" in response.json()
    assert not Preference.objects.exists()


def test_list_page_query_count_is_bounded(worker, worker_client, django_assert_max_num_queries):
    make_notifications(worker, 25)
    worker_client.get("/notifications/")

    with django_assert_max_num_queries(25) as captured:
        response = worker_client.get("/notifications/")

    notification_queries = [q for q in captured.captured_queries if "notifications_notification" in q["sql"]]
    assert response.status_code == 200
    assert response.content.decode().count('class="card unread"') == 20
    assert len(notification_queries) <= 4


def test_list_page_time_is_one_phrase(worker, worker_client):
    make_notifications(worker, 1)

    html = worker_client.get("/notifications/").content.decode()

    assert re.search(r"<time datetime=\"[^\"]+\">0\xa0minutes ago</time>", html)


def test_list_page_translates_time_as_one_phrase():
    source = (settings.BASE_DIR / "apps/notifications/templates/notifications/list.html").read_text()

    messages = re.findall(r"gettext\(u'([^']*)'\)", templatize(source))

    assert "%(since)s ago" in messages
    assert "ago" not in messages
