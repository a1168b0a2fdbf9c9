"""The one way the payments and contracts apps start background work.

Tasks go through the resilience outbox (written in the caller's transaction, relayed to
Celery after commit, retried and dead-lettered there) when it is installed, and otherwise
straight to Celery once the transaction commits.
"""

import logging
from importlib import import_module

from django.db import transaction

logger = logging.getLogger(__name__)


def dispatch(task_name: str, *, kwargs: dict, dedupe_key: str | None = None, countdown: int = 0) -> None:
    """Queue `task_name(**kwargs)` to run after the current transaction commits (never before)."""
    try:
        from apps.resilience.outbox import enqueue
    except ImportError:
        enqueue = None
    if enqueue is not None:
        enqueue(task_name, kwargs=kwargs, dedupe_key=dedupe_key, countdown=countdown)
        return

    def send() -> None:
        try:
            module_name, function_name = task_name.rsplit(".", 1)
            task = getattr(import_module(module_name), function_name)
            task.apply_async(kwargs=kwargs, countdown=countdown or None)
        except Exception as error:  # the broker is down: the beat sweeps pick the row up later
            logger.warning("task not queued", extra={"task": task_name, "dedupe_key": dedupe_key, "error": str(error)})

    transaction.on_commit(send)
