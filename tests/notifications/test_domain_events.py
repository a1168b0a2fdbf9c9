import pytest

from apps.jobs.services import application_accept, application_create, application_reject
from apps.notifications.domain_events import contract_event, milestone_event, payment_event
from apps.notifications.models import Delivery, Notification
from tests.conftest import make_user
from tests.messaging.conftest import make_job

pytestmark = pytest.mark.django_db


def test_new_applications_group_for_the_hirer(hirer, worker, stranger):
    job = make_job(hirer)

    application_create(job=job, worker=worker, cover_letter="I have done many sinks.", proposed_amount=15000)
    application_create(job=job, worker=stranger, cover_letter="I am close by in Madina.", proposed_amount=16000)

    notification = Notification.objects.get(user=hirer)
    assert notification.event == "application.received"
    assert notification.count == 2
    assert job.title in notification.title
    assert notification.link == f"/jobs/{job.pk}/applicants/"
    assert not Delivery.objects.filter(user=hirer).exists(), "hirers get in-app only by default"


def test_accept_and_reject_notify_the_workers(hirer, worker, stranger):
    job = make_job(hirer)
    chosen = application_create(job=job, worker=worker, cover_letter="I have done many sinks.", proposed_amount=15000)
    application_create(job=job, worker=stranger, cover_letter="I am close by in Madina.", proposed_amount=16000)

    application_accept(application=chosen, hirer=hirer)

    accepted = Notification.objects.get(user=worker)
    declined = Notification.objects.get(user=stranger)
    assert accepted.event == "application.accepted"
    assert declined.event == "application.rejected"
    assert Delivery.objects.filter(user=worker, channel="sms").count() == 1
    assert not Delivery.objects.filter(user=worker, channel="email").exists()


def test_rejection_notifies_once(hirer, worker):
    job = make_job(hirer)
    application = application_create(job=job, worker=worker, cover_letter="Available today.", proposed_amount=15000)

    application_reject(application=application, hirer=hirer)

    assert Notification.objects.filter(user=worker, event="application.rejected").count() == 1


def test_contract_milestone_and_payment_helpers(worker):
    contract_event(user=worker, contract_id=7, title="Contract ready to sign", change="created")
    contract_event(user=worker, contract_id=7, title="Contract ready to sign", change="created")
    milestone_event(user=worker, milestone_id=3, title="Milestone funded", change="funded")
    payment_event(user=worker, payment_id=11, title="Payout sent", change="succeeded")

    events = sorted(Notification.objects.filter(user=worker).values_list("event", flat=True))
    assert events == ["contract.updated", "milestone.updated", "payment.updated"]


def test_helper_failure_does_not_raise(caplog):
    from apps.notifications import throttled_log

    throttled_log.reset()
    user = make_user(name="Inactive Later")

    contract_event(user=user, contract_id=1, title=None, change="created")

    assert not Notification.objects.exists()
    assert "notification failed" in caplog.text
