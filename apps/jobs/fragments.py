"""Dashboard fragments: plain functions of (request) returning rendered HTML.

The dashboard embeds them through the modules layer's fragment boundary (see
apps/jobs/module.py), which contains their failures; they do not catch errors themselves.
Each one runs a fixed number of queries.
"""

import logging

from django.template.loader import render_to_string

from apps.accounts.models import Role
from apps.jobs import selectors
from apps.jobs.models import ApplicationStatus, JobStatus

logger = logging.getLogger(__name__)

RECOMMENDED_LIMIT = 5
NEWEST_APPLICANTS_LIMIT = 5


def worker_applications(request) -> str:
    """Render the worker's applications grouped by status, accepted and open ones first."""
    result = selectors.worker_dashboard_applications(worker=request.user)
    groups = result.value if result else {}
    order = [
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.SHORTLISTED,
        ApplicationStatus.PENDING,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
    ]
    grouped = [(status, ApplicationStatus(status).label, groups[status]) for status in order if groups[status].count]
    context = {"groups": grouped, "result": result}
    return render_to_string("jobs/fragments/worker_applications.html", context, request=request)


def recommended_jobs(request, *, limit: int = RECOMMENDED_LIMIT) -> str:
    """Render open jobs in the worker's trades and region, newest first, minus those already applied for."""
    trades, region = worker_preferences(request.user)
    jobs = selectors.recommended_jobs(trades=trades, region=region, exclude_worker=request.user, limit=limit)
    context = {"jobs": jobs, "trades": trades, "region": region}
    return render_to_string("jobs/fragments/recommended_jobs.html", context, request=request)


def hirer_jobs_by_state(request) -> str:
    """Render how many of the hirer's jobs are in each status, linking to the job management tabs."""
    result = selectors.hirer_dashboard_counts(hirer=request.user)
    rows = [(value, label, result.value[value]) for value, label in JobStatus.choices] if result else []
    return render_to_string(
        "jobs/fragments/hirer_jobs_by_state.html", {"rows": rows, "result": result}, request=request
    )


def newest_applicants(request, *, limit: int = NEWEST_APPLICANTS_LIMIT) -> str:
    """Render the newest pending applications across the hirer's jobs."""
    applications = selectors.newest_applications_for_hirer(hirer=request.user, limit=limit)
    return render_to_string("jobs/fragments/newest_applicants.html", {"applications": applications}, request=request)


def home_listings(request) -> str:
    """Render the home page's trade counts and newest jobs from the cached public listings."""
    listings = selectors.home_listings()
    context = {
        "listings": listings,
        "trade_counts": listings.value["trade_counts"] if listings else [],
        "newest_jobs": listings.value["newest_jobs"] if listings else [],
    }
    return render_to_string("jobs/fragments/home_listings.html", context, request=request)


def worker_preferences(user) -> tuple[list[str], str]:
    """Return the worker's (trade values, region) from the workers app, or ([], "") without a profile."""
    if not user.is_authenticated or user.role != Role.WORKER:
        return [], ""
    from apps.workers.selectors import worker_profile_for_user

    profile = worker_profile_for_user(user)
    if profile is None:
        return [], ""
    trades = [trade.trade for trade in profile.trades.all()] or (
        [profile.primary_trade] if profile.primary_trade else []
    )
    return trades, profile.region or ""
