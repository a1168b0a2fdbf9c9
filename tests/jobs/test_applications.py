"""Applying, withdrawing and deciding through the services, with the emails they send."""

import socket

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.common.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from apps.jobs import services
from apps.jobs.emails import application_email_deliver
from apps.jobs.models import Application, ApplicationEmail, JobStatus
from apps.jobs.tasks import send_application_email
from tests.jobs.conftest import make_application, make_job

pytestmark = pytest.mark.django_db


def test_worker_applies_to_open_job(open_job, worker):
    application = make_application(open_job, worker, amount=42050)

    application.refresh_from_db()
    assert application.status == "pending"
    assert application.proposed_amount == 42050


def test_hirer_cannot_apply(open_job, other_hirer):
    with pytest.raises(NotAllowed) as raised:
        make_application(open_job, other_hirer)

    assert raised.value.code == "not_a_worker"
    assert Application.objects.count() == 0


def test_cannot_apply_to_own_job(hirer, worker):
    # A worker account can only hold a job through data created outside job_create,
    # so build the case directly to check the guard.
    job = make_job(hirer)
    job.hirer_id = worker.pk

    with pytest.raises(NotAllowed) as raised:
        make_application(job, worker)

    assert raised.value.code == "own_job"
    assert Application.objects.count() == 0


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_apply_to_closed_job_refused(hirer, worker, status):
    job = make_job(hirer, publish=status != "draft")
    if status == "cancelled":
        services.job_cancel(job=job, actor=hirer)

    with pytest.raises(NotAllowed) as raised:
        make_application(job, worker)

    assert raised.value.code == "job_closed"
    assert Application.objects.count() == 0


def test_second_application_is_refused(open_job, worker):
    make_application(open_job, worker)

    with pytest.raises(DomainError) as raised:
        make_application(open_job, worker, amount=30000)

    assert raised.value.code == "duplicate_application"
    assert Application.objects.get().proposed_amount == 40000


def test_reapplying_after_withdrawal_is_refused(open_job, worker):
    application = make_application(open_job, worker)
    services.application_withdraw(application=application, worker=worker)

    with pytest.raises(DomainError) as raised:
        make_application(open_job, worker)

    assert raised.value.code == "duplicate_application"


@pytest.mark.parametrize(
    ("letter", "amount", "field"),
    [
        ("", 40000, "cover_letter"),
        ("x" * 3001, 40000, "cover_letter"),
        ("Hi", 50, "proposed_amount"),
        ("Hi", "400", "proposed_amount"),
        ("Hi", 10**12, "proposed_amount"),
    ],
)
def test_bad_application_fields_are_refused(open_job, worker, letter, amount, field):
    with pytest.raises(ValidationError) as raised:
        make_application(open_job, worker, letter=letter, amount=amount)

    assert field in raised.value.message_dict
    assert Application.objects.count() == 0


def test_withdraw_pending_and_shortlisted(hirer, open_job, worker, stranger):
    pending = make_application(open_job, worker)
    shortlisted = make_application(open_job, stranger)
    services.application_shortlist(application=shortlisted, hirer=hirer)

    services.application_withdraw(application=pending, worker=worker)
    services.application_withdraw(application=shortlisted, worker=stranger)

    assert set(Application.objects.values_list("status", flat=True)) == {"withdrawn"}


def test_withdraw_someone_elses_application_is_not_found(application, stranger):
    with pytest.raises(NotFound):
        services.application_withdraw(application=application, worker=stranger)

    application.refresh_from_db()
    assert application.status == "pending"


@pytest.mark.parametrize("status", ["accepted", "rejected", "withdrawn"])
def test_withdraw_a_decided_application_is_refused(hirer, application, worker, status):
    if status == "accepted":
        services.application_accept(application=application, hirer=hirer)
    elif status == "rejected":
        services.application_reject(application=application, hirer=hirer)
    else:
        services.application_withdraw(application=application, worker=worker)

    with pytest.raises(InvalidTransition):
        services.application_withdraw(application=application, worker=worker)

    application.refresh_from_db()
    assert application.status == status


def test_shortlist_twice_is_refused(hirer, application):
    services.application_shortlist(application=application, hirer=hirer)

    with pytest.raises(InvalidTransition):
        services.application_shortlist(application=application, hirer=hirer)

    application.refresh_from_db()
    assert application.status == "shortlisted"


@pytest.mark.parametrize("decide", ["shortlist", "reject", "accept"])
def test_another_hirer_cannot_decide(other_hirer, application, decide):
    with pytest.raises(NotFound):
        getattr(services, f"application_{decide}")(application=application, hirer=other_hirer)

    application.refresh_from_db()
    assert application.status == "pending"
    assert application.job.status == JobStatus.OPEN


def test_accept_awards_job_and_rejects_the_rest(hirer, open_job, worker, stranger):
    chosen = make_application(open_job, worker)
    other = make_application(open_job, stranger)
    services.application_shortlist(application=other, hirer=hirer)

    services.application_accept(application=chosen, hirer=hirer)

    open_job.refresh_from_db()
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert open_job.status == JobStatus.AWARDED
    assert chosen.status == "accepted"
    assert chosen.decided_at is not None
    assert other.status == "rejected"
    assert open_job.events.last().to_status == JobStatus.AWARDED


def test_accept_keeps_withdrawn_applications_withdrawn(hirer, open_job, worker, stranger):
    chosen = make_application(open_job, worker)
    withdrawn = make_application(open_job, stranger)
    services.application_withdraw(application=withdrawn, worker=stranger)

    services.application_accept(application=chosen, hirer=hirer)

    withdrawn.refresh_from_db()
    assert withdrawn.status == "withdrawn"


def test_accept_hook_runs_inside_the_transaction(hirer, application):
    seen = []

    def hook(*, application):
        seen.append((application.pk, application.status, application.job_id))

    services._accept_hooks.append(hook)
    try:
        services.application_accept(application=application, hirer=hirer)
    finally:
        services._accept_hooks.remove(hook)

    assert seen == [(application.pk, "accepted", application.job_id)]


def test_failing_accept_hook_rolls_back_everything(hirer, open_job, worker, stranger):
    chosen = make_application(open_job, worker)
    other = make_application(open_job, stranger)

    def hook(*, application):
        raise RuntimeError("contract could not be drafted")

    services._accept_hooks.append(hook)
    try:
        with pytest.raises(RuntimeError):
            services.application_accept(application=chosen, hirer=hirer)
    finally:
        services._accept_hooks.remove(hook)

    open_job.refresh_from_db()
    assert open_job.status == JobStatus.OPEN
    assert set(Application.objects.values_list("status", flat=True)) == {"pending"}
    assert open_job.events.filter(to_status=JobStatus.AWARDED).count() == 0
    assert other.pk


# Emails


def closed_port() -> int:
    """Return a local port that nothing listens on: bound once, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_hirer_is_emailed_after_the_application_commits(
    eager_tasks, open_job, worker, hirer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        application = make_application(open_job, worker)
        assert mail.outbox == []

    # The email and the refresh of both users' cached dashboards wait for the commit.
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [hirer.email]
    assert open_job.title in mail.outbox[0].subject
    assert f"/jobs/{open_job.pk}/applicants/" in mail.outbox[0].body
    assert ApplicationEmail.objects.get(application=application, kind="received").sent_at is not None


def test_no_email_when_the_transaction_rolls_back(eager_tasks, open_job, worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            make_application(open_job, worker)
            raise RuntimeError("the request failed after applying")

    assert callbacks == []
    assert mail.outbox == []
    assert Application.objects.count() == 0


def test_accept_emails_the_chosen_and_the_rejected(
    eager_tasks, hirer, open_job, worker, stranger, django_capture_on_commit_callbacks
):
    chosen = make_application(open_job, worker)
    other = make_application(open_job, stranger)

    with django_capture_on_commit_callbacks(execute=True):
        services.application_accept(application=chosen, hirer=hirer)

    # The worker may also get the contract-drafted email, so look at every subject per recipient.
    subjects = {worker.email: [], stranger.email: []}
    for message in mail.outbox:
        subjects.setdefault(message.to[0], []).append(message.subject)
    assert any("You got the job" in subject for subject in subjects[worker.email])
    assert any("Update on your application" in subject for subject in subjects[stranger.email])
    assert ApplicationEmail.objects.filter(application=other, kind="rejected", sent_at__isnull=False).exists()


def test_reject_emails_the_worker(eager_tasks, hirer, application, worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(application=application, hirer=hirer)

    assert [message.to for message in mail.outbox] == [[worker.email]]


def test_email_task_delivered_twice_sends_once(hirer, application):
    first = send_application_email.apply(args=(application.pk, "received")).get()
    second = send_application_email.apply(args=(application.pk, "received")).get()

    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1
    assert ApplicationEmail.objects.filter(application=application).count() == 1


def test_email_for_a_deleted_application_is_skipped(application):
    application_id = application.pk
    application.delete()

    assert application_email_deliver(application_id=application_id, kind="received") is False
    assert mail.outbox == []


def test_failed_send_leaves_the_email_unsent_for_retry(application, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_TIMEOUT = 2

    with pytest.raises(OSError):
        application_email_deliver(application_id=application.pk, kind="received")

    assert not ApplicationEmail.objects.filter(application=application, sent_at__isnull=False).exists()


# In-app notifications, recorded by the notifications app in the same transaction


def test_applications_notify_the_hirer_grouped(hirer, open_job, worker, stranger):
    from apps.notifications.models import Notification

    make_application(open_job, worker)
    make_application(open_job, stranger)

    notification = Notification.objects.get(user=hirer)
    assert notification.event == "application.received"
    assert notification.count == 2
    assert notification.link == f"/jobs/{open_job.pk}/applicants/"


def test_accept_notifies_every_decided_worker(hirer, open_job, worker, stranger):
    from apps.notifications.models import Notification

    chosen = make_application(open_job, worker)
    make_application(open_job, stranger)
    services.application_accept(application=chosen, hirer=hirer)

    assert Notification.objects.get(user=worker).event == "application.accepted"
    assert Notification.objects.get(user=stranger).event == "application.rejected"


def test_no_notification_after_a_rollback(open_job, worker):
    from apps.notifications.models import Notification

    with pytest.raises(RuntimeError), transaction.atomic():
        make_application(open_job, worker)
        raise RuntimeError("the request failed after applying")

    assert Notification.objects.count() == 0
