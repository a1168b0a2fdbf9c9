"""Background work for jobs: application emails, sent after the deciding transaction commits."""

import logging

from celery import shared_task

from apps.jobs.emails import TRANSIENT_EMAIL_ERRORS, application_email_deliver

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=TRANSIENT_EMAIL_ERRORS,
    retry_backoff=30,  # seconds before the first retry, doubling after each failure
    retry_backoff_max=30 * 60,  # a mail server down for hours gets one try every 30 minutes
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
)
def send_application_email(application_id: int, kind: str) -> bool:
    """Email one party about an application. Safe to run twice: the second run sends nothing."""
    return application_email_deliver(application_id=application_id, kind=kind)
