"""Tell staff about incidents by email, through the outbox so no alert is lost or doubled.

alert_enqueue() must run inside the transaction that changes the incident: the outbox row
commits with it, and its dedupe key makes a second enqueue for the same step a no-op.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

ALERT_TASK = "monitoring.send_alert"
ALERT_KINDS = ("opened", "recovered")


def alert_enqueue(*, incident, kind: str) -> None:
    if kind not in ALERT_KINDS:
        raise ValueError(f"Alert kind must be one of {ALERT_KINDS}, not {kind!r}.")
    try:
        from apps.resilience.outbox import enqueue
    except ImportError:
        # Without the outbox, send after commit; a failure is logged and the alert is lost.
        transaction.on_commit(lambda: _send_quietly(incident.pk, kind))
        return
    enqueue(ALERT_TASK, kwargs={"incident_id": incident.pk, "kind": kind}, dedupe_key=f"incident:{incident.pk}:{kind}")


def _send_quietly(incident_id: int, kind: str) -> None:
    try:
        alert_send(incident_id=incident_id, kind=kind)
    except Exception:
        logger.exception("Alert email for incident %s failed", incident_id, extra={"incident_id": incident_id})


def staff_recipients() -> list[str]:
    users = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def alert_send(*, incident_id: int, kind: str) -> int:
    """Email every active staff member about an incident step; return how many were sent."""
    from apps.monitoring.models import Incident

    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        logger.warning("Alert for incident %s skipped: it no longer exists", incident_id)
        return 0
    recipients = staff_recipients()
    if not recipients:
        logger.warning("Alert for incident %s not sent: no active staff with an email", incident_id)
        return 0

    context = {"incident": incident, "kind": kind, "site_url": getattr(settings, "KELMAH_SITE_URL", "")}
    subject = render_to_string("monitoring/email/alert_subject.txt", context).strip()
    body = render_to_string("monitoring/email/alert_body.txt", context)
    sent = send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    logger.info("Alert for incident %s (%s) sent to %d staff", incident_id, kind, len(recipients))
    return sent
