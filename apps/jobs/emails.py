"""Application emails: who gets which message, sent once per application and kind.

NOTE: a process that dies after the mail server accepted a message but before the
ApplicationEmail row commits will send that message again on retry.
"""

import logging
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.jobs.models import Application, ApplicationEmail, ApplicationEmailKind

logger = logging.getLogger(__name__)

# Errors worth retrying: the mail server refused or the connection failed.
TRANSIENT_EMAIL_ERRORS = (SMTPException, OSError)


def application_email_deliver(*, application_id: int, kind: str) -> bool:
    """Send the `kind` email for an application unless it was already sent; return True if sent now.

    The ApplicationEmail row is locked while the message goes out, so two deliveries of
    the same task send one email. If sending fails the row stays unsent and the error
    propagates, so the task's retry sends it later.
    """
    if kind not in ApplicationEmailKind.values:
        logger.error("unknown application email kind", extra={"application_id": application_id, "kind": kind})
        return False
    application = Application.objects.select_related("job__hirer", "worker").filter(pk=application_id).first()
    if application is None:
        logger.warning("application email skipped: application gone", extra={"application_id": application_id})
        return False

    recipient = application.job.hirer if kind == ApplicationEmailKind.RECEIVED else application.worker
    with transaction.atomic():
        record, _created = ApplicationEmail.objects.select_for_update().get_or_create(
            application=application, kind=kind, defaults={"recipient": recipient.email}
        )
        if record.sent_at is not None:
            logger.info("application email already sent", extra={"application_id": application_id, "kind": kind})
            return False
        subject, body = _render(application, kind, recipient)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
        record.sent_at = timezone.now()
        record.save(update_fields=["sent_at"])

    logger.info("application email sent", extra={"application_id": application_id, "kind": kind})
    return True


def _render(application: Application, kind: str, recipient) -> tuple[str, str]:
    # NOTE: links are relative until the project defines KELMAH_SITE_URL (the public origin).
    site_url = getattr(settings, "KELMAH_SITE_URL", "")
    context = {
        "site_url": site_url,
        "search_path": reverse("jobs:search"),
        "application": application,
        "job": application.job,
        "recipient": recipient,
        "job_path": reverse("jobs:detail", args=[application.job_id]),
        "applicants_path": reverse("jobs:applicants", args=[application.job_id]),
    }
    subject = render_to_string(f"jobs/email/application_{kind}_subject.txt", context)
    body = render_to_string(f"jobs/email/application_{kind}.txt", context)
    return " ".join(subject.split()), body
