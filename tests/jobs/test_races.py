"""Concurrent writers on PostgreSQL, where row locks decide who wins."""

import threading

import pytest
from django.db import connection

from apps.common.errors import DomainError, InvalidTransition
from apps.jobs import services
from apps.jobs.models import Application, Job, JobEvent, JobStatus
from tests.conftest import make_user
from tests.jobs.conftest import make_application, make_job

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    """Start every call at the same moment on its own connection; return each result or error."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as error:  # the outcome under test, collected for the asserts
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_concurrent_accepts_award_exactly_one(hirer):
    job = make_job(hirer)
    workers = [make_user(role="worker") for _ in range(2)]
    first, second = (make_application(job, worker) for worker in workers)

    outcomes = run_together(
        lambda: services.application_accept(application=Application.objects.get(pk=first.pk), hirer=hirer),
        lambda: services.application_accept(application=Application.objects.get(pk=second.pk), hirer=hirer),
    )

    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(errors) == 1
    assert isinstance(errors[0], InvalidTransition)
    assert Application.objects.filter(job=job, status="accepted").count() == 1
    assert Application.objects.filter(job=job, status="rejected").count() == 1
    assert Job.objects.get(pk=job.pk).status == JobStatus.AWARDED
    assert JobEvent.objects.filter(job=job, to_status=JobStatus.AWARDED).count() == 1


def test_many_concurrent_accepts_award_exactly_one(hirer):
    job = make_job(hirer)
    applications = [make_application(job, make_user(role="worker")) for _ in range(5)]

    outcomes = run_together(
        *[
            (
                lambda pk=application.pk: services.application_accept(
                    application=Application.objects.get(pk=pk), hirer=hirer
                )
            )
            for application in applications
        ]
    )

    assert sum(not isinstance(outcome, Exception) for outcome in outcomes) == 1
    assert Application.objects.filter(job=job, status="accepted").count() == 1
    assert Application.objects.filter(job=job, status="rejected").count() == 4


def test_concurrent_duplicate_applications_store_one(hirer, worker):
    job = make_job(hirer)

    outcomes = run_together(*[(lambda: make_application(Job.objects.get(pk=job.pk), worker)) for _ in range(3)])

    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(errors) == 2
    assert all(isinstance(error, DomainError) and error.code == "duplicate_application" for error in errors)
    assert Application.objects.filter(job=job, worker=worker).count() == 1


def test_accept_racing_a_withdrawal_leaves_a_consistent_job(hirer, worker):
    job = make_job(hirer)
    application = make_application(job, worker)

    run_together(
        lambda: services.application_accept(application=Application.objects.get(pk=application.pk), hirer=hirer),
        lambda: services.application_withdraw(application=Application.objects.get(pk=application.pk), worker=worker),
    )

    application.refresh_from_db()
    job.refresh_from_db()
    if application.status == "accepted":
        assert job.status == JobStatus.AWARDED
    else:
        assert application.status == "withdrawn"
        assert job.status == JobStatus.OPEN
