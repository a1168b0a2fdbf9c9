"""Writes for messaging: starting conversations, sending messages, read receipts.

Every write is committed before anything is pushed to websockets or notifications, and a
failure of those pushes never undoes or fails the write.
"""

import logging
import time
from http import HTTPStatus

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Role
from apps.common.errors import DomainError, NotAllowed, NotFound
from apps.messaging import conf, realtime, selectors
from apps.messaging.attachments import attachment_check
from apps.messaging.models import Conversation, Message, Participant
from apps.notifications.throttled_log import log_throttled

logger = logging.getLogger(__name__)

# Maximum client_id length; clients send a UUID (36 characters).
CLIENT_ID_MAX_LENGTH = 64


def conversation_for_job(*, job, worker, actor) -> Conversation:
    """Return the conversation about `job` between its hirer and `worker`, creating it once.

    `actor` must be the job's hirer or `worker`, and the worker must have applied to the
    job. A hirer asking about someone who did not apply gets NotFound, as for any job that
    is not theirs. A worker who has not applied gets NotAllowed.
    """
    if actor.pk not in (job.hirer_id, worker.pk):
        raise NotFound(_("Job not found."))
    if not selectors.has_applied(job=job, worker=worker):
        if actor.pk == worker.pk:
            raise NotAllowed(_("Apply for this job before messaging the hirer."), code="not_applied")
        raise NotFound(_("Applicant not found."))
    return _conversation_get_or_create(job=job, hirer=job.hirer, worker=worker)


def conversation_direct(*, hirer, worker) -> Conversation:
    """Return the direct conversation a hirer starts with a worker from the directory."""
    if hirer.role != Role.HIRER:
        raise NotAllowed(_("Only hirers can contact workers from the directory."), code="not_hirer")
    if worker.role != Role.WORKER or not worker.is_active:
        raise NotFound(_("Worker not found."))
    return _conversation_get_or_create(job=None, hirer=hirer, worker=worker)


def _conversation_get_or_create(*, job, hirer, worker) -> Conversation:
    existing = Conversation.objects.filter(job=job, hirer=hirer, worker=worker).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(job=job, hirer=hirer, worker=worker)
            Participant.objects.bulk_create(
                [
                    Participant(conversation=conversation, user=hirer),
                    Participant(conversation=conversation, user=worker),
                ]
            )
    except IntegrityError:
        # The other person opened the same conversation at the same moment.
        return Conversation.objects.get(job=job, hirer=hirer, worker=worker)
    logger.info(
        "conversation started",
        extra={"conversation_id": conversation.pk, "job_id": getattr(job, "pk", None), "hirer_id": hirer.pk},
    )
    return conversation


def message_send(*, conversation: Conversation, sender, body: str, attachment=None, client_id: str | None = None):
    """Store a message, then (after commit) push it to open sockets and notify an absent recipient.

    A `client_id` the sender already used in this conversation returns the stored message
    with `replayed = True` and stores nothing. Raises DomainError for an empty or too long
    body or a refused attachment, and NotFound when `sender` is not a participant.
    """
    if not Participant.objects.filter(conversation=conversation, user=sender).exists():
        raise NotFound(_("Conversation not found."))
    client_id = _clean_client_id(client_id)
    if client_id:
        stored = Message.objects.filter(conversation=conversation, sender=sender, client_id=client_id).first()
        if stored is not None:
            stored.replayed = True
            return stored

    body = _clean_body(body, has_attachment=attachment is not None)
    checked = attachment_check(attachment) if attachment is not None else None
    _check_send_rate(sender)
    try:
        message = _store_message(conversation, sender, body, checked, attachment, client_id)
    except IntegrityError:
        # The same client_id raced in from a second connection; the first one won.
        stored = Message.objects.get(conversation=conversation, sender=sender, client_id=client_id)
        stored.replayed = True
        return stored

    message.replayed = False
    logger.info(
        "message sent",
        extra={"conversation_id": conversation.pk, "message_id": message.pk, "sender_id": sender.pk},
    )
    return message


def _store_message(conversation, sender, body, checked, attachment, client_id) -> Message:
    message = Message(conversation=conversation, sender=sender, body=body, client_id=client_id or None)
    try:
        return _store_message_rows(message, conversation, sender, checked, attachment)
    except Exception:
        # The rows rolled back; the file written to storage does not, so remove it.
        if message.attachment.name:
            message.attachment.delete(save=False)
        raise


def _store_message_rows(message, conversation, sender, checked, attachment) -> Message:
    with transaction.atomic():
        if checked is not None:
            message.attachment_type = checked.content_type
            message.attachment_name = checked.name
            message.attachment_size = checked.size
            message.attachment.save(checked.name, attachment, save=False)
        message.save()
        Conversation.objects.filter(pk=conversation.pk).update(last_message=message, last_message_at=message.created_at)
        # Replying means the sender has seen the thread up to their own message.
        Participant.objects.filter(conversation=conversation, user=sender).update(last_read_message_id=message.pk)
        transaction.on_commit(lambda: _after_send(message))
    return message


class SendingTooFast(DomainError):
    code = "rate_limited"
    status = HTTPStatus.TOO_MANY_REQUESTS


def _check_send_rate(sender) -> None:
    """Raise SendingTooFast past MESSAGING_SEND_RATE_PER_MINUTE sends in the current minute.

    The count lives in the cache; when the cache is unavailable the send is allowed.
    """
    key = f"messaging:send-rate:{sender.pk}:{int(time.time() // 60)}"
    try:
        cache.add(key, 0, timeout=120)
        count = cache.incr(key)
    except Exception as error:  # A cache outage must not stop people talking.
        log_throttled(logger, logging.WARNING, "messaging:send-rate", "send rate check skipped: %r", error)
        return
    if count > conf.get("MESSAGING_SEND_RATE_PER_MINUTE"):
        logger.warning("message send rate exceeded", extra={"sender_id": sender.pk, "count": count})
        raise SendingTooFast(_("You are sending messages very fast. Wait a minute, then try again."))


def _clean_client_id(client_id) -> str:
    if client_id is None or client_id == "":
        return ""
    if not isinstance(client_id, str) or len(client_id) > CLIENT_ID_MAX_LENGTH or not client_id.isprintable():
        raise DomainError(_("The message id from your app is invalid."), code="invalid_client_id", field="client_id")
    return client_id.strip()


def _clean_body(body, *, has_attachment: bool) -> str:
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise DomainError(_("Write your message as text."), code="invalid_body", field="body")
    body = body.strip()
    limit = conf.get("MESSAGING_MAX_BODY_LENGTH")
    if len(body) > limit:
        raise DomainError(
            _("Your message is too long (%(length)s characters). Keep it under %(limit)s.")
            % {"length": len(body), "limit": limit},
            code="body_too_long",
            field="body",
        )
    if not body and not has_attachment:
        raise DomainError(_("Write a message or attach a file."), code="empty_message", field="body")
    return body


def _after_send(message: Message) -> None:
    conversation = message.conversation
    realtime.group_send(
        realtime.conversation_group(conversation.pk),
        {"type": "message.new", "message": realtime.serialize_message(message)},
    )
    recipient = conversation.other_party(message.sender)
    if not realtime.is_present(conversation.pk, recipient.pk):
        _notify_recipient(message, recipient)


def _notify_recipient(message: Message, recipient) -> None:
    from apps.notifications.services import notify

    conversation = message.conversation
    if message.body:
        preview = message.body[:140]
    elif message.is_image:
        preview = _("Sent a photo.")
    else:
        preview = _("Sent a file.")
    try:
        notify(
            user=recipient,
            event="message.received",
            title=_("New message from %(name)s") % {"name": message.sender.get_short_name()},
            body=preview,
            link=conversation_url(conversation),
            group_key=f"conversation:{conversation.public_id}",
            dedupe_key=f"message:{message.pk}",
        )
    except Exception:  # The message is stored and delivered in the thread; a failed notification must not surface.
        logger.exception("message notification failed", extra={"message_id": message.pk})


def conversation_url(conversation: Conversation) -> str:
    from django.urls import reverse

    return reverse("messaging:thread", args=[conversation.public_id])


def conversation_mark_read(*, conversation: Conversation, user, up_to_id: int | None = None) -> int:
    """Move the user's read marker forward to `up_to_id` (default: the newest message).

    The marker never moves back, and never past the newest message. Returns the marker
    after the change; the other side hears of it over the socket after commit.
    """
    participant = Participant.objects.filter(conversation=conversation, user=user).first()
    if participant is None:
        raise NotFound(_("Conversation not found."))
    newest = conversation.messages.aggregate(newest=Max("id"))["newest"] or 0
    target = newest if up_to_id is None else max(0, min(int(up_to_id), newest))

    changed = Participant.objects.filter(pk=participant.pk, last_read_message_id__lt=target).update(
        last_read_message_id=target
    )
    if not changed:
        participant.refresh_from_db(fields=["last_read_message_id"])
        return participant.last_read_message_id

    transaction.on_commit(lambda: _after_read(conversation, user, target))
    return target


def _after_read(conversation: Conversation, user, last_read: int) -> None:
    realtime.group_send(
        realtime.conversation_group(conversation.pk),
        {"type": "read.update", "user_id": user.pk, "last_read_message_id": last_read},
    )
    try:
        from apps.notifications.services import notification_group_mark_read

        notification_group_mark_read(user=user, group_key=f"conversation:{conversation.public_id}")
    except Exception:  # Read state of the bell is cosmetic; the read marker itself is stored.
        logger.exception("could not clear message notifications", extra={"conversation_id": conversation.pk})


def session_ended(*, user_id: int, session_key: str) -> None:
    """Tell the user's open sockets that one session ended, so the sockets opened with it close.

    Only a hash of the key travels through the channel layer.
    """
    realtime.group_send(
        realtime.user_group(user_id),
        {
            "type": "session.ended",
            "session": realtime.session_fingerprint(session_key),
            "at": timezone.now().isoformat(),
        },
    )
