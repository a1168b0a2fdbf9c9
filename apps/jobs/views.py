"""Job pages: home, search, detail, applying and the hirer's applicant list.

Each view parses input, makes one call into services or selectors, and renders. Domain
errors become form errors or a flash message, never a 500; objects the user may not see
are a 404.
"""

import logging
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Role
from apps.common.errors import DomainError, NotFound
from apps.jobs import selectors, services
from apps.jobs.forms import ApplicationForm, JobSearchForm
from apps.jobs.models import ApplicationStatus, JobStatus
from apps.jobs.selectors import JobSearch

logger = logging.getLogger(__name__)

SEARCH_PAGE_SIZE = 20


def role_required(role: str):
    """Let only users of `role` through; others see a page explaining who may use it (403)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if request.user.role != role:
                return render(request, "jobs/wrong_role.html", {"needed_role": role}, status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def add_domain_error(form, error: DomainError | ValidationError, *, field_map: dict | None = None) -> None:
    """Show a service error on the form: on its field when the form has one, otherwise on top."""
    field_map = field_map or {}
    if isinstance(error, DomainError):
        field = field_map.get(error.field, error.field)
        form.add_error(field if field in form.fields else None, error.message)
        return
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            field = field_map.get(name, name)
            for message in messages_:
                form.add_error(field if field in form.fields else None, message)
        return
    for message in error.messages:
        form.add_error(None, message)


def _not_found(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapper


@require_GET
def search(request):
    counts = selectors.filter_counts()
    form = JobSearchForm(request.GET or None, counts=counts.value if counts else None)
    page = None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        jobs = selectors.job_search(search=_job_search_from(data))
        page = Paginator(jobs, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))

    context = {
        "form": form,
        "page": page,
        "query_string": _query_without_page(request),
        "filters_active": any(
            request.GET.get(name) for name in ("trade", "region", "budget_min", "budget_max", "sort")
        ),
    }
    template = "jobs/_search_results.html" if request.headers.get("HX-Request") else "jobs/search.html"
    return render(request, template, context, status=400 if form.errors else 200)


def _job_search_from(data: dict) -> JobSearch:
    return JobSearch(
        q=data.get("q") or "",
        trade=data.get("trade") or "",
        region=data.get("region") or "",
        budget_min=data.get("budget_min"),
        budget_max=data.get("budget_max"),
        sort=data.get("sort") or selectors.SORT_NEWEST,
    )


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
@_not_found
def detail(request, job_id):
    job = selectors.job_get_visible(job_id=job_id, user=request.user)
    return _render_detail(request, job)


def _render_detail(request, job, *, form=None, status=200):
    user = request.user
    application = selectors.worker_application_for_job(job=job, worker=user)
    can_apply = (
        user.is_authenticated and user.role == Role.WORKER and job.status == JobStatus.OPEN and application is None
    )
    context = {
        "job": job,
        "hirer_name": _hirer_display_name(job.hirer),
        "application": application,
        "is_owner": user.is_authenticated and job.hirer_id == user.pk,
        "can_apply": can_apply,
        "form": form or (ApplicationForm() if can_apply else None),
        "events": list(job.events.select_related("actor")) if user.is_authenticated and job.hirer_id == user.pk else [],
    }
    return render(request, "jobs/detail.html", context, status=status)


def _hirer_display_name(hirer) -> str:
    from apps.hirers.selectors import hirer_public_name

    return hirer_public_name(user=hirer)


@require_http_methods(["GET", "POST"])
def apply(request, job_id):
    """Send an application (POST). A GET, from a bookmarked or shared link, goes to the job page."""
    if request.method == "GET":
        return redirect("jobs:detail", job_id=job_id)
    return _apply(request, job_id)


@role_required(Role.WORKER)
@_not_found
def _apply(request, job_id):
    job = selectors.job_get_visible(job_id=job_id, user=request.user)
    form = ApplicationForm(request.POST)
    if form.is_valid():
        try:
            services.application_create(
                job=job,
                worker=request.user,
                cover_letter=form.cleaned_data["cover_letter"],
                proposed_amount=form.cleaned_data["proposed_amount"],
            )
        except (DomainError, ValidationError) as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your application was sent. The hirer will be notified."))
            return redirect("jobs:detail", job_id=job.pk)
    return _render_detail(request, job, form=form, status=400)


@require_POST
@role_required(Role.WORKER)
@_not_found
def withdraw(request, application_id):
    application = selectors.application_get_for_worker(application_id=application_id, worker=request.user)
    try:
        services.application_withdraw(application=application, worker=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your application was withdrawn."))
    return redirect("jobs:detail", job_id=application.job_id)


@require_GET
@role_required(Role.WORKER)
def my_applications(request):
    status = request.GET.get("status", "")
    if status not in ApplicationStatus.values:
        status = ""
    applications = selectors.worker_applications(worker=request.user, status=status)
    page = Paginator(applications, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": ApplicationStatus.choices}
    return render(request, "jobs/my_applications.html", context)


@require_GET
@role_required(Role.HIRER)
@_not_found
def applicants(request, job_id):
    job = selectors.job_get_for_hirer(job_id=job_id, hirer=request.user)
    applications = selectors.job_applications(job=job)
    summaries = _worker_summaries([application.worker_id for application in applications])
    context = {
        "job": job,
        "rows": [(application, summaries.get(application.worker_id)) for application in applications],
        "saved_ids": _saved_worker_ids(request.user),
    }
    return render(request, "jobs/applicants.html", context)


def _worker_summaries(user_ids: list[int]) -> dict:
    """Return the workers app's public summaries (trade, town, rating) keyed by user id."""
    from apps.workers.selectors import worker_summaries

    return worker_summaries(user_ids)


def _saved_worker_ids(hirer) -> set[int]:
    from apps.hirers.selectors import saved_worker_ids

    return saved_worker_ids(hirer=hirer)


APPLICATION_DECISIONS = {
    "shortlist": (services.application_shortlist, _("Shortlisted %(name)s.")),
    "accept": (services.application_accept, _("Accepted %(name)s. The job is now awarded.")),
    "reject": (services.application_reject, _("Rejected %(name)s.")),
}


@require_POST
@role_required(Role.HIRER)
@_not_found
def decide(request, application_id, decision):
    if decision not in APPLICATION_DECISIONS:
        raise Http404
    application = selectors.application_get_for_hirer(application_id=application_id, hirer=request.user)
    action, success = APPLICATION_DECISIONS[decision]
    try:
        action(application=application, hirer=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success % {"name": application.worker.full_name})
    return redirect("jobs:applicants", job_id=application.job_id)


JOB_ACTIONS = {
    "start": (services.job_start, _("The job is now in progress.")),
    "complete": (services.job_complete, _("The job is marked completed.")),
    "publish": (services.job_publish, _("Your job is published and open to applications.")),
}


@require_POST
@role_required(Role.HIRER)
@_not_found
def job_action(request, job_id, action):
    if action not in JOB_ACTIONS:
        raise Http404
    job = selectors.job_get_for_hirer(job_id=job_id, hirer=request.user)
    service, success = JOB_ACTIONS[action]
    try:
        service(job=job, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("jobs:detail", job_id=job.pk)


@require_POST
@role_required(Role.HIRER)
@_not_found
def cancel(request, job_id):
    job = selectors.job_get_for_hirer(job_id=job_id, hirer=request.user)
    reason = request.POST.get("reason", "")
    try:
        services.job_cancel(job=job, actor=request.user, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The job was cancelled. Open applications were declined."))
    return redirect("jobs:detail", job_id=job.pk)
