"""The dashboard API's sections: figures read from other apps, each behind its own boundary.

The HTML dashboard embeds other apps' fragments through the modules layer; this file is its
JSON twin. Each section reads one app's selectors inside a savepoint, honours that app's
maintenance switch and breaker, and on failure reports {"status": "unavailable"} for that
section alone, so one failing app never takes the whole response down.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse

from apps.accounts.models import Role
from apps.modules import faults, maintenance
from apps.modules.breaker import get_breaker

logger = logging.getLogger(__name__)

RECOMMENDED_LIMIT = 5
NEWEST_APPLICANTS_LIMIT = 5


@dataclass(frozen=True)
class Section:
    key: str
    module: str
    load: Callable[..., object]


def _worker_applications(user) -> dict:
    from apps.jobs.selectors import worker_applications_by_status

    groups = worker_applications_by_status(worker=user)
    return {
        "counts": {status: len(applications) for status, applications in groups.items()},
        "recent": [
            {
                "id": application.pk,
                "status": application.status,
                "job_id": application.job_id,
                "job_title": application.job.title,
                "proposed_amount_pesewas": application.proposed_amount,
            }
            for applications in groups.values()
            for application in applications[:RECOMMENDED_LIMIT]
        ],
    }


def _recommended_jobs(user) -> list[dict]:
    from apps.jobs.fragments import worker_preferences
    from apps.jobs.selectors import recommended_jobs

    trades, region = worker_preferences(user)
    jobs = recommended_jobs(trades=trades, region=region, exclude_worker=user, limit=RECOMMENDED_LIMIT)
    return [
        {
            "id": job.pk,
            "title": job.title,
            "trade": job.trade,
            "region": job.region,
            "town": job.town,
            "budget_min_pesewas": job.budget_min,
            "budget_max_pesewas": job.budget_max,
            "url": reverse("jobs:detail", kwargs={"job_id": job.pk}),
        }
        for job in jobs
    ]


def _profile_completeness(user) -> dict:
    from apps.workers.selectors import profile_completeness, worker_profile_for_user

    profile = worker_profile_for_user(user)
    if profile is None:
        return {"percent": 0, "missing": []}
    completeness = profile_completeness(profile)
    return {
        "percent": completeness.percent,
        "missing": [{"key": item.key, "label": item.label} for item in completeness.missing],
    }


def _hirer_jobs_by_state(user) -> dict:
    from apps.jobs.selectors import hirer_job_counts_by_status

    return hirer_job_counts_by_status(hirer=user)


def _newest_applicants(user) -> list[dict]:
    from apps.jobs.selectors import newest_applications_for_hirer

    applications = newest_applications_for_hirer(hirer=user, limit=NEWEST_APPLICANTS_LIMIT)
    return [
        {
            "id": application.pk,
            "job_id": application.job_id,
            "job_title": application.job.title,
            "worker_id": application.worker_id,
            "worker_name": application.worker.full_name,
            "proposed_amount_pesewas": application.proposed_amount,
            "created_at": application.created_at.isoformat(),
        }
        for application in applications
    ]


def _saved_workers(user) -> list[dict]:
    from apps.hirers.selectors import saved_workers
    from apps.workers.selectors import worker_summaries

    saved = saved_workers(hirer=user)
    summaries = worker_summaries([entry.worker_id for entry in saved])
    return [
        {
            "worker_id": summary.user_id,
            "name": summary.name,
            "primary_trade": summary.primary_trade,
            "town": summary.town,
            "rating_average": str(summary.rating_average),
            "rating_count": summary.rating_count,
        }
        for entry in saved
        if (summary := summaries.get(entry.worker_id)) is not None
    ]


def _wallet(user) -> dict:
    from apps.payments.selectors import wallet_summary

    return {f"{name}_pesewas": amount for name, amount in wallet_summary(user).items()}


WORKER_SECTIONS = [
    Section("applications", "jobs", _worker_applications),
    Section("recommended_jobs", "jobs", _recommended_jobs),
    Section("profile_completeness", "workers", _profile_completeness),
    Section("wallet", "payments", _wallet),
]
HIRER_SECTIONS = [
    Section("jobs_by_state", "jobs", _hirer_jobs_by_state),
    Section("newest_applicants", "jobs", _newest_applicants),
    Section("saved_workers", "hirers", _saved_workers),
    Section("wallet", "payments", _wallet),
]


def sections_for(user) -> list[Section]:
    if user.role == Role.WORKER:
        return WORKER_SECTIONS
    if user.role == Role.HIRER:
        return HIRER_SECTIONS
    return []


def load_section(user, section: Section) -> dict:
    """Return {"status": "ok", "data": ...}, or "maintenance" or "unavailable" without data."""
    if maintenance.switched_off(section.module) is not None:
        return {"status": "maintenance"}
    breaker = get_breaker(section.module)
    if not breaker.allow():
        return {"status": "unavailable"}

    try:
        faults.inject(f"{section.module}.fragments")
        with transaction.atomic(savepoint=True):
            data = section.load(user)
    except Exception as error:
        breaker.record_failure()
        logger.warning(
            "dashboard section %s failed: %r",
            section.key,
            error,
            extra={"module_name": section.module, "section": section.key, "user_id": user.pk},
        )
        return {"status": "unavailable"}
    breaker.record_success()
    return {"status": "ok", "data": data}


def dashboard_data(user) -> dict:
    """Return every section of the user's dashboard, each loaded on its own."""
    return {"role": user.role, "sections": {section.key: load_section(user, section) for section in sections_for(user)}}
