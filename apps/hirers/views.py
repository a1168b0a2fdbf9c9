"""Hirer pages: job management by status, the profile, and saved workers."""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Role
from apps.common.errors import DomainError, NotFound
from apps.hirers import selectors, services
from apps.hirers.forms import HirerProfileForm
from apps.jobs import selectors as job_selectors
from apps.jobs.models import JobStatus
from apps.jobs.views import add_domain_error, role_required

logger = logging.getLogger(__name__)

JOBS_PAGE_SIZE = 20


@require_GET
@role_required(Role.HIRER)
def jobs(request):
    status = request.GET.get("status", JobStatus.OPEN)
    if status not in JobStatus.values:
        status = JobStatus.OPEN
    page = Paginator(job_selectors.hirer_jobs(hirer=request.user, status=status), JOBS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = job_selectors.hirer_job_counts_by_status(hirer=request.user)
    tabs = [(value, label, counts[value]) for value, label in JobStatus.choices]
    return render(request, "hirers/jobs.html", {"page": page, "status": status, "tabs": tabs})


@require_http_methods(["GET", "POST"])
@role_required(Role.HIRER)
def profile_edit(request):
    profile = selectors.hirer_profile_get(user=request.user)
    initial = {name: getattr(profile, name) for name in services.PROFILE_FIELDS}
    form = HirerProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.hirer_profile_update(user=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("hirers:profile")
    return render(request, "hirers/profile.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
@role_required(Role.HIRER)
def saved_workers(request):
    return render(request, "hirers/saved_workers.html", {"saved": selectors.saved_workers(hirer=request.user)})


@require_POST
@role_required(Role.HIRER)
def save_worker(request, user_id):
    try:
        services.saved_worker_add(hirer=request.user, worker_id=user_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Worker saved. Find them under Saved workers."))
    return _back(request)


@require_POST
@role_required(Role.HIRER)
def unsave_worker(request, user_id):
    services.saved_worker_remove(hirer=request.user, worker_id=user_id)
    messages.success(request, _("Worker removed from your saved list."))
    return _back(request)


def _back(request):
    """Return to the page the button was on when it is a local URL, else to the saved list."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("hirers:saved_workers")
