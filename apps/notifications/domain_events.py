"""Notifications for other apps' events, built in one place so their services add one call each.

Call these after the change is committed, or inside its transaction: the notification and
its queued SMS and email then commit or roll back with it. They never raise into the
caller. A failure is logged (rate-limited) and the caller's change is kept.
"""

import logging

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from apps.notifications.services import notify
from apps.notifications.throttled_log import log_throttled

logger = logging.getLogger(__name__)


def notify_safely(**kwargs) -> None:
    """Call notify(**kwargs) in a savepoint; log instead of raising if it fails."""
    try:
        with transaction.atomic():
            notify(**kwargs)
    except Exception:  # A notification must never break the change that triggered it.
        log_throttled(
            logger,
            logging.ERROR,
            f"notify:{kwargs.get('event')}",
            "notification failed",
            exc_info=True,
            extra={"event": kwargs.get("event"), "user_id": getattr(kwargs.get("user"), "pk", None)},
        )


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def application_event(*, application, kind: str) -> None:
    """Notify about an application: "received" (to the hirer), "accepted" or "rejected" (to the worker)."""
    job = application.job
    if kind == "received":
        notify_safely(
            user=job.hirer,
            event="application.received",
            title=_("New application for “%(title)s”") % {"title": job.title},
            body=_("%(name)s applied.") % {"name": application.worker.get_full_name()},
            link=_url("jobs:applicants", job.pk),
            group_key=f"job:{job.pk}:applications",
            dedupe_key=f"application:{application.pk}:received",
        )
    elif kind in ("accepted", "rejected"):
        accepted = kind == "accepted"
        notify_safely(
            user=application.worker,
            event=f"application.{kind}",
            title=(
                _("You got the job: “%(title)s”") if accepted else _("Your application for “%(title)s” was declined")
            )
            % {"title": job.title},
            body=_("The hirer will be in touch about the contract.") if accepted else "",
            link=_url("jobs:my_applications"),
            dedupe_key=f"application:{application.pk}:{kind}",
        )


def contract_event(*, user, contract_id, title: str, body: str = "", link: str = "", change: str) -> None:
    """Notify one party of a contract change; `change` names it ("created", "signed", "cancelled"...)."""
    notify_safely(
        user=user,
        event="contract.updated",
        title=title,
        body=body,
        link=link,
        group_key=f"contract:{contract_id}",
        dedupe_key=f"contract:{contract_id}:{change}:{user.pk}",
    )


def milestone_event(*, user, milestone_id, title: str, body: str = "", link: str = "", change: str) -> None:
    """Notify one party of a milestone change ("funded", "delivered", "approved", "released"...)."""
    notify_safely(
        user=user,
        event="milestone.updated",
        title=title,
        body=body,
        link=link,
        group_key=f"milestone:{milestone_id}",
        dedupe_key=f"milestone:{milestone_id}:{change}:{user.pk}",
    )


def payment_event(*, user, payment_id, title: str, body: str = "", link: str = "", change: str) -> None:
    """Notify about a payment or payout ("succeeded", "failed", "refunded"...), once per change."""
    notify_safely(
        user=user,
        event="payment.updated",
        title=title,
        body=body,
        link=link,
        dedupe_key=f"payment:{payment_id}:{change}:{user.pk}",
    )
