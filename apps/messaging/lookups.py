"""Reads from other apps that messaging needs: a visible job and a worker account."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from apps.accounts.models import Role
from apps.common.errors import NotFound
from apps.jobs.selectors import job_get_visible


def _as_id(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return 0
    return number if 0 < number < 2**63 else 0


def job_for_conversation(*, job_id, user):
    """Return a job the user may see, or raise NotFound."""
    return job_get_visible(job_id=_as_id(job_id), user=user)


def worker_get(*, user_id):
    """Return an active worker account by id, or raise NotFound."""
    worker = get_user_model().objects.filter(pk=_as_id(user_id), role=Role.WORKER, is_active=True).first()
    if worker is None:
        raise NotFound(_("Worker not found."))
    return worker
