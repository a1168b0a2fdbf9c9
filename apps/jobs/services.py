"""Writes for jobs and applications: the job state machine, applying, and deciding.

Job states and the only moves between them:

    draft -> open                  job_publish (or job_create(publish=True))
    open -> awarded                application_accept
    awarded -> in_progress         job_start
    in_progress -> completed       job_complete
    draft, open, awarded -> cancelled   job_cancel

Any other move raises InvalidTransition, and every move is recorded as a JobEvent with
its actor and time.

Lock order: whenever a function locks more than one row it locks the job row first, then
that job's application rows in id order. Because every function here uses that order, two
of them never wait on each other's locks in a cycle.

Side effects (emails) leave only after the transaction commits, each through one small
`_send_*` function below so they can move onto an outbox without touching the rules.
"""

import logging
from collections.abc import Callable
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import Role
from apps.common.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from apps.common.money import MAX_PESEWAS
from apps.jobs import validators
from apps.jobs.models import (
    Application,
    ApplicationEmailKind,
    ApplicationStatus,
    BudgetType,
    Job,
    JobEvent,
    JobStatus,
    Urgency,
)
from apps.jobs.selectors import PUBLIC_LISTINGS_TAG, user_dashboard_tag
from apps.resilience.cache import bump as cache_bump

logger = logging.getLogger(__name__)

# Fields a hirer may set through job_create and job_update.
EDITABLE_FIELDS = (
    "title",
    "trade",
    "description",
    "budget_type",
    "budget_min",
    "budget_max",
    "region",
    "town",
    "address",
    "gps_code",
    "start_date",
    "urgency",
)
# Fields a job must have before it can be published, with the form step that sets each one.
REQUIRED_TO_PUBLISH = {
    "title": "details",
    "trade": "details",
    "description": "details",
    "budget_min": "budget",
    "budget_max": "budget",
    "region": "location",
    "town": "location",
}
EDITABLE_STATUSES = (JobStatus.DRAFT, JobStatus.OPEN)
OPEN_APPLICATION_STATUSES = (ApplicationStatus.PENDING, ApplicationStatus.SHORTLISTED)

_accept_hooks: list[Callable[..., None]] = []


def on_application_accepted(hook: Callable[..., None]) -> None:
    """Register `hook(application=...)`, called inside the transaction that accepts an application.

    The hook runs after the application is accepted, the job is awarded and the other open
    applications are rejected, while the job row and all its application rows are still
    locked. Anything it writes commits or rolls back together with the award, so an
    exception from a hook cancels the whole acceptance. Register hooks in AppConfig.ready().
    The contracts app uses this to draft the contract for the awarded job.
    """
    _accept_hooks.append(hook)


# Jobs


def job_create(
    *,
    hirer,
    title: str,
    trade: str,
    description: str = "",
    budget_type: str = BudgetType.FIXED,
    budget_min: int | None = None,
    budget_max: int | None = None,
    region: str = "",
    town: str = "",
    address: str = "",
    gps_code: str = "",
    start_date: date | None = None,
    urgency: str = Urgency.FLEXIBLE,
    publish: bool = False,
) -> Job:
    """Create a job as a draft, or publish it at once when `publish` is true.

    Amounts are pesewas. A fixed budget takes `budget_min` and stores it as both ends.
    Raises NotAllowed for a non-hirer, ValidationError (keyed by field) for bad values,
    and DomainError("incomplete") when publishing a job that lacks required fields.
    """
    if hirer.role != Role.HIRER:
        raise NotAllowed(_("Only hirer accounts can post jobs."), code="not_a_hirer")

    fields = _clean_fields(
        {
            "title": title,
            "trade": trade,
            "description": description,
            "budget_type": budget_type,
            "budget_min": budget_min,
            "budget_max": budget_max,
            "region": region,
            "town": town,
            "address": address,
            "gps_code": gps_code,
            "start_date": start_date,
            "urgency": urgency,
        },
        current=None,
    )

    with transaction.atomic():
        job = Job.objects.create(hirer=hirer, status=JobStatus.DRAFT, **fields)
        JobEvent.objects.create(job=job, actor=hirer, from_status="", to_status=JobStatus.DRAFT)
        _refresh_dashboards(hirer.pk)
        if publish:
            job = job_publish(job=job, actor=hirer)

    logger.info("job created", extra={"job_id": job.pk, "hirer_id": hirer.pk, "status": job.status})
    return job


def job_update(*, job: Job, actor, **fields) -> Job:
    """Change a draft or open job's fields (any of EDITABLE_FIELDS) as its hirer.

    Another user's job raises NotFound. An open job must stay publishable, so its required
    fields cannot be emptied. Takes the job row lock.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    _require_hirer(job, actor)

    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.status not in EDITABLE_STATUSES:
            raise NotAllowed(
                _("This job is %(status)s. Only draft and open jobs can be edited.")
                % {"status": locked.get_status_display().lower()},
                code="not_editable",
            )
        cleaned = _clean_fields(fields, current=locked)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        if locked.status == JobStatus.OPEN:
            _require_complete(locked)
            _refresh_public_listings()
        locked.save(update_fields=[*cleaned, "updated_at"])
        if "title" in cleaned:
            # Workers' dashboards list the titles of the jobs they applied for.
            _refresh_dashboards(*Application.objects.filter(job=locked).values_list("worker_id", flat=True))

    _copy_state(locked, job, *cleaned)
    logger.info("job updated", extra={"job_id": job.pk, "fields": sorted(cleaned)})
    return job


def job_publish(*, job: Job, actor) -> Job:
    """Open a draft to applications. Raises DomainError("incomplete") naming what is missing."""
    _require_hirer(job, actor)

    def check(locked: Job) -> None:
        if locked.status == JobStatus.DRAFT:
            _require_complete(locked)
            try:
                validators.validate_start_date(locked.start_date)
            except ValidationError as error:
                raise DomainError(error.messages[0], code="past_date", field="start_date") from None

    return _transition(job, to=JobStatus.OPEN, actor=actor, allowed_from=(JobStatus.DRAFT,), check=check)


def job_start(*, job: Job, actor) -> Job:
    """Move an awarded job to in_progress. The hirer, the awarded worker or staff may do it."""
    _require_party(job, actor)
    return _transition(job, to=JobStatus.IN_PROGRESS, actor=actor, allowed_from=(JobStatus.AWARDED,))


def job_complete(*, job: Job, actor) -> Job:
    """Move an in-progress job to completed. The hirer, the awarded worker or staff may do it."""
    _require_party(job, actor)
    return _transition(job, to=JobStatus.COMPLETED, actor=actor, allowed_from=(JobStatus.IN_PROGRESS,))


def job_cancel(*, job: Job, actor, reason: str = "") -> Job:
    """Cancel a draft, open or awarded job as its hirer (or staff).

    Pending and shortlisted applications are rejected and their workers emailed after commit.
    An accepted application keeps its state; the contracts app settles what follows.
    """
    if not getattr(actor, "is_staff", False):
        _require_hirer(job, actor)
    reason = (reason or "").strip()[:500]
    rejected: list[Application] = []

    def reject_open_applications(locked: Job) -> None:
        rejected.extend(_reject_open_applications(locked, except_pk=None))

    job = _transition(
        job,
        to=JobStatus.CANCELLED,
        actor=actor,
        allowed_from=(JobStatus.DRAFT, JobStatus.OPEN, JobStatus.AWARDED),
        note=reason,
        after=reject_open_applications,
    )
    for application in rejected:
        _send_application_email(application, ApplicationEmailKind.REJECTED)
    return job


# Applications


def application_create(*, job: Job, worker, cover_letter: str, proposed_amount: int) -> Application:
    """Apply for an open job as a worker; `proposed_amount` is pesewas.

    Raises NotAllowed for a non-worker, one's own job or a job not open; DomainError
    ("duplicate_application") for a second application, also when two requests race;
    ValidationError for a bad cover letter or amount. Emails the hirer after commit.
    """
    if worker.role != Role.WORKER:
        raise NotAllowed(_("Only worker accounts can apply for jobs."), code="not_a_worker")
    if job.hirer_id == worker.pk:
        raise NotAllowed(_("You cannot apply for your own job."), code="own_job")
    cover_letter = _clean_cover_letter(cover_letter)
    proposed_amount = _clean_amount_field(proposed_amount)

    try:
        with transaction.atomic():
            locked = Job.objects.select_for_update().get(pk=job.pk)
            if locked.status != JobStatus.OPEN:
                raise NotAllowed(_("This job is no longer taking applications."), code="job_closed")
            if Application.objects.filter(job=locked, worker=worker).exists():
                raise _duplicate_application()
            application = Application.objects.create(
                job=locked, worker=worker, cover_letter=cover_letter, proposed_amount=proposed_amount
            )
            _refresh_dashboards(worker.pk, locked.hirer_id)
    except IntegrityError:
        # The same worker's second request slipped past the check above (SQLite has no row lock).
        raise _duplicate_application() from None

    _send_application_email(application, ApplicationEmailKind.RECEIVED)
    logger.info("application created", extra={"application_id": application.pk, "job_id": job.pk})
    return application


def application_withdraw(*, application: Application, worker) -> Application:
    """Withdraw one's own pending or shortlisted application. Another worker's raises NotFound."""
    if application.worker_id != worker.pk:
        raise NotFound(_("Application not found."))
    return _application_move(
        application,
        to=ApplicationStatus.WITHDRAWN,
        allowed_from=OPEN_APPLICATION_STATUSES,
        message=_("Only a pending or shortlisted application can be withdrawn; this one is %(status)s."),
        job_must_be_open=False,
    )


def application_shortlist(*, application: Application, hirer) -> Application:
    """Shortlist a pending application on one's own open job."""
    _require_hirer(application.job, hirer)
    return _application_move(
        application,
        to=ApplicationStatus.SHORTLISTED,
        allowed_from=(ApplicationStatus.PENDING,),
        message=_("Only a pending application can be shortlisted; this one is %(status)s."),
    )


def application_reject(*, application: Application, hirer) -> Application:
    """Reject a pending or shortlisted application on one's own open job; emails the worker after commit."""
    _require_hirer(application.job, hirer)
    application = _application_move(
        application,
        to=ApplicationStatus.REJECTED,
        allowed_from=OPEN_APPLICATION_STATUSES,
        message=_("Only a pending or shortlisted application can be rejected; this one is %(status)s."),
    )
    _send_application_email(application, ApplicationEmailKind.REJECTED)
    return application


def application_accept(*, application: Application, hirer) -> Application:
    """Accept one application: award the job and reject every other open application, atomically.

    Locks the job row, then all its application rows in id order, so of two concurrent
    accepts on the same job exactly one succeeds and the other raises InvalidTransition.
    Runs the on_application_accepted hooks inside the transaction; emails every decided
    worker after commit.
    """
    _require_hirer(application.job, hirer)

    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=application.job_id)
        rows = {row.pk: row for row in Application.objects.select_for_update().filter(job=job).order_by("pk")}
        target = rows[application.pk]
        if job.status != JobStatus.OPEN:
            raise InvalidTransition(
                _("This job is %(status)s, so no application can be accepted any more.")
                % {"status": job.get_status_display().lower()}
            )
        if not target.is_open:
            raise InvalidTransition(
                _("Only a pending or shortlisted application can be accepted; this one is %(status)s.")
                % {"status": target.get_status_display().lower()}
            )

        target.status = ApplicationStatus.ACCEPTED
        target.decided_at = timezone.now()
        target.save(update_fields=["status", "decided_at"])
        _refresh_dashboards(target.worker_id)
        rejected = _reject_open_applications(job, except_pk=target.pk)
        _record_transition(job, to=JobStatus.AWARDED, actor=hirer)
        for hook in _accept_hooks:
            hook(application=target)

    _copy_state(target, application, "status", "decided_at")
    _copy_state(job, application.job, "status", "updated_at")
    _send_application_email(application, ApplicationEmailKind.ACCEPTED)
    for other in rejected:
        _send_application_email(other, ApplicationEmailKind.REJECTED)
    logger.info(
        "application accepted",
        extra={"application_id": application.pk, "job_id": job.pk, "rejected_count": len(rejected)},
    )
    return application


# Side effects: one function per kind, so the outbox can replace the call site alone.


def _send_application_email(application: Application, kind: str) -> None:
    """Queue the application email of `kind` through the outbox, in the current transaction.

    The outbox row commits with the change and is relayed to Celery after commit, so a
    broker outage delays the email instead of losing it or failing the request.
    """
    from apps.notifications.domain_events import application_event
    from apps.resilience.outbox import enqueue

    enqueue(
        "apps.jobs.tasks.send_application_email",
        kwargs={"application_id": application.pk, "kind": kind},
        dedupe_key=f"jobs.application_email:{application.pk}:{kind}",
    )
    application_event(application=application, kind=kind)


def _refresh_dashboards(*user_ids: int) -> None:
    """Mark these users' cached dashboard figures outdated once this transaction commits."""
    if user_ids:
        cache_bump(*{user_dashboard_tag(user_id) for user_id in user_ids})


def _refresh_public_listings() -> None:
    """Mark cached public listings (home counts, newest jobs) outdated once this transaction commits."""
    cache_bump(PUBLIC_LISTINGS_TAG)


# Helpers


def _transition(
    job: Job,
    *,
    to: str,
    actor,
    allowed_from: tuple[str, ...],
    note: str = "",
    check: Callable[[Job], None] | None = None,
    after: Callable[[Job], None] | None = None,
) -> Job:
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.status not in allowed_from:
            raise InvalidTransition(_transition_message(locked.status, to, allowed_from))
        if check is not None:
            check(locked)
        _record_transition(locked, to=to, actor=actor, note=note)
        if after is not None:
            after(locked)

    _copy_state(locked, job, "status", "published_at", "updated_at")
    logger.info("job transition", extra={"job_id": job.pk, "to_status": to})
    return job


def _record_transition(locked: Job, *, to: str, actor, note: str = "") -> None:
    """Set the locked job's status and write its JobEvent; the caller holds the job row lock."""
    from_status = locked.status
    locked.status = to
    update_fields = ["status", "updated_at"]
    if to == JobStatus.OPEN and locked.published_at is None:
        locked.published_at = timezone.now()
        update_fields.append("published_at")
    locked.save(update_fields=update_fields)
    JobEvent.objects.create(job=locked, actor=actor, from_status=from_status, to_status=to, note=note)
    _refresh_public_listings()
    _refresh_dashboards(locked.hirer_id)


_TRANSITION_VERBS = {
    JobStatus.OPEN: gettext_lazy("published"),
    JobStatus.AWARDED: gettext_lazy("awarded"),
    JobStatus.IN_PROGRESS: gettext_lazy("started"),
    JobStatus.COMPLETED: gettext_lazy("marked completed"),
    JobStatus.CANCELLED: gettext_lazy("cancelled"),
}


def _transition_message(current: str, to: str, allowed_from: tuple[str, ...]) -> str:
    allowed = " or ".join(str(JobStatus(status).label).lower() for status in allowed_from)
    return _("This job is %(status)s, so it cannot be %(verb)s. Only a job that is %(allowed)s can be.") % {
        "status": str(JobStatus(current).label).lower(),
        "verb": str(_TRANSITION_VERBS[to]),
        "allowed": allowed,
    }


def _application_move(
    application: Application,
    *,
    to: str,
    allowed_from: tuple[str, ...],
    message: str,
    job_must_be_open: bool = True,
) -> Application:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=application.job_id)
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if job_must_be_open and job.status != JobStatus.OPEN:
            raise InvalidTransition(
                _("This job is %(status)s, so its applications can no longer change.")
                % {"status": job.get_status_display().lower()}
            )
        if locked.status not in allowed_from:
            raise InvalidTransition(message % {"status": locked.get_status_display().lower()})
        locked.status = to
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
        _refresh_dashboards(locked.worker_id, job.hirer_id)

    _copy_state(locked, application, "status", "decided_at")
    logger.info("application moved", extra={"application_id": application.pk, "to_status": to})
    return application


def _reject_open_applications(job: Job, *, except_pk: int | None) -> list[Application]:
    """Reject the job's pending and shortlisted applications; the caller holds the job row lock."""
    open_rows = Application.objects.filter(job=job, status__in=OPEN_APPLICATION_STATUSES)
    if except_pk is not None:
        open_rows = open_rows.exclude(pk=except_pk)
    rejected = list(open_rows.select_for_update().order_by("pk"))
    if rejected:
        Application.objects.filter(pk__in=[row.pk for row in rejected]).update(
            status=ApplicationStatus.REJECTED, decided_at=timezone.now()
        )
        _refresh_dashboards(*(row.worker_id for row in rejected))
    # The callers announce each rejection, so load the workers in one query, not one per row.
    workers = get_user_model().objects.in_bulk([row.worker_id for row in rejected])
    for row in rejected:
        row.status = ApplicationStatus.REJECTED
        row.job = job
        row.worker = workers[row.worker_id]
    return rejected


def _require_hirer(job: Job, actor) -> None:
    # Someone else's job is reported as missing, never as forbidden, so ids cannot be probed.
    if actor is None or job.hirer_id != actor.pk:
        raise NotFound(_("Job not found."))


def _require_party(job: Job, actor) -> None:
    """Allow the hirer, the worker whose application was accepted, or staff."""
    if actor is None:
        raise NotFound(_("Job not found."))
    if actor.is_staff or job.hirer_id == actor.pk:
        return
    accepted = Application.objects.filter(job_id=job.pk, worker_id=actor.pk, status=ApplicationStatus.ACCEPTED)
    if not accepted.exists():
        raise NotFound(_("Job not found."))


def _require_complete(job: Job) -> None:
    missing = [name for name in REQUIRED_TO_PUBLISH if getattr(job, name) in (None, "")]
    if missing:
        labels = ", ".join(str(Job._meta.get_field(name).verbose_name) for name in missing)
        raise DomainError(
            _("The job cannot be published yet. Fill in: %(fields)s.") % {"fields": labels},
            code="incomplete",
            field=missing[0],
        )


def _duplicate_application() -> DomainError:
    return DomainError(
        _("You have already applied for this job. You can follow it on your applications page."),
        code="duplicate_application",
    )


def _clean_fields(fields: dict, *, current: Job | None) -> dict:
    """Validate and normalise job fields; raise ValidationError keyed by field for every problem."""
    cleaned: dict = {}
    errors: dict[str, list] = {}

    def check(name: str, rule: Callable) -> None:
        if name not in fields:
            return
        try:
            cleaned[name] = rule(fields[name])
        except ValidationError as error:
            errors[name] = error.messages

    check("title", lambda value: _clean_text(value, 120, required=True, label=_("title")))
    check("trade", _clean_trade)
    check("description", lambda value: _clean_text(value, 5000, required=False, label=_("description")))
    check("budget_type", _clean_choice(BudgetType, _("Choose a fixed amount or a budget range.")))
    check("budget_min", _clean_optional_amount)
    check("budget_max", _clean_optional_amount)
    check("region", _clean_region)
    check("town", lambda value: _clean_text(value, 80, required=False, label=_("town")))
    check("address", lambda value: _clean_text(value, 200, required=False, label=_("address")))
    check("gps_code", validators.normalize_gps_code)
    check("start_date", _clean_start_date)
    check("urgency", _clean_choice(Urgency, _("Choose how urgent the job is from the list.")))
    if not errors:
        _clean_budget(cleaned, current, errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_budget(cleaned: dict, current: Job | None, errors: dict) -> None:
    if not {"budget_type", "budget_min", "budget_max"} & set(cleaned):
        return

    def value(name: str):
        return cleaned[name] if name in cleaned else getattr(current, name, None)

    budget_type = value("budget_type") or BudgetType.FIXED
    budget_min, budget_max = value("budget_min"), value("budget_max")
    if budget_type == BudgetType.FIXED:
        budget_max = budget_min
    try:
        validators.validate_budget(budget_min, budget_max)
    except ValidationError as error:
        errors["budget_max" if error.code == "budget_range_reversed" else "budget_min"] = error.messages
        return
    cleaned.update(budget_type=budget_type, budget_min=budget_min, budget_max=budget_max)


def _clean_text(value, max_length: int, *, required: bool, label: str) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("Enter text for the %(label)s.") % {"label": label})
    value = value.strip()
    if required and not value:
        raise ValidationError(_("Enter a %(label)s.") % {"label": label})
    if len(value) > max_length:
        raise ValidationError(
            _("The %(label)s is too long: at most %(max)d characters.") % {"label": label, "max": max_length}
        )
    return value


def _clean_trade(value) -> str:
    validators.validate_trade(value)
    return value


def _clean_region(value) -> str:
    if value in (None, ""):
        return ""
    validators.validate_region(value)
    return value


def _clean_choice(choices, message: str) -> Callable:
    def rule(value):
        if value not in choices.values:
            raise ValidationError(message)
        return value

    return rule


def _clean_optional_amount(value) -> int | None:
    if value is None:
        return None
    return _clean_amount(value)


def _clean_amount(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(_("Enter the amount as a whole number of pesewas."))
    if value < validators.MIN_AMOUNT_PESEWAS:
        raise ValidationError(_("The amount must be at least GH₵ 1.00."))
    if value > MAX_PESEWAS:
        raise ValidationError(_("The amount is too large; the maximum is GH₵ 10,000,000.00."))
    return value


def _clean_start_date(value) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date):
        raise ValidationError(_("Enter the start date as a date, such as 2026-12-31."))
    validators.validate_start_date(value)
    return value


def _clean_cover_letter(value) -> str:
    try:
        text = _clean_text(value, 3000, required=True, label=_("cover letter"))
    except ValidationError as error:
        raise ValidationError({"cover_letter": error.messages}) from None
    return text


def _clean_amount_field(value) -> int:
    try:
        return _clean_amount(value)
    except ValidationError as error:
        raise ValidationError({"proposed_amount": error.messages}) from None


def _copy_state(source, target, *names: str) -> None:
    """Copy fields written under a lock back onto the caller's instance."""
    if source is target:
        return
    for name in names:
        setattr(target, name, getattr(source, name))
