"""Background work for jobs: application emails, sent after the deciding transaction commits."""

import logging

from apps.jobs.emails import application_email_deliver
from apps.resilience.durable import durable_task

logger = logging.getLogger(__name__)


# Durable: queued through the outbox, safe to deliver twice, retried with jittered
# backoff (RESILIENCE_TASK_* settings), then kept in the dead-letter list.
@durable_task("apps.jobs.tasks.send_application_email")
def send_application_email(application_id: int, kind: str) -> bool:
    """Email one party about an application. Safe to run twice: the second run sends nothing."""
    return application_email_deliver(application_id=application_id, kind=kind)
