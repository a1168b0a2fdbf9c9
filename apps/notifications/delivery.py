"""Send one SMS or email delivery, claimed by one worker at a time, retrying temporary failures with backoff."""

import logging
import random
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.phone import mask_phone
from apps.modules.faults import inject
from apps.notifications import conf
from apps.notifications.dispatch import enqueue_delivery
from apps.notifications.events import Channel
from apps.notifications.models import Delivery, DeliveryStatus
from apps.notifications.sms import SmsRejected, SmsTemporaryError, get_gateway
from apps.resilience.breakers import BreakerOpen, breaker

logger = logging.getLogger(__name__)

# Characters of an SMS text: two GSM segments, enough for a title and a short link.
SMS_MAX_LENGTH = 300


class TemporaryDeliveryError(Exception):
    pass


class PermanentDeliveryError(Exception):
    pass


@dataclass(frozen=True)
class Outcome:
    """The result of one attempt: "sent", "skipped" (done or claimed elsewhere), "retry" or "failed"."""

    status: str
    retry_in: float = 0.0


def retry_delay(attempts: int) -> float:
    """Return a full-jitter delay in seconds for the next try after `attempts` failed ones."""
    base = conf.get("NOTIFICATIONS_RETRY_BASE_SECONDS")
    ceiling = min(conf.get("NOTIFICATIONS_RETRY_MAX_SECONDS"), base * 2 ** max(attempts - 1, 0))
    return random.uniform(base, max(base, ceiling))


def delivery_attempt(delivery_id: int) -> Outcome:
    """Claim the delivery, send it through its channel and record the result.

    The claim is one conditional UPDATE (pending, or sending for longer than the claim
    timeout), so concurrent or repeated runs of the same delivery call the gateway once.
    A temporary failure puts the delivery back to pending and queues the next attempt with
    a full-jitter delay; after NOTIFICATIONS_DELIVERY_MAX_ATTEMPTS it is marked failed.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=conf.get("NOTIFICATIONS_CLAIM_TIMEOUT"))
    claimed = Delivery.objects.filter(
        Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.SENDING, claimed_at__lt=stale), pk=delivery_id
    ).update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return Outcome("skipped")

    delivery = Delivery.objects.select_related("notification", "user").get(pk=delivery_id)
    try:
        reference = _send(delivery)
    except TemporaryDeliveryError as error:
        return _record_failure(delivery, str(error))
    except PermanentDeliveryError as error:
        _finish(delivery, DeliveryStatus.FAILED, last_error=str(error)[:300])
        logger.warning("notification delivery rejected", extra={"delivery_id": delivery.pk, "error": str(error)})
        return Outcome("failed")

    _finish(delivery, DeliveryStatus.SENT, provider_reference=reference[:100], sent_at=timezone.now(), last_error="")
    logger.info("notification delivered", extra={"delivery_id": delivery.pk, "channel": delivery.channel})
    return Outcome("sent")


def _record_failure(delivery: Delivery, error: str) -> Outcome:
    if delivery.attempts >= conf.get("NOTIFICATIONS_DELIVERY_MAX_ATTEMPTS"):
        _finish(delivery, DeliveryStatus.FAILED, last_error=error[:300])
        logger.error(
            "notification delivery gave up",
            extra={"delivery_id": delivery.pk, "attempts": delivery.attempts, "error": error},
        )
        return Outcome("failed")

    delay = retry_delay(delivery.attempts)
    _finish(
        delivery,
        DeliveryStatus.PENDING,
        last_error=error[:300],
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    enqueue_delivery(delivery, countdown=delay)
    logger.warning(
        "notification delivery failed, will retry",
        extra={"delivery_id": delivery.pk, "attempts": delivery.attempts, "retry_in": round(delay, 1), "error": error},
    )
    return Outcome("retry", retry_in=delay)


def _finish(delivery: Delivery, status: str, **fields) -> None:
    # Only the claim holder (status still sending) may record the result.
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(status=status, **fields)


def _send(delivery: Delivery) -> str:
    if delivery.channel == Channel.SMS:
        return _send_sms(delivery)
    if delivery.channel == Channel.EMAIL:
        return _send_email(delivery)
    raise PermanentDeliveryError(f"unknown channel {delivery.channel}")


def _send_sms(delivery: Delivery) -> str:
    try:
        return get_gateway().send(
            to=delivery.user.phone, text=sms_text(delivery.notification), reference=f"kelmah-{delivery.pk}"
        )
    except SmsTemporaryError as error:
        raise TemporaryDeliveryError(str(error)) from error
    except SmsRejected as error:
        logger.warning("SMS rejected for %s", mask_phone(delivery.user.phone), extra={"delivery_id": delivery.pk})
        raise PermanentDeliveryError(str(error)) from error


def _send_email(delivery: Delivery) -> str:
    notification = delivery.notification
    try:
        with breaker("email").guard():
            inject("email")
            send_mail(
                subject=notification.title,
                message=email_text(notification),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[delivery.user.email],
            )
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
        raise PermanentDeliveryError(f"email recipient or sender rejected: {type(error).__name__}") from error
    except BreakerOpen as error:
        raise TemporaryDeliveryError("email breaker open") from error
    except (smtplib.SMTPException, OSError) as error:
        raise TemporaryDeliveryError(f"email server unavailable: {type(error).__name__}") from error
    return f"email-{delivery.pk}"


def _absolute(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return conf.get("KELMAH_SITE_URL").rstrip("/") + link


def sms_text(notification) -> str:
    parts = [f"Kelmah: {notification.title}"]
    if notification.count > 1:
        parts.append(_("(%(count)s new)") % {"count": notification.count})
    link = _absolute(notification.link)
    if link.startswith("http"):
        parts.append(link)
    return " ".join(parts)[:SMS_MAX_LENGTH]


def email_text(notification) -> str:
    lines = [notification.body or notification.title]
    link = _absolute(notification.link)
    if link:
        lines += ["", link]
    return "\n".join(lines)
