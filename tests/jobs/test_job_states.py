"""The job state machine through the services: every allowed move and every refused one."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.common.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from apps.jobs import services
from apps.jobs.models import Job, JobEvent, JobStatus
from tests.conftest import make_user
from tests.jobs.conftest import make_application, make_job

pytestmark = pytest.mark.django_db

ALL_STATUSES = list(JobStatus.values)


def job_in(status, hirer, worker):
    """Walk a fresh job to `status` through the services."""
    if status == JobStatus.DRAFT:
        return make_job(hirer, publish=False)
    job = make_job(hirer)
    if status == JobStatus.CANCELLED:
        return services.job_cancel(job=job, actor=hirer)
    if status == JobStatus.OPEN:
        return job
    services.application_accept(application=make_application(job, worker), hirer=hirer)
    job.refresh_from_db()
    if status == JobStatus.AWARDED:
        return job
    services.job_start(job=job, actor=hirer)
    if status == JobStatus.IN_PROGRESS:
        return job
    return services.job_complete(job=job, actor=hirer)


def test_job_create_saves_a_draft_with_an_event(hirer):
    job = make_job(hirer, publish=False)

    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT
    assert job.published_at is None
    event = JobEvent.objects.get(job=job)
    assert (event.from_status, event.to_status, event.actor) == ("", JobStatus.DRAFT, hirer)


def test_job_create_with_publish_opens_it(hirer):
    job = make_job(hirer)

    job.refresh_from_db()
    assert job.status == JobStatus.OPEN
    assert job.published_at is not None
    assert list(job.events.values_list("to_status", flat=True)) == [JobStatus.DRAFT, JobStatus.OPEN]


def test_publish_moves_draft_to_open(hirer, draft_job):
    services.job_publish(job=draft_job, actor=hirer)

    draft_job.refresh_from_db()
    assert draft_job.status == JobStatus.OPEN
    assert draft_job.events.last().actor == hirer


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (JobStatus.AWARDED, "start", JobStatus.IN_PROGRESS),
        (JobStatus.IN_PROGRESS, "complete", JobStatus.COMPLETED),
        (JobStatus.DRAFT, "cancel", JobStatus.CANCELLED),
        (JobStatus.OPEN, "cancel", JobStatus.CANCELLED),
        (JobStatus.AWARDED, "cancel", JobStatus.CANCELLED),
    ],
)
def test_allowed_transition_is_recorded(hirer, worker, start, action, end):
    job = job_in(start, hirer, worker)

    getattr(services, f"job_{action}")(job=job, actor=hirer)

    job.refresh_from_db()
    assert job.status == end
    event = job.events.last()
    assert (event.from_status, event.to_status, event.actor) == (start, end, hirer)
    assert event.created_at <= timezone.now()


ALLOWED = {
    "publish": {JobStatus.DRAFT},
    "start": {JobStatus.AWARDED},
    "complete": {JobStatus.IN_PROGRESS},
    "cancel": {JobStatus.DRAFT, JobStatus.OPEN, JobStatus.AWARDED},
}
REFUSED = [(action, status) for action, allowed in ALLOWED.items() for status in ALL_STATUSES if status not in allowed]


@pytest.mark.parametrize(("action", "status"), REFUSED)
def test_refused_transition_raises_and_changes_nothing(hirer, worker, action, status):
    job = job_in(status, hirer, worker)
    events_before = job.events.count()

    with pytest.raises(InvalidTransition) as raised:
        getattr(services, f"job_{action}")(job=job, actor=hirer)

    job.refresh_from_db()
    assert job.status == status
    assert job.events.count() == events_before
    assert "cannot be" in raised.value.message


def test_refused_transition_message_names_both_states(hirer, worker):
    job = job_in(JobStatus.COMPLETED, hirer, worker)

    with pytest.raises(InvalidTransition) as raised:
        services.job_cancel(job=job, actor=hirer)

    assert raised.value.message == (
        "This job is completed, so it cannot be cancelled. Only a job that is draft or open or awarded can be."
    )


def test_accepting_on_an_awarded_job_is_refused(hirer, worker, stranger):
    job = make_job(hirer)
    first = make_application(job, worker)
    second = make_application(job, stranger)
    services.application_accept(application=first, hirer=hirer)

    with pytest.raises(InvalidTransition):
        services.application_accept(application=second, hirer=hirer)

    second.refresh_from_db()
    assert second.status == "rejected"


def test_another_hirer_cannot_move_the_job(hirer, other_hirer, draft_job):
    with pytest.raises(NotFound):
        services.job_publish(job=draft_job, actor=other_hirer)
    with pytest.raises(NotFound):
        services.job_cancel(job=draft_job, actor=other_hirer)

    draft_job.refresh_from_db()
    assert draft_job.status == JobStatus.DRAFT


def test_awarded_worker_may_start_and_complete(hirer, worker):
    job = job_in(JobStatus.AWARDED, hirer, worker)

    services.job_start(job=job, actor=worker)
    services.job_complete(job=job, actor=worker)

    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert job.events.last().actor == worker


def test_unrelated_worker_cannot_start(hirer, worker, stranger):
    job = job_in(JobStatus.AWARDED, hirer, worker)

    with pytest.raises(NotFound):
        services.job_start(job=job, actor=stranger)

    job.refresh_from_db()
    assert job.status == JobStatus.AWARDED


def test_staff_may_cancel_any_job(hirer, staff):
    job = make_job(hirer)

    services.job_cancel(job=job, actor=staff, reason="Duplicate post")

    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.events.last().note == "Duplicate post"


def test_cancel_rejects_open_applications(hirer, worker, stranger):
    job = make_job(hirer)
    pending = make_application(job, worker)
    shortlisted = make_application(job, stranger)
    services.application_shortlist(application=shortlisted, hirer=hirer)

    services.job_cancel(job=job, actor=hirer)

    pending.refresh_from_db()
    shortlisted.refresh_from_db()
    assert pending.status == "rejected"
    assert shortlisted.status == "rejected"


def test_publish_refuses_an_incomplete_draft(hirer):
    job = services.job_create(hirer=hirer, title="Build a wardrobe", trade="carpentry")

    with pytest.raises(DomainError) as raised:
        services.job_publish(job=job, actor=hirer)

    assert raised.value.code == "incomplete"
    assert "description" in raised.value.message
    assert "region" in raised.value.message
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT


def test_publish_refuses_a_start_date_now_past(hirer):
    job = make_job(hirer, publish=False, start_date=timezone.localdate())
    Job.objects.filter(pk=job.pk).update(start_date=timezone.localdate() - timedelta(days=2))
    job.refresh_from_db()

    with pytest.raises(DomainError) as raised:
        services.job_publish(job=job, actor=hirer)

    assert raised.value.code == "past_date"
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT


def test_only_hirers_create_jobs(worker):
    with pytest.raises(NotAllowed):
        make_job(worker)

    assert Job.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"trade": "astrology"}, "trade"),
        ({"region": "lagos"}, "region"),
        ({"gps_code": "12-ABC"}, "gps_code"),
        ({"budget_type": "range", "budget_min": 90000, "budget_max": 50000}, "budget_max"),
        ({"budget_min": 50, "budget_max": 50}, "budget_min"),
        ({"start_date": timezone.localdate() - timedelta(days=1)}, "start_date"),
        ({"title": "   "}, "title"),
        ({"urgency": "yesterday"}, "urgency"),
    ],
)
def test_job_create_rejects_bad_fields(hirer, overrides, field):
    with pytest.raises(ValidationError) as raised:
        make_job(hirer, **overrides)

    assert field in raised.value.message_dict
    assert Job.objects.count() == 0


def test_gps_code_is_normalised(hirer):
    job = make_job(hirer, gps_code="ga 183 8164")

    assert job.gps_code == "GA-183-8164"


def test_fixed_budget_stores_both_ends(hirer):
    job = make_job(hirer, budget_type="fixed", budget_min=30000, budget_max=None)

    job.refresh_from_db()
    assert (job.budget_min, job.budget_max) == (30000, 30000)


def test_job_update_changes_a_draft(hirer, draft_job):
    services.job_update(
        job=draft_job,
        actor=hirer,
        title="Replace bathroom tap",
        budget_type="range",
        budget_min=20000,
        budget_max=30000,
    )

    draft_job.refresh_from_db()
    assert draft_job.title == "Replace bathroom tap"
    assert (draft_job.budget_min, draft_job.budget_max) == (20000, 30000)


@pytest.mark.parametrize("status", [JobStatus.AWARDED, JobStatus.IN_PROGRESS, JobStatus.COMPLETED, JobStatus.CANCELLED])
def test_job_update_refuses_closed_jobs(hirer, worker, status):
    job = job_in(status, hirer, worker)
    title = job.title

    with pytest.raises(NotAllowed):
        services.job_update(job=job, actor=hirer, title="Something else")

    job.refresh_from_db()
    assert job.title == title


def test_job_update_by_another_hirer_is_not_found(other_hirer, draft_job):
    with pytest.raises(NotFound):
        services.job_update(job=draft_job, actor=other_hirer, title="Mine now")

    draft_job.refresh_from_db()
    assert draft_job.title != "Mine now"


def test_job_update_cannot_empty_an_open_job(hirer, open_job):
    with pytest.raises(DomainError) as raised:
        services.job_update(job=open_job, actor=hirer, town="")

    assert raised.value.code == "incomplete"
    open_job.refresh_from_db()
    assert open_job.town == "Madina"


def test_job_update_rejects_unknown_fields(hirer, draft_job):
    with pytest.raises(DomainError):
        services.job_update(job=draft_job, actor=hirer, status="completed")

    draft_job.refresh_from_db()
    assert draft_job.status == JobStatus.DRAFT


def test_make_user_helper_creates_hirer_profile():
    user = make_user(role="hirer")

    assert user.hirer_profile.kind == "individual"
