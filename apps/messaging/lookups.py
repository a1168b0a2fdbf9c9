"""Reads from other apps that messaging needs: a visible job and a worker account.

NOTE: jobs are read through apps.jobs.selectors.job_get_visible when that exists; the
direct query below is only for a checkout without it and can go once it is everywhere.
"""

import importlib
import importlib.util

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from apps.accounts.models import Role
from apps.common.errors import NotFound


def _as_id(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return 0
    return number if 0 < number < 2**63 else 0


def job_for_conversation(*, job_id, user):
    """Return a job the user may see, or raise NotFound."""
    selectors = importlib.import_module("apps.jobs.selectors") if _has_jobs_selectors() else None
    if selectors is not None and hasattr(selectors, "job_get_visible"):
        return selectors.job_get_visible(job_id=_as_id(job_id), user=user)

    from apps.jobs.models import Job

    job = Job.objects.select_related("hirer").filter(pk=_as_id(job_id)).first()
    if job is None or (job.status in ("draft", "cancelled") and job.hirer_id != user.pk):
        raise NotFound(_("Job not found."))
    return job


def _has_jobs_selectors() -> bool:
    return importlib.util.find_spec("apps.jobs.selectors") is not None


def worker_get(*, user_id):
    """Return an active worker account by id, or raise NotFound."""
    worker = get_user_model().objects.filter(pk=_as_id(user_id), role=Role.WORKER, is_active=True).first()
    if worker is None:
        raise NotFound(_("Worker not found."))
    return worker
