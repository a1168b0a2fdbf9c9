"""The job posting form: details, budget, location, schedule, then review and publish.

Each step is an ordinary POST, so it works without JavaScript. The first step creates a
draft Job; later steps update it, so progress lives on the server and a hirer can leave
and come back. "Save as draft" on any step keeps what is valid and returns to the hirer's
job list; empty fields are allowed then, wrong ones are not.
"""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts.models import Role
from apps.common.errors import DomainError, NotFound
from apps.common.ghana import REGION_TOWNS
from apps.jobs import selectors, services
from apps.jobs.forms import STEP_FORMS, STEP_TITLES, STEPS, JobBudgetForm, JobDetailsForm
from apps.jobs.models import BudgetType, JobStatus
from apps.jobs.views import add_domain_error, role_required

logger = logging.getLogger(__name__)

ACTION_SAVE = "save"
ACTION_PUBLISH = "publish"
# A fixed budget arrives in the services as budget_min; the form calls that field "amount".
BUDGET_FIELD_MAP = {"budget_min": "amount"}


@require_http_methods(["GET", "POST"])
@role_required(Role.HIRER)
def job_new(request):
    saving = request.POST.get("action") == ACTION_SAVE
    form = JobDetailsForm(request.POST or None, partial=saving)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.job_create(hirer=request.user, **form.job_fields())
        except (DomainError, ValidationError) as error:
            add_domain_error(form, error)
        else:
            return _after_step(request, job, "details", saving=saving)
    return _render_step(request, None, "details", form)


@require_http_methods(["GET", "POST"])
@role_required(Role.HIRER)
def job_edit(request, job_id, step):
    if step not in STEPS:
        raise Http404
    try:
        job = selectors.job_get_for_hirer(job_id=job_id, hirer=request.user)
    except NotFound:
        raise Http404 from None
    if job.status not in services.EDITABLE_STATUSES:
        messages.error(request, _("Only draft and open jobs can be edited."))
        return redirect("jobs:detail", job_id=job.pk)
    if step == "review":
        return _review(request, job)

    form_class = STEP_FORMS[step]
    saving = request.POST.get("action") == ACTION_SAVE
    if request.method == "GET":
        return _render_step(request, job, step, form_class(initial=_initial(job, step)))

    form = form_class(request.POST, partial=saving)
    if form.is_valid():
        try:
            services.job_update(job=job, actor=request.user, **form.job_fields())
        except (DomainError, ValidationError) as error:
            add_domain_error(form, error, field_map=_field_map(form))
        else:
            return _after_step(request, job, step, saving=saving)
    return _render_step(request, job, step, form)


def _review(request, job):
    if request.method == "POST" and request.POST.get("action") == ACTION_PUBLISH:
        try:
            services.job_publish(job=job, actor=request.user)
        except DomainError as error:
            return _render_review(request, job, error=error.message, status=400)
        messages.success(request, _("Your job is published. Workers can now apply."))
        return redirect("jobs:detail", job_id=job.pk)
    if request.method == "POST":
        messages.success(request, _("Your job is saved."))
        return redirect(reverse("hirers:jobs") + f"?status={job.status}")
    return _render_review(request, job)


def _render_review(request, job, *, error: str = "", status: int = 200):
    missing = [
        (str(job._meta.get_field(name).verbose_name), step)
        for name, step in services.REQUIRED_TO_PUBLISH.items()
        if getattr(job, name) in (None, "")
    ]
    context = _step_context(job, "review") | {"missing": missing, "error": error}
    return render(request, "jobs/post/review.html", context, status=status)


def _after_step(request, job, step, *, saving: bool):
    if saving:
        messages.success(request, _("Your draft “%(title)s” is saved.") % {"title": job.title})
        return redirect(reverse("hirers:jobs") + f"?status={job.status}")
    next_step = STEPS[STEPS.index(step) + 1]
    return redirect("jobs:edit", job_id=job.pk, step=next_step)


def _render_step(request, job, step, form):
    context = _step_context(job, step) | {"form": form}
    if step == "location":
        context["towns"] = sorted({town for towns in REGION_TOWNS.values() for town in towns})
    return render(request, "jobs/post/step.html", context, status=400 if form.errors else 200)


def _step_context(job, step) -> dict:
    return {
        "job": job,
        "step": step,
        "step_number": STEPS.index(step) + 1,
        "step_count": len(STEPS),
        "step_title": STEP_TITLES[step],
        "steps": [(name, STEP_TITLES[name]) for name in STEPS],
        "is_open": job is not None and job.status == JobStatus.OPEN,
    }


def _initial(job, step) -> dict:
    if step == "budget":
        return JobBudgetForm.initial_for(job)
    return {name: getattr(job, name) for name in STEP_FORMS[step].base_fields}


def _field_map(form) -> dict:
    if isinstance(form, JobBudgetForm) and form.cleaned_data.get("budget_type") != BudgetType.RANGE:
        return BUDGET_FIELD_MAP | {"budget_max": "amount"}
    return {}
